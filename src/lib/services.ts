/**
 * The outside systems of one process, built lazily from the settings: a job validates and opens
 * only what it uses. Tests hand in their own ports through `overrides`. The drivers (SQL Server,
 * PostgreSQL, PGlite, the migration tool, the HTTP client) and the Azure SDKs take most of a
 * cold start: each is imported when its system is first opened, so that a command or a Function
 * pays only for what it uses.
 */
import type { BatigestPort } from './batigest/port.js';
import type { BatisimplyApi } from './batisimply/client.js';
import {
  batigestSchema,
  batisimplySchema,
  parseSection,
  stagingSchema,
  syncSchema,
  geocodeSchema,
  agentSchema,
  scheduleSchema,
  SECRET_SETTINGS,
  type AgentSettings,
  type ScheduleSettings,
  type BatisimplySettings,
  type GeocodeSettings,
  type StagingSettings,
  type Env,
  type SecretSetting,
  type SyncSettings,
} from './config.js';
import { companySettingName } from './companies.js';
import { ConfigurationError } from './errors.js';
import { registerSecret } from './log.js';
import { frenchTime } from './time.js';
import { createSecretStore, withSecrets, type SecretStore } from './secrets.js';
import type { StagingDb } from './staging/db.js';

export interface ServiceOverrides {
  staging?: StagingDb;
  batigest?: BatigestPort;
  batisimply?: BatisimplyApi;
  secrets?: SecretStore;
}

interface Opened {
  staging: StagingDb;
  batigest: BatigestPort;
  batisimply: BatisimplyApi;
}

/** What a process wants to hear of its services: the CLI says on stderr when the staging schema changed. */
export interface ServiceHooks {
  /** The staging was opened on an older schema (or none) and brought up to date. */
  schemaChanged?(change: { from: number; to: number; applied: string[] }): void;
  /** The embedded staging's folder holds no database yet: one is being made (a few seconds). */
  creatingEmbedded?(folder: string): void;
}

/** Where a company's staging lives (companies.ts); unset: the single company `default`. */
export interface ServiceScope {
  company: string;
  schema: string;
}

/** How a process opens its services: what it wants to hear of them, and whether it migrates its staging. */
export interface ServiceOptions extends ServiceHooks {
  /**
   * false: the staging is opened as it stands, never migrated (the on-site agent, which shares it
   * with the cloud side: the side that owns it migrates it). Default true.
   */
  migrate?: boolean;
}

export class Services {
  readonly secrets: SecretStore;
  private readonly pending = new Map<keyof Opened, Promise<unknown>>();
  private readonly owned: (() => Promise<void>)[] = [];

  constructor(
    readonly env: Env,
    private readonly overrides: ServiceOverrides = {},
    readonly scope: ServiceScope = { company: 'default', schema: 'public' },
    private readonly options: ServiceOptions = {},
  ) {
    this.secrets = overrides.secrets ?? createSecretStore(env);
  }

  private async resolved(settings: readonly SecretSetting[]): Promise<Env> {
    const env = await withSecrets(this.env, this.secrets, settings);
    for (const s of Object.keys(SECRET_SETTINGS) as SecretSetting[]) registerSecret(env[s]);
    return env;
  }

  /** A secret read again from its source (Key Vault), after an outside system refused the cached one. */
  private async refreshSecret(setting: SecretSetting): Promise<string | undefined> {
    this.secrets.invalidate();
    const value = await this.secrets.get(setting);
    registerSecret(value);
    return value;
  }

  private readonly parsed = new Map<string, unknown>();

  /** A section of plain settings, validated on first use and kept: settings do not change while a process runs. */
  private section<T>(name: string, parse: () => T): T {
    if (!this.parsed.has(name)) this.parsed.set(name, parse());
    return this.parsed.get(name) as T;
  }

  /** The name an operator sets for one of this company's settings, for the messages. */
  private get named() {
    return companySettingName(this.scope.company);
  }

  /** The zone an operator reads times in: SYNC_TIMEZONE, or Paris while that setting is unreadable. */
  timeZone(): string {
    try {
      return this.sync().SYNC_TIMEZONE;
    } catch {
      return 'Europe/Paris';
    }
  }

  sync(): SyncSettings {
    return this.section('sync', () => parseSection(syncSchema, this.env, 'synchronisation', this.named));
  }

  geocode(): GeocodeSettings {
    return this.section('geocode', () => parseSection(geocodeSchema, this.env, 'géocodage', this.named));
  }

  schedules(): ScheduleSettings {
    return this.section('schedule', () => parseSection(scheduleSchema, this.env, 'planification'));
  }

  /** BATIGEST_ACCESS and the agent's silence threshold; its role's password is a secret (see `staging`). */
  agent(): AgentSettings {
    return this.section('agent', () => parseSection(agentSchema, this.env, 'agent'));
  }

  /** The agent's settings with the alert webhook, a secret (Key Vault alert-webhook-url). */
  async alerts(): Promise<AgentSettings> {
    return parseSection(agentSchema, await this.resolved(['ALERT_WEBHOOK_URL']), 'agent');
  }

  /** The staging settings but its URL, which may be a Key Vault secret (see `staging`). */
  stagingSettings(): StagingSettings {
    return this.section('staging', () => parseSection(stagingSchema, this.env, 'staging'));
  }

  async batisimplySettings(): Promise<BatisimplySettings> {
    return parseSection(
      batisimplySchema,
      await this.resolved(['BATISIMPLY_CLIENT_SECRET', 'BATISIMPLY_PASSWORD']),
      'BatiSimply',
      this.named,
    );
  }

