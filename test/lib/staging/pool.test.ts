/**
 * One staging pool per process, whatever the number of companies (issue 26): the connections stay
 * within STAGING_POOL_MAX plus the lock session, and a connection that served one company never
 * answers another's query with the first one's tables.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { CompanyDirectory } from '../../../src/lib/companyServices.js';
import type { Env } from '../../../src/lib/config.js';
import { LOCK_SESSION_NAME } from '../../../src/lib/staging/lockSession.js';
import { poolsOpened } from '../../../src/lib/staging/pool.js';
import { ADMIN_URL, freshDatabase, type TestDatabase } from '../../support/pg.js';

const NAMES = ['acme', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const POOL_MAX = 3;

let t: TestDatabase;
let admin: pg.Client;
let directory: CompanyDirectory;

before(async () => {
  t = await freshDatabase({ migrate: false });
  admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const env: Env = { COMPANIES: NAMES.join(','), STAGING_DATABASE_URL: t.url, STAGING_POOL_MAX: String(POOL_MAX) };
  directory = new CompanyDirectory(env);
  // Each company's schema, migrated one after the other (the migration is not what is measured here).
  for (const { services } of directory.select()) await services.staging();
});
after(async () => {
  await directory.close();
  await admin.end();
  await t.drop();
});

/** The connector's sessions on the test database: the pool's and the lock session. */
async function connections(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name IN ('connecteur-sages', $2)`,
    [new URL(t.url).pathname.slice(1), LOCK_SESSION_NAME],
  );
  return rows[0]!.n;
}

test(`${NAMES.length} companies, each with a run's lock and five queries at once: never more than STAGING_POOL_MAX + 1 connections`, async () => {
  const pools = poolsOpened();
  const locks = await Promise.all(
    directory.select().map(async ({ services }) => (await services.staging()).tryLock('connecteur:job:transfer')),
  );
  assert.ok(
    locks.every((l) => l !== null),
    'every company takes its own lock',
  );
  let peak = 0;
  let running = true;
  const watch = (async () => {
    while (running) peak = Math.max(peak, await connections());
  })();
  await Promise.all(
    directory
      .select()
      .flatMap(({ services }) => Array.from({ length: 5 }, async () => (await services.staging()).query('SELECT pg_sleep(0.02)'))),
  );
  running = false;
  await watch;
  for (const l of locks) await l!.release();
  assert.ok(peak <= POOL_MAX + 1, `peak ${peak} > ${POOL_MAX + 1}`);
  assert.equal(peak, POOL_MAX + 1, 'the pool was used to its bound, beside the one lock session');
  assert.equal(poolsOpened(), pools, 'no company opened a pool of its own');
});

test('two companies, one table name: each sees its own rows only, on connections the other used just before', async () => {
  const acme = await directory.get('acme').staging();
  const beta = await directory.get('beta').staging();
  await acme.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('ACME-1', 'Chantier acme', false)`);
  await beta.transaction((tx) =>
    tx.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('BETA-1', 'Chantier beta', false), ('BETA-2', 'x', false)`),
  );
  // Interleaved on a pool of three: most of these queries take a connection the other company just gave back.
  const reads = await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      const [name, db] = i % 2 === 0 ? ['acme', acme] : ['beta', beta];
      const read = (q: typeof acme) =>
        q.query<{ schema: string; codes: string[] }>(
          'SELECT current_schema() AS schema, coalesce(array_agg(code ORDER BY code), ARRAY[]::text[]) AS codes FROM batigest_chantiers',
        );
      const { rows } = i % 4 < 2 ? await read(db) : await db.transaction((tx) => read(tx as typeof acme));
      return { name, ...rows[0]! };
    }),
  );
  for (const r of reads) {
    assert.equal(r.schema, `company_${r.name}`);
    assert.deepEqual(r.codes, r.name === 'acme' ? ['ACME-1'] : ['BETA-1', 'BETA-2']);
  }
  // The other companies' tables stayed empty: 0 rows across companies.
  for (const name of NAMES.slice(2)) {
    const { rows } = await (await directory.get(name).staging()).query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_chantiers');
    assert.deepEqual(rows, [{ n: 0 }], name);
  }
});
