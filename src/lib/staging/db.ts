/**
 * The staging database: PostgreSQL through `pg`, or embedded PostgreSQL (PGlite) for local runs
 * when no STAGING_DATABASE_URL is set. Both sit behind `StagingDb`, so the stores above never
 * know which one they talk to.
 */
import pg from 'pg';
import { ConfigurationError, UpstreamError, type ConnectorError } from '../errors.js';
import { RETRYABLE_SQLSTATES } from '../retry.js';
import type { FolderLock } from './embeddedLock.js';

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface HeldLock {
  release(): Promise<void>;
}

export interface StagingDb extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** A company's schema (its search_path); unset: the server's default (`public`). */
  readonly schema?: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  /**
   * An exclusive lock named `key`, across processes and instances, or null when another holder
   * has it. Held by a dedicated session, so a crashed process never leaves it held.
   */
  tryLock(key: string): Promise<HeldLock | null>;
  close(): Promise<void>;
}

// Wall-clock timestamps and dates stay strings: a JS Date would bring the machine's time zone in.
const RAW_TYPES = new Set([1082, 1114]);
const NUMERIC = 1700;
const INT8 = 20;

const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (RAW_TYPES.has(oid)) return (v: string) => v;
    if (oid === NUMERIC || oid === INT8) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

/** Where a staging URL points, for messages: host, port, database and user, never the password. */
interface Target {
  host: string;
  port: string;
  database: string;
  user: string;
}

function targetOf(connectionString: string): Target {
  try {
    const u = new URL(connectionString);
    return {
      host: u.hostname || 'localhost',
      port: u.port || '5432',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
      user: decodeURIComponent(u.username) || 'postgres',
    };
  } catch {
    return { host: '?', port: '?', database: '?', user: '?' };
  }
}

function stagingError(error: unknown, t: Target): ConnectorError {
  const code = (error as { code?: string }).code;
  const where = `${t.host}:${t.port}`;
  const hostname = (error as { hostname?: string }).hostname ?? t.host;
  // The server's private name resolves only through Azure DNS: a VNet with its own DNS servers
  // that do not forward to it cannot find the server.
  if ((code === 'ENOTFOUND' || code === 'EAI_AGAIN') && /\.postgres\.database\.azure\.com$/i.test(hostname)) {
    return new UpstreamError(
      'staging',
      `Nom du serveur de staging introuvable (${hostname}) : si le VNet utilise ses propres serveurs DNS (dnsServers), ils doivent transférer vers le DNS Azure (168.63.129.16).`,
      { code: 'STAGING_UNREACHABLE', cause: error },
    );
  }
  if (code === '3D000') {
    return new ConfigurationError(
      `La base « ${t.database} » n'existe pas sur le serveur PostgreSQL ${where} (STAGING_DATABASE_URL). ` +
        `Créez-la (createdb -h ${t.host} -p ${t.port} -U ${t.user} ${t.database}), puis lancez « connecteur migrate ».`,
      { code: 'STAGING_DATABASE_MISSING', cause: error },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new UpstreamError(
      'staging',
      `Le serveur PostgreSQL ${where} refuse l'utilisateur « ${t.user} » sur la base « ${t.database} » (STAGING_DATABASE_URL, ${code}) : ` +
        `utilisateur inconnu, mot de passe refusé ou accès non autorisé par pg_hba.conf.`,
      { code: 'STAGING_LOGIN_FAILED', retryable: false, cause: error },
    );
  }
  if (code && (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code) || RETRYABLE_SQLSTATES.has(code))) {
    return new UpstreamError(
      'staging',
      `Base de staging PostgreSQL injoignable sur ${where}, base « ${t.database} » (STAGING_DATABASE_URL, ${code}). ` +
        `Vérifiez que le serveur tourne et accepte les connexions à cette adresse.`,
      { code: 'STAGING_UNREACHABLE', cause: error },
    );
  }
  const message = (error as Error).message;
  if (/does not support SSL|SSL/i.test(message ?? '') && !code) {
    return new ConfigurationError(
      `Le serveur PostgreSQL ${where} n'accepte pas la connexion TLS demandée (STAGING_DATABASE_URL, sslmode) : ${message}`,
      { code: 'STAGING_TLS', cause: error },
    );
  }
  return new UpstreamError('staging', `Erreur de la base de staging (${where}/${t.database}) : ${message}`, {
    code: 'STAGING_ERROR',
    retryable: false,
    cause: error,
  });
}

/** PostgreSQL refused the credentials (invalid_password, invalid_authorization_specification). */
const AUTH_REFUSED = new Set(['28P01', '28000']);

export interface PostgresOptions {
  max?: number;
  /** A company's schema (`search_path`); unset: `public`, the single company `default`. */
  schema?: string;
  /**
   * Reads the connection URL again (from Key Vault) after PostgreSQL refused the credentials,
   * so that a rotated password is picked up without a restart.
   */
  refreshUrl?: () => Promise<string | undefined>;
}

export class PostgresDb implements StagingDb {
  readonly kind = 'postgres' as const;
  pool: pg.Pool;
  /** A company's schema: its pool sees only its tables and run history, and its locks are named after it. */
  readonly schema?: string;
  private readonly target: Target;
  private renewal: Promise<void> | undefined;

  constructor(
    private connectionString: string,
    private readonly options: PostgresOptions = {},
  ) {
    this.schema = options.schema;
    this.target = targetOf(connectionString);
    this.pool = this.openPool(connectionString);
  }

