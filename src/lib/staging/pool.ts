/**
 * The staging connections of one process: one pool per database URL, shared by every company,
 * whatever their number (issue 26), and one lock session beside it (lockSession.ts). A company's
 * schema is chosen per checkout: a connection whose search_path is another company's (or
 * `public`'s) has it set before it serves a query, so a query never reads another company's tables.
 */
import pg from 'pg';
import { LOCK_SESSION_NAME, LockSession } from './lockSession.js';

// Wall-clock timestamps and dates stay strings: a JS Date would bring the machine's time zone in.
const RAW_TYPES = new Set([1082, 1114]);
const NUMERIC = 1700;
const INT8 = 20;

export const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (RAW_TYPES.has(oid)) return (v: string) => v;
    if (oid === NUMERIC || oid === INT8) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

export const APPLICATION_NAME = 'connecteur-sages';

export function openPgPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    types: pgTypes,
    connectionTimeoutMillis: 15_000,
    idleTimeoutMillis: 30_000,
    application_name: APPLICATION_NAME,
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  opened.pools++;
  return pool;
}

export function openLockSession(connectionString: string, toError: (error: unknown) => Error): LockSession {
  return new LockSession(() => ({ connectionString, types: pgTypes, application_name: LOCK_SESSION_NAME }), toError);
}

/** Counted for the benchmark: a path that only enqueues or reads must open none. */
const opened = { pools: 0 };
export const poolsOpened = () => opened.pools;

/** The search_path each connection was last given ('' for the server's default): set again only when it differs. */
const searchPathOf = new WeakMap<object, string>();
const listened = new WeakSet<object>();

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A connection of `pool` on `schema` (unset: the server's default path). pg-pool drops its own
 * 'error' listener while a client is checked out: ours stays, so a connection terminated during a
 * query rejects that query instead of ending the process.
 */
export async function checkout(pool: pg.Pool, schema: string | undefined): Promise<pg.PoolClient> {
  const client = await pool.connect();
  if (typeof client.on === 'function' && !listened.has(client)) {
    client.on('error', () => {});
    listened.add(client);
  }
  const wanted = schema ?? '';
  if (searchPathOf.get(client) !== wanted) {
    try {
      await client.query(schema ? `SET search_path TO ${quoteIdent(schema)}` : 'SET search_path TO DEFAULT');
    } catch (error) {
      client.release(true);
      throw error;
    }
    searchPathOf.set(client, wanted);
  }
  return client;
}

/** A script may have set its own search_path (a migration): the connection's is set again at its next checkout. */
export function forgetSearchPath(client: object) {
  searchPathOf.delete(client);
}

/** The process's pool for one URL, with its lock session and how many staging handles use it. */
export interface SharedPool {
  readonly pool: pg.Pool;
  readonly locks: LockSession;
  users: number;
}

const shared = new Map<string, SharedPool>();

/**
 * The process's pool of `connectionString`, opened by its first user with `max` connections
 * (STAGING_POOL_MAX): every company of the process shares it.
 */
export function acquireSharedPool(connectionString: string, max: number, toError: (error: unknown) => Error): SharedPool {
  let entry = shared.get(connectionString);
  if (!entry || (entry.pool as pg.Pool & { ended?: boolean }).ended) {
    entry = { pool: openPgPool(connectionString, max), locks: openLockSession(connectionString, toError), users: 0 };
    shared.set(connectionString, entry);
  }
  entry.users++;
  return entry;
}

/** One user less; the last one closes the pool and its lock session. */
export async function releaseSharedPool(entry: SharedPool): Promise<void> {
  entry.users--;
  if (entry.users > 0) return;
  for (const [url, e] of shared) if (e === entry) shared.delete(url);
  await entry.locks.close();
  await entry.pool.end().catch(() => {});
}

/** Connections the process holds to the staging now, pools and lock sessions together (the benchmark's peak). */
export function stagingConnections(): number {
  let n = 0;
  for (const e of shared.values()) n += e.pool.totalCount + (e.locks.connected ? 1 : 0);
  return n;
}
