/**
 * The job locks on their own session (issue 22.1 and 22.4): they take no connection of the query
 * pool, and the session terminated by the server (what a restart or a failover does) neither ends
 * the process nor leaves a holder believing it still holds its lock.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { LOCK_SESSION_NAME } from '../../../src/lib/staging/lockSession.js';
import { ADMIN_URL, freshDatabase, type TestDatabase } from '../../support/pg.js';
import { until } from '../../support/wait.js';

let t: TestDatabase;
let admin: pg.Client;
const opened: PostgresDb[] = [];
before(async () => {
  t = await freshDatabase({ migrate: false });
  admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
});
after(async () => {
  for (const db of opened) await db.close();
  await admin.end();
  await t.drop();
});

const database = () => new URL(t.url).pathname.slice(1);

/** The server's sessions of the test database named `app`. */
async function sessions(app: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [
    database(),
    app,
  ]);
  return rows.map((r) => r.pid);
}

test('six job locks held at once: one lock session, no pool connection, and three queries still run on a pool of three', async () => {
  const db = new PostgresDb(t.url, { max: 3 });
  opened.push(db);
  const locks = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((job) => db.tryLock(`connecteur:job:${job}`)));
  assert.ok(locks.every((l) => l !== null));
  assert.equal(db.pool.totalCount, 0);
  assert.equal((await sessions(LOCK_SESSION_NAME)).length, 1);
  const answers = await Promise.all([1, 2, 3].map((n) => db.query<{ n: number }>('SELECT $1::int AS n', [n])));
  assert.deepEqual(
    answers.map((a) => a.rows[0]!.n),
    [1, 2, 3],
  );
  for (const l of locks) await l!.release();
});

test('a second run of the same job in this process is refused, as one in another process is', async () => {
  const db = new PostgresDb(t.url, { max: 1 });
  opened.push(db);
  const [first, second] = await Promise.all([db.tryLock('connecteur:job:x'), db.tryLock('connecteur:job:x')]);
  assert.equal([first, second].filter((l) => l !== null).length, 1);
  await (first ?? second)!.release();
  const again = await db.tryLock('connecteur:job:x');
  assert.ok(again);
  await again.release();
});

test('pg_terminate_backend on the lock session: the process goes on, each holder is told which lock it lost, a new lock opens a new session', async () => {
  const db = new PostgresDb(t.url, { max: 1 });
  opened.push(db);
  const held = await db.tryLock('connecteur:job:transfer');
  assert.ok(held?.lost);
  // Every lock session of the test database: the earlier cases' handles keep theirs open.
  const pids = await sessions(LOCK_SESSION_NAME);
  assert.ok(pids.length > 0);
  await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
  await until(async () => held.lost!.aborted, 'the holder to be told its lock is lost');
  const reason = held.lost!.reason as Error & { code?: string };
  assert.equal(reason.code, 'STAGING_VERROU_PERDU');
  assert.match(reason.message, /^Verrou « connecteur:job:transfer » perdu : la connexion de staging qui le tenait a été coupée/);
  // The server released it with the session: another process could take it, and so can this one.
  const again = await db.tryLock('connecteur:job:transfer');
  assert.ok(again, 'the lock is free again, on a new session');
  assert.ok((await sessions(LOCK_SESSION_NAME)).every((p) => !pids.includes(p)));
  await held.release();
  // The old holder's release does not free the new holder's lock.
  const other = new PostgresDb(t.url, { max: 1 });
  opened.push(other);
  assert.equal(await other.tryLock('connecteur:job:transfer'), null);
  await again.release();
});
