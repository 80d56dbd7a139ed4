/**
 * The agent does not give up and does not run what it must not: SQL Server or the staging
 * unreachable (it retries, never exits), an occurrence missed while it was stopped (run once, not
 * once per missed period), a staging schema newer than it knows (it runs nothing and says so).
 * The real CLI (bin/connecteur.js) in processes of its own; every wait is for a line or a row.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import type { Env } from '../../src/lib/config.js';
import { latestMigration } from '../../src/lib/staging/migrate.js';
import { BIN } from '../support/cli.js';
import { until } from '../support/wait.js';
import { useWorld } from '../support/fixture.js';

const world = useWorld({ sandbox: false });

const UNREACHABLE_SQL: Env = {
  BATIGEST_SQL_SERVER: '127.0.0.1',
  BATIGEST_SQL_PORT: '1',
  BATIGEST_SQL_DATABASE: 'BATIGEST',
  BATIGEST_SQL_USER: 'connecteur',
  BATIGEST_SQL_PASSWORD: 'pas-un-vrai-mot-de-passe',
};

function agent(env: Env) {
  const child = spawn(process.execPath, [BIN, 'agent'], {
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output: () => output, exited };
}

const count = async (sql: string) => Number((await world.db.query<{ n: number }>(sql)).rows[0]!.n);

test('SQL Server unreachable: the agent retries with backoff and keeps running; a stop ends it with 0', async () => {
  const a = agent({
    ...UNREACHABLE_SQL,
    STAGING_DATABASE_URL: world.t.url,
    CHANTIERS_SCHEDULE: '0 0 3 * * *',
    HEURES_SCHEDULE: '0 30 3 * * *',
  });
  // Nothing ran yet: the last occurrence was missed, it runs at once (and fails: SQL Server is not there).
  await until(async () => /Nouvel essai de transfer dans \d+ s/.test(a.output()), 'a retry announced');
  await until(
    async () => (await count(`SELECT count(*)::int AS n FROM connecteur_runs WHERE job = 'transfer' AND status = 'failed'`)) >= 2,
    'a second attempt',
  );
  assert.equal(a.child.exitCode, null, 'still running');
  assert.doesNotMatch(a.output(), /pas-un-vrai-mot-de-passe/);
  const beat = await world.db.query<{ last_error: string }>('SELECT last_error FROM connecteur_agent_heartbeats');
  assert.match(beat.rows[0]!.last_error, /SQL Server injoignable/);
  a.child.kill('SIGTERM');
  assert.equal(await a.exited, 0);
});

test('staging unreachable at start: the agent waits for it instead of exiting', async () => {
  const a = agent({
    ...UNREACHABLE_SQL,
    STAGING_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/absente',
    CHANTIERS_SCHEDULE: '*/2 * * * * *',
    HEURES_SCHEDULE: '*/2 * * * * *',
  });
  await until(async () => /Staging injoignable au démarrage/.test(a.output()), 'the start saying the staging is unreachable');
  // Each occurrence (every 2 s, sooner than the backoff) tries again; none ends the process.
  await until(
    async () => (a.output().match(/transfer non exécuté : Base de staging PostgreSQL injoignable/g) ?? []).length >= 2,
    'attempts',
  );
  assert.equal(a.child.exitCode, null, 'still running');
  a.child.kill('SIGTERM');
  assert.equal(await a.exited, 0);
});

test('an occurrence missed while stopped runs once at start, not once per missed period', async () => {
  // Last run two days ago: two daily occurrences were missed.
  await world.db.query(
    `INSERT INTO connecteur_runs (run_id, job, trigger, status, started_at, finished_at) VALUES
     (gen_random_uuid(), 'heures-to-sqlserver', 'agent', 'succeeded', now() - interval '2 days', now() - interval '2 days')`,
  );
  const a = agent({
    ...UNREACHABLE_SQL,
    STAGING_DATABASE_URL: world.t.url,
    CHANTIERS_SCHEDULE: '0 0 3 * * *',
    HEURES_SCHEDULE: '0 30 3 * * *',
  });
  await until(async () => /Échéance manquée de heures-to-sqlserver/.test(a.output()), 'the catch-up announced');
  await until(
    async () =>
      (await count(
        `SELECT count(*)::int AS n FROM connecteur_runs WHERE job = 'heures-to-sqlserver' AND started_at > now() - interval '1 hour'`,
      )) >= 1,
    'the catch-up run',
  );
  a.child.kill('SIGTERM');
  assert.equal(await a.exited, 0);
  assert.equal((a.output().match(/Échéance manquée de heures-to-sqlserver/g) ?? []).length, 1);
});

test('a staging schema newer than the agent knows: it runs nothing, says which versions, and the heartbeat carries them', async () => {
  const newer = latestMigration() + 1;
  await world.db.query(`INSERT INTO connecteur_schema_version (version, name, md5, run_at) VALUES ($1, 'newer', 'x', now())`, [newer]);
  try {
    const a = agent({
      ...UNREACHABLE_SQL,
      STAGING_DATABASE_URL: world.t.url,
      CHANTIERS_SCHEDULE: '*/2 * * * * *',
      HEURES_SCHEDULE: '*/2 * * * * *',
    });
    const expected = `Schéma de staging en version ${newer}, cet agent connaît la version ${latestMigration()} : il n'exécute rien`;
    await until(async () => a.output().includes(expected), 'the versions named in the log');
    const beat = await until(async () => {
      const { rows } = await world.db.query<{ schema_known: number; schema_found: number; last_error: string | null }>(
        'SELECT schema_known, schema_found, last_error FROM connecteur_agent_heartbeats',
      );
      return rows[0]?.last_error ? rows[0] : null;
    }, 'the heartbeat with the versions');
    assert.deepEqual([beat.schema_known, beat.schema_found], [latestMigration(), newer]);
    assert.match(beat.last_error!, /Mettez l'agent à jour/);
    assert.equal(await count('SELECT count(*)::int AS n FROM connecteur_runs'), 0, 'nothing ran');
    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0);
  } finally {
    await world.db.query('DELETE FROM connecteur_schema_version WHERE version = $1', [newer]);
  }
});