  private openPool(connectionString: string): pg.Pool {
    const pool = new pg.Pool({
      connectionString,
      ...(this.options.schema ? { options: `-c search_path=${this.options.schema}` } : {}),
      max: this.options.max ?? 10,
      types: pgTypes,
      connectionTimeoutMillis: 15_000,
      idleTimeoutMillis: 30_000,
      application_name: 'connecteur-sages',
    });
    // An idle client that loses its server must not crash the process.
    pool.on('error', () => {});
    return pool;
  }

  /** Runs `use` on the pool; after refused credentials, once more on a pool opened with the re-read URL. */
  private async withPool<T>(use: (pool: pg.Pool) => Promise<T>): Promise<T> {
    const pool = this.pool;
    try {
      return await use(pool);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!this.options.refreshUrl || !code || !AUTH_REFUSED.has(code)) throw error;
      if (this.pool === pool) {
        this.renewal ??= this.renewPool().finally(() => (this.renewal = undefined));
        await this.renewal;
      }
      if (this.pool === pool) throw error;
      return use(this.pool);
    }
  }

  private async renewPool() {
    const url = await this.options.refreshUrl!();
    if (!url || url === this.connectionString) return;
    const old = this.pool;
    this.connectionString = url;
    this.pool = this.openPool(url);
    await old.end().catch(() => {});
  }

  async query<R>(text: string, params?: unknown[]) {
    try {
      const result = await this.withPool((pool) => pool.query(text, params as unknown[]));
      return { rows: result.rows as R[] };
    } catch (error) {
      throw stagingError(error, this.target);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.withPool((pool) => pool.connect());
    } catch (error) {
      throw stagingError(error, this.target);
    }
    const tx: Queryable = {
      async query<R>(text: string, params?: unknown[]) {
        const result = await client.query(text, params as unknown[]);
        return { rows: result.rows as R[] };
      },
    };
    try {
      await client.query('BEGIN');
      const value = await fn(tx);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async exec(script: string) {
    await this.query(script);
  }

  /**
   * Opens up to `count` connections at once and leaves them idle in the pool: a run needs two (its
   * lock holds one), and opened one after the other the second waits for the first.
   */
  async warm(count: number): Promise<void> {
    const missing = Math.min(count, this.options.max ?? 10) - this.pool.totalCount;
    if (missing <= 0) return;
    const opened = await Promise.allSettled(Array.from({ length: missing }, () => this.withPool((pool) => pool.connect())));
    for (const o of opened) if (o.status === 'fulfilled') o.value.release();
    const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (refused) throw stagingError(refused.reason, this.target);
  }

  async tryLock(name: string): Promise<HeldLock | null> {
    const key = this.schema ? `${this.schema}:${name}` : name;
    let client: pg.PoolClient;
    try {
      client = await this.withPool((pool) => pool.connect());
    } catch (error) {
      throw stagingError(error, this.target);
    }
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key]);
      if (!rows[0]?.ok) {
        client.release();
        return null;
      }
    } catch (error) {
      client.release(true);
      throw stagingError(error, this.target);
    }
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        try {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
          client.release();
        } catch {
          // Dropping the session releases the lock too.
          client.release(true);
        }
      },
    };
  }

  async close() {
    await this.pool.end();
  }
}

/**
 * Embedded PostgreSQL for local runs. PGlite has one writer: a process holds the data folder
 * (a lock file, see embeddedLock.ts) for as long as it has it open, so job locks are in-process.
 */
export class EmbeddedDb implements StagingDb {
  readonly kind = 'embedded' as const;
  private readonly held = new Set<string>();

  private constructor(
    /** The PGlite instance: the template archive is dumped from it (embedded.ts). */
    readonly db: import('@electric-sql/pglite').PGlite,
    private readonly folderLock: FolderLock | null,
  ) {}

  /**
   * `showTime`: how a time is written in the message naming the process that holds the folder.
   * `onCreate`: said when the folder holds no database yet, before the seconds it takes to make one.
   */
  static async open(
    dataDir: string | undefined,
    options: { waitMs?: number; showTime?: (iso: string) => string; onCreate?: () => void; template?: string | null } = {},
  ): Promise<EmbeddedDb> {
    // The lock-file library and PGlite load with the embedded database only.
    const folderLock = dataDir ? await (await import('./embeddedLock.js')).lockDataFolder(dataDir, options.waitMs, options.showTime) : null;
    try {
      const { openPglite } = await import('./embedded.js');
      return new EmbeddedDb(await openPglite(dataDir, options), folderLock);
    } catch (error) {
      await folderLock?.release();
      throw error;
    }
  }

  async query<R>(text: string, params?: unknown[]) {
    const result = await this.db.query<R>(text, params);
    return { rows: result.rows };
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({
        async query<R>(text: string, params?: unknown[]) {
          const result = await tx.query<R>(text, params);
          return { rows: result.rows };
        },
      }),
    );
  }

  async exec(script: string) {
    await this.db.exec(script);
  }

  async tryLock(key: string): Promise<HeldLock | null> {
    if (this.held.has(key)) return null;
    this.held.add(key);
    return { release: async () => void this.held.delete(key) };
  }

  async close() {
    try {
      await this.db.close();
    } finally {
      await this.folderLock?.release();
    }
  }
}
