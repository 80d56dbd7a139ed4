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
  assert.equal(latestMigration(), 8);
});

test('up to date: answered without waiting for the migration lock another instance holds', async () => {
  const t = await freshDatabase();
  dbs.push(t);
  const other = new PostgresDb(t.url, { max: 2 });
  extra.push(other);
  const held = await other.tryLock('connecteur:migrate');
  assert.ok(held);
  try {
    assert.deepEqual(await migrate(t.db), { from: 8, to: 8, applied: [] });
  } finally {
    await held.release();
  }
});

test('a database one migration behind gets it', async () => {
  const t = await freshDatabase();
  dbs.push(t);
  await t.db.exec(`
    DROP TABLE connecteur_agent_heartbeats; DROP TABLE connecteur_alerts;
    DELETE FROM connecteur_schema_version WHERE version = 8;
  `);
  const result = await migrate(t.db);
  assert.deepEqual(result, { from: 7, to: 8, applied: ['008.do.agent.sql'] });
  const { rows } = await t.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_name IN ('connecteur_agent_heartbeats', 'connecteur_alerts') ORDER BY table_name",
  );
  assert.deepEqual(
    rows.map((r) => r.table_name),
    ['connecteur_agent_heartbeats', 'connecteur_alerts'],
  );
});

test("a company's schema is migrated even when public's is up to date", async () => {
  const t = await freshDatabase();
  dbs.push(t);
  const company = new PostgresDb(t.url, { max: 2, schema: 'acme' });
  extra.push(company);
  const result = await migrate(company);
  assert.equal(result.from, 0);
  assert.equal(result.applied.length, 8);
  assert.deepEqual(await migrate(company), { from: 8, to: 8, applied: [] });
  const { rows } = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'acme' AND table_name = 'connecteur_runs'",
  );
  assert.equal(rows[0]?.n, 1);
});
