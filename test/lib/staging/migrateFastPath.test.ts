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
  assert.equal(latestMigration(), 7);
});

test('up to date: answered without waiting for the migration lock another instance holds', async () => {
  const t = await freshDatabase();
  dbs.push(t);
  const other = new PostgresDb(t.url, { max: 2 });
  extra.push(other);
  const held = await other.tryLock('connecteur:migrate');
  assert.ok(held);
  try {
    assert.deepEqual(await migrate(t.db), { from: 7, to: 7, applied: [] });
  } finally {
    await held.release();
  }
});

test('a database one migration behind gets it', async () => {
  const t = await freshDatabase();
  dbs.push(t);
  await t.db.exec(`
    DROP INDEX connecteur_runs_queued; DROP INDEX connecteur_runs_started;
    ALTER TABLE connecteur_runs DROP COLUMN queued_at, DROP COLUMN error_kind, DROP COLUMN attempts;
    DELETE FROM connecteur_schema_version WHERE version = 7;
  `);
  const result = await migrate(t.db);
  assert.deepEqual(result, { from: 6, to: 7, applied: ['007.do.queued-runs.sql'] });
  const { rows } = await t.db.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'connecteur_runs' AND column_name IN ('queued_at', 'error_kind', 'attempts') ORDER BY column_name",
  );
  assert.deepEqual(
    rows.map((r) => r.column_name),
    ['attempts', 'error_kind', 'queued_at'],
  );
});

test("a company's schema is migrated even when public's is up to date", async () => {
  const t = await freshDatabase();
  dbs.push(t);
  const company = new PostgresDb(t.url, { max: 2, schema: 'acme' });
  extra.push(company);
  const result = await migrate(company);
  assert.equal(result.from, 0);
  assert.equal(result.applied.length, 7);
  assert.deepEqual(await migrate(company), { from: 7, to: 7, applied: [] });
  const { rows } = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'acme' AND table_name = 'connecteur_runs'",
  );
  assert.equal(rows[0]?.n, 1);
});
