/**
 * The agent's PostgreSQL role, for real: created by the cloud side's staging open in agent mode,
 * then used to connect and run the agent's steps; what it must not do is refused by the server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Services } from '../../../src/lib/services.js';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { writeHeartbeat } from '../../../src/lib/staging/agent.js';
import { AGENT_GRANTS, AGENT_ROLE } from '../../../src/lib/staging/agentRole.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { chantier } from '../../support/chantiers.js';
import { USER_DUPONT } from '../../support/slots.js';
import { useWorld } from '../../support/fixture.js';

// Not migrated: the cloud side's first open migrates it and makes the agent's role.
const world = useWorld({ sandbox: false, migrate: false, resetEach: false });
let agentDb: PostgresDb;
const PASSWORD = 'mot-de-passe-agent-1';

world.setup(async () => {
  const cloud = new Services({ STAGING_DATABASE_URL: world.t.url, BATIGEST_ACCESS: 'agent', AGENT_STAGING_PASSWORD: PASSWORD });
  await cloud.staging();
  await cloud.close();
  const url = new URL(world.t.url);
  url.username = AGENT_ROLE;
  url.password = PASSWORD;
  agentDb = new PostgresDb(url.toString(), { max: 3 });
});

world.teardown(() => agentDb.close());

test('the role logs in and owns nothing', async () => {
  const { rows } = await agentDb.query<{ user: string; owned: number }>(
    `SELECT current_user AS user, (SELECT count(*)::int FROM pg_tables WHERE tableowner = current_user) AS owned`,
  );
  assert.deepEqual(rows[0], { user: AGENT_ROLE, owned: 0 });
});

test("as the agent's role, transfer and heures-to-sqlserver run, with their history, locks and heartbeat", async () => {
  const batigest = new MemoryBatigest();
  batigest.chantiers = [chantier('CH001'), chantier('CH002')];
  batigest.salaries = [{ code: 'S001', nom: 'DUPONT', codeBs: USER_DUPONT }];
  await world.db.query(
    `INSERT INTO batigest_heures (id_heure, date_debut, date_fin, id_utilisateur, status_management, total_heure, code_projet, sync)
     VALUES ('1', '2026-03-02 08:00', '2026-03-02 10:00', $1, 'VALIDATED', 120, 'CH001', false)`,
    [USER_DUPONT],
  );
  const services = new Services({ STAGING_DATABASE_URL: 'postgresql://unused@127.0.0.1/unused' }, { staging: agentDb, batigest });
  for (const job of ['transfer', 'heures-to-sqlserver'] as const) {
    const { report, fatal } = await runJob(services, job, { trigger: 'agent' });
    assert.equal(fatal, undefined, fatal?.message);
    assert.equal(report.status, 'succeeded', JSON.stringify(report));
  }
  assert.equal(batigest.suiviMo.length, 1);
  await writeHeartbeat(
    agentDb,
    {
      agentId: 'srv:batigest',
      host: 'srv',
      version: '1',
      role: 'batigest',
      pid: 1,
      schemaKnown: 9,
      schemaFound: 9,
      schedules: {},
      shortestPeriodSeconds: 900,
    },
    true,
  );
  const { rows } = await agentDb.query<{ n: number }>('SELECT max(version)::int AS n FROM connecteur_schema_version');
  assert.equal(rows[0]?.n, 9);
});

test('the role cannot drop, alter or create a table, nor read what its steps do not need', async () => {
  const refused = async (sql: string) => {
    await assert.rejects(agentDb.query(sql), (e: Error & { cause?: { code?: string } }) => e.cause?.code === '42501', sql);
  };
  await refused('DROP TABLE batigest_heures');
  await refused('ALTER TABLE batigest_chantiers ADD COLUMN x int');
  await refused('CREATE TABLE intrus (x int)');
  await refused('TRUNCATE connecteur_runs');
  await refused('SELECT * FROM geocode_cache');
  await refused('SELECT * FROM connecteur_alerts');
  await refused('DELETE FROM batigest_chantiers');
  await refused('INSERT INTO connecteur_schema_version (version, name, md5, run_at) VALUES (99, $$x$$, $$x$$, now())');
  assert.ok(Object.keys(AGENT_GRANTS).every((table) => !['geocode_cache', 'connecteur_alerts'].includes(table)));
});

test('a second open changes nothing but the password, and the grants stay', async () => {
  const cloud = new Services({ STAGING_DATABASE_URL: world.t.url, BATIGEST_ACCESS: 'agent', AGENT_STAGING_PASSWORD: PASSWORD });
  await cloud.staging();
  await cloud.close();
  const { rows } = await agentDb.query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_chantiers');
  assert.equal(rows[0]?.n, 2);
});