  /**
   * The staging settings with their URL, which may be a Key Vault secret: read again on each
   * call, since a refused URL is read again from the vault.
   */
  async stagingConnection(): Promise<StagingSettings> {
    return parseSection(stagingSchema, await this.resolved(['STAGING_DATABASE_URL']), 'staging');
  }

  /**
   * The staging database, migrated to the latest schema on first use (unless `options.migrate` is
   * false). With BATIGEST_ACCESS=agent and AGENT_STAGING_PASSWORD, the agent's role is then kept
   * to its password and privileges.
   */
  readonly staging = this.opened('staging', async () => {
    const s = await this.stagingConnection();
    const [{ EmbeddedDb, PostgresDb }, { migrate }] = await Promise.all([import('./staging/db.js'), import('./staging/migrate.js')]);
    const schema = this.scope.schema === 'public' ? undefined : this.scope.schema;
    if (schema && !s.STAGING_DATABASE_URL) {
      throw new ConfigurationError('Plusieurs sociétés demandent une base de staging PostgreSQL : STAGING_DATABASE_URL manquant.', {
        code: 'CONFIG_INVALID',
      });
    }
    const refreshUrl = () => this.refreshSecret('STAGING_DATABASE_URL');
    const db = s.STAGING_DATABASE_URL
      ? new PostgresDb(s.STAGING_DATABASE_URL, { max: s.STAGING_POOL_MAX, schema, refreshUrl, shared: true })
      : await EmbeddedDb.open(s.STAGING_EMBEDDED_DIR, {
          showTime: (iso) => frenchTime(iso, this.timeZone()),
          onCreate: () => this.options.creatingEmbedded?.(s.STAGING_EMBEDDED_DIR),
        });
    // A company's handle on the process's one pool: opening it connects nothing; its first query does.
    const close = () => db.close();
    this.owned.push(close);
    if (this.options.migrate === false) {
      // Opening connects nothing by itself: the agent learns here, at its start, that the staging cannot be reached.
      await db.query('SELECT 1').catch(async (error: unknown) => {
        await db.close().catch(() => {});
        this.owned.splice(this.owned.indexOf(close), 1);
        throw error;
      });
      return db;
    }
    // One rule for every command: opening the staging brings its schema up to date, and says so.
    const change = await migrate(db);
    if (change.applied.length > 0) this.options.schemaChanged?.(change);
    if (db instanceof PostgresDb && this.agent().BATIGEST_ACCESS === 'agent') {
      const { AGENT_STAGING_PASSWORD } = await this.resolved(['AGENT_STAGING_PASSWORD']);
      if (AGENT_STAGING_PASSWORD) await (await import('./staging/agentRole.js')).grantAgentRole(db, AGENT_STAGING_PASSWORD);
    }
    return db;
  });

  private reader: Promise<StagingDb> | undefined;

  /**
   * The process's staging pool on no company's schema, never migrated: the reads over every
   * company's schema at once (staging/acrossSchemas.ts). Connects nothing until its first query.
   */
  stagingReader(): Promise<StagingDb> {
    if (this.overrides.staging) return Promise.resolve(this.overrides.staging);
    this.reader ??= (async () => {
      const s = await this.stagingConnection();
      if (!s.STAGING_DATABASE_URL) return this.staging();
      const { PostgresDb } = await import('./staging/db.js');
      const refreshUrl = () => this.refreshSecret('STAGING_DATABASE_URL');
      const db = new PostgresDb(s.STAGING_DATABASE_URL, { max: s.STAGING_POOL_MAX, refreshUrl, shared: true });
      this.owned.push(() => db.close());
      return db;
    })();
    this.reader.catch(() => (this.reader = undefined));
    return this.reader;
  }

  /** Batigest's settings, validated (its password may be a Key Vault secret): the agent checks them before it starts. */
  async batigestSettings() {
    return parseSection(batigestSchema, await this.resolved(['BATIGEST_SQL_PASSWORD']), 'Batigest', this.named);
  }

  readonly batigest = this.opened('batigest', async () => {
    const s = await this.batigestSettings();
    const refreshPassword = () => this.refreshSecret('BATIGEST_SQL_PASSWORD');
    const { SqlServerBatigest, sqlOptionsFromSettings } = await import('./batigest/sqlserver.js');
    const port = new SqlServerBatigest({ ...sqlOptionsFromSettings(s), refreshPassword });
    this.owned.push(() => port.close());
    return port;
  });

  readonly batisimply = this.opened('batisimply', async () => {
    const { createBatisimplyClient } = await import('./batisimply/client.js');
    const client = createBatisimplyClient(await this.batisimplySettings(), this.secrets);
    this.owned.push(() => client.close());
    return client;
  });

  /**
   * A service opened once and shared (the test override when one is given); an opening that
   * failed is tried again on the next call.
   */
  private opened<K extends keyof ServiceOverrides & keyof Opened>(key: K, open: () => Promise<Opened[K]>): () => Promise<Opened[K]> {
    return () => {
      const override = this.overrides[key] as Opened[K] | undefined;
      if (override) return Promise.resolve(override);
      let pending = this.pending.get(key) as Promise<Opened[K]> | undefined;
      if (!pending) {
        pending = open();
        this.pending.set(key, pending);
        pending.catch(() => this.pending.delete(key));
      }
      return pending;
    };
  }

  async close() {
    for (const close of this.owned.splice(0).reverse()) await close().catch(() => {});
    this.pending.clear();
    this.reader = undefined;
  }
}
