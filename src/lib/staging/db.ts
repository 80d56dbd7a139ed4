/**
 * The staging database: PostgreSQL through `pg`, or embedded PostgreSQL (PGlite) for local runs
 * when no STAGING_DATABASE_URL is set. Both sit behind `StagingDb`, so the stores above never
 * know which one they talk to.
 */
import pg from 'pg';
import { ConfigurationError, ConnectorError, UpstreamError } from '../errors.js';
import { RETRYABLE_SQLSTATES } from '../retry.js';
import type { FolderLock } from './embeddedLock.js';
import type { HeldLock, LockSession } from './lockSession.js';
import { acquireSharedPool, checkout, forgetSearchPath, openLockSession, openPgPool, releaseSharedPool, type SharedPool } from './pool.js';

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export type { HeldLock } from './lockSession.js';

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

export function stagingError(error: unknown, t: Target): ConnectorError {
  if (error instanceof ConnectorError) return error;
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
  // pg's own words when the server closed the connection under a query (no SQLSTATE, no errno).
  if (!code && CONNECTION_LOST.test(message ?? '')) {
    return new UpstreamError(
      'staging',
      `Base de staging PostgreSQL injoignable sur ${where}, base « ${t.database} » (STAGING_DATABASE_URL) : ${message}. ` +
        `Vérifiez que le serveur tourne et accepte les connexions à cette adresse.`,
      { code: 'STAGING_UNREACHABLE', cause: error },
    );
  }
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

const CONNECTION_LOST = /Connection terminated|connection error and is not queryable|Client was closed and is not queryable/i;

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
  /**
   * true: the process's one pool (and lock session) for this URL, shared with every company
   * (pool.ts); false (default): a pool of its own, closed with this handle (tests, `check`).
   */
  shared?: boolean;
}

export class PostgresDb implements StagingDb {
  readonly kind = 'postgres' as const;
  pool: pg.Pool;
  /** The session holding this handle's job locks: never one of the pool's connections. */
  locks: LockSession;
  /** A company's schema: each checkout is set to it, so the handle sees only its tables and run history; its locks are named after it. */
  readonly schema?: string;
  private readonly target: Target;
  private renewal: Promise<void> | undefined;
  private sharedPool: SharedPool | undefined;

  constructor(
    private connectionString: string,
    private readonly options: PostgresOptions = {},
  ) {
    this.schema = options.schema;
    this.target = targetOf(connectionString);
    const opened = this.openPool(connectionString);
    this.pool = opened.pool;
    this.locks = opened.locks;
  }

  private openPool(connectionString: string): { pool: pg.Pool; locks: LockSession } {
    const toError = (error: unknown) => stagingError(error, this.target);
    if (this.options.shared) return (this.sharedPool = acquireSharedPool(connectionString, this.options.max ?? 10, toError));
    return { pool: openPgPool(connectionString, this.options.max ?? 10), locks: openLockSession(connectionString, toError) };
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
    const old = { pool: this.pool, locks: this.locks, shared: this.sharedPool };
    this.connectionString = url;
    const opened = this.openPool(url);
    this.pool = opened.pool;
    this.locks = opened.locks;
    await this.closePool(old);
  }

  private async closePool(old: { pool: pg.Pool; locks: LockSession; shared: SharedPool | undefined }) {
    // The shared pool stays open for the other companies still using it.
    if (old.shared) return releaseSharedPool(old.shared);
    await old.locks.close();
    await old.pool.end().catch(() => {});
  }

  /** A connection on this handle's schema, for one query or one transaction. */
  private connect(): Promise<pg.PoolClient> {
    return this.withPool((pool) => checkout(pool, this.schema));
  }

  async query<R>(text: string, params?: unknown[]) {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.connect();
      const result = await client.query(text, params as unknown[]);
      client.release();
      return { rows: result.rows as R[] };
    } catch (error) {
      // A connection that failed may be broken: it is not given to the next query.
      client?.release(true);
      throw stagingError(error, this.target);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.connect();
    } catch (error) {
      throw stagingError(error, this.target);
    }
    const tx: Queryable = {
      async query<R>(text: string, params?: unknown[]) {
        const result = await client.query(text, params as unknown[]);
        return { rows: result.rows as R[] };
      },
    };
    let broken = false;
    try {
      await client.query('BEGIN');
      const value = await fn(tx);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      // The function's own errors pass unchanged; the driver's become the staging error (502, not 500).
      throw isDriverError(error) ? stagingError(error, this.target) : error;
    } finally {
      client.release(broken || undefined);
    }
  }

  async exec(script: string) {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.connect();
      await client.query(script);
      forgetSearchPath(client);
      client.release();
    } catch (error) {
      client?.release(true);
      throw stagingError(error, this.target);
    }
  }

  /**
   * Opens up to `count` connections at once and leaves them idle in the pool (`connecteur serve`
   * and `check` open one up front to say at once when the server cannot be reached).
   */
  async warm(count: number): Promise<void> {
    const missing = Math.min(count, this.options.max ?? 10) - this.pool.totalCount;
    if (missing <= 0) return;
    const opened = await Promise.allSettled(Array.from({ length: missing }, () => this.withPool((pool) => pool.connect())));
    for (const o of opened) if (o.status === 'fulfilled') o.value.release();
    const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (refused) throw stagingError(refused.reason, this.target);
  }

  /** On the lock session (lockSession.ts), never on a query's connection. */
  tryLock(name: string): Promise<HeldLock | null> {
    return this.locks.tryLock(this.schema ? `${this.schema}:${name}` : name);
  }

  async close() {
    await this.closePool({ pool: this.pool, locks: this.locks, shared: this.sharedPool });
  }
}

/** An error of the driver or the network (it has a SQLSTATE or errno, or pg's words for a lost connection), not one of the caller's. */
function isDriverError(error: unknown): boolean {
  if (error instanceof ConnectorError || !(error instanceof Error)) return false;
  return error instanceof pg.DatabaseError || typeof (error as { code?: unknown }).code === 'string' || CONNECTION_LOST.test(error.message);
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
