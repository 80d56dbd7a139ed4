/**
 * The job locks of one process: PostgreSQL advisory locks, all held by one dedicated session
 * that never serves a query. A run holds its lock for its whole length; taken from the query
 * pool, three chain runs would keep most of it idle and every query would wait (issue 22.4).
 *
 * One session holds many locks, and PostgreSQL grants a session a lock it already holds: the
 * keys held here are kept in a set, so that a second run of the same job in this process is
 * refused as one in another process is.
 *
 * When the session is lost (a restart, a failover, `pg_terminate_backend`), every lock it held is
 * gone with it: each holder's `lost` signal aborts with the reason, and the next lock opens a new
 * session. The session always has an 'error' listener, so losing it never ends the process.
 */
import pg from 'pg';
import { UpstreamError } from '../errors.js';

export interface HeldLock {
  release(): Promise<void>;
  /**
   * Aborted, with the reason, when the lock is lost with the session that held it (a PostgreSQL
   * restart or failover): a run that goes on without it could overlap another one.
   */
  readonly lost?: AbortSignal;
}

/** The name the lock session shows in pg_stat_activity: an operator (or a test) can tell it from the pool's. */
export const LOCK_SESSION_NAME = 'connecteur-sages-verrous';

interface Holder {
  controller: AbortController;
}

export class LockSession {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly held = new Map<string, Holder>();
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: () => pg.ClientConfig,
    /** Turns a driver error into the staging error the caller sees. */
    private readonly toError: (error: unknown) => Error,
  ) {}

  /** Whether the session is open: counted with the pool's connections. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /** The lock `key`, or null when another session, or another run of this process, holds it. */
  async tryLock(key: string): Promise<HeldLock | null> {
    if (this.held.has(key)) return null;
    const holder: Holder = { controller: new AbortController() };
    // Reserved before the round trip: a second caller in this process sees it held at once.
    this.held.set(key, holder);
    let granted: boolean;
    try {
      granted = await this.serial(async () => {
        const client = await this.session();
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key]);
        return rows[0]?.ok === true;
      });
    } catch (error) {
      if (this.held.get(key) === holder) this.held.delete(key);
      throw this.toError(error);
    }
    if (!granted) {
      if (this.held.get(key) === holder) this.held.delete(key);
      return null;
    }
    let released = false;
    return {
      lost: holder.controller.signal,
      release: async () => {
        if (released) return;
        released = true;
        // Lost with its session: nothing is held any more, and the key may be another run's now.
        if (this.held.get(key) !== holder) return;
        this.held.delete(key);
        await this.serial(async () => {
          const client = this.client;
          if (!client) return;
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => this.lose(client, null));
        });
      },
    };
  }

  /** One statement at a time on the session: pg queues them itself, but that is deprecated (pg 9 refuses it). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  private session(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client(this.config());
    // Without a listener, a terminated session ends node with "Unhandled 'error' event".
    client.on('error', (error) => this.lose(client, error));
    client.on('end', () => this.lose(client, null));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error('lock session closed');
    }
    this.client = client;
    return client;
  }

  /** The session is gone: so are its locks. Each holder is told, by name, and the next lock opens a new session. */
  private lose(client: pg.Client, error: Error | null) {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => {});
    const cause = error ?? undefined;
    for (const [key, holder] of this.held) {
      holder.controller.abort(
        new UpstreamError(
          'staging',
          `Verrou « ${key} » perdu : la connexion de staging qui le tenait a été coupée` +
            `${error ? ` (${error.message})` : ''}. L’exécution s’arrête pour ne pas en chevaucher une autre.`,
          { code: 'STAGING_VERROU_PERDU', cause },
        ),
      );
    }
    this.held.clear();
  }

  /** Ends the session: the server releases every lock it held. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    this.held.clear();
    await client?.end().catch(() => {});
  }
}
