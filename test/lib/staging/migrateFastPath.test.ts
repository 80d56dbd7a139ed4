/**
 * Every staging open migrates: an up-to-date schema is answered by one look at the version table
 * (no lock, no Postgrator), and anything behind still goes through Postgrator under the lock.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { latestMigration, migrate } from '../../../src/lib/staging/migrate.js';
import { freshDatabase, type TestDatabase } from '../../support/pg.js';

const dbs: TestDatabase[] = [];
const extra: PostgresDb[] = [];
after(async () => {
  for (const d of extra) await d.close();
  for (const d of dbs) await d.drop();
});

test('the latest migration is the highest numbered file', () => {
  assert.equal(latestMigration(), 9);
});

test('up to date: answered without waiting for the migration lock another instance holds', async () => {
  const t = await freshDatabase();
  dbs.push(t);
  const other = new PostgresDb(t.url, { max: 2 });
  extra.push(other);
  const held = await other.tryLock('connecteur:migrate');
  assert.ok(held);
  try {
    assert.deepEqual(await migrate(t.db), { from: 9, to: 9, applied: [] });
  } finally {
    await held.release();
  }
});

test('a database one migration behind gets it', async () => {
  const t = await freshDatabase();
  dbs.push(t);
  await t.db.exec(`
    DROP INDEX connecteur_runs_one_active;
    DELETE FROM connecteur_schema_version WHERE version = 9;
  `);
  const result = await migrate(t.db);
  assert.deepEqual(result, { from: 8, to: 9, applied: ['009.do.one-active-run.sql'] });
  const { rows } = await t.db.query<{ indexname: string }>(
    "SELECT indexname FROM pg_indexes WHERE indexname = 'connecteur_runs_one_active'",
  );
  assert.deepEqual(
    rows.map((r) => r.indexname),
    ['connecteur_runs_one_active'],
  );
});

test("a company's schema is migrated even when public's is up to date", async () => {
  const t = await freshDatabase();
  dbs.push(t);
  const company = new PostgresDb(t.url, { max: 2, schema: 'acme' });
  extra.push(company);
  const result = await migrate(company);
  assert.equal(result.from, 0);
  assert.equal(result.applied.length, 9);
  assert.deepEqual(await migrate(company), { from: 9, to: 9, applied: [] });
  const { rows } = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'acme' AND table_name = 'connecteur_runs'",
  );
  assert.equal(rows[0]?.n, 1);
});
