import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connecteur } from '../support/cli.js';
import type { RunReport } from '../../src/lib/domain/runs.js';
import { useWorld } from '../support/fixture.js';

// Not migrated: the CLI's first command migrates it; later tests read the runs earlier ones made.
const world = useWorld({ migrate: false, stagingInEnv: true, resetEach: false });

test('migrate needs only the staging database', async () => {
  const r = await connecteur(['migrate'], { STAGING_DATABASE_URL: world.t.url });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /passé de la version 0 à 9 \(appliqué : 001\.do\.chantiers\.sql, /);
  const again = await connecteur(['migrate'], { STAGING_DATABASE_URL: world.t.url });
  assert.match(again.stdout, /déjà à jour/);
});

test('run with nothing failed: exit 0 and the JSON report', async () => {
  const r = await connecteur(['run', 'transfer-batisimply', '--json'], world.env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as RunReport).status, 'succeeded');
});

test('run with a failed record: exit 1', async () => {
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('TROPLONG9', 'x', false)`);
  const r = await connecteur(['run', 'transfer-batisimply'], world.env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /trop long/);
  await world.db.query(`DELETE FROM batigest_chantiers`);
});

test('an unknown job: exit 2 with the list of jobs', async () => {
  const r = await connecteur(['run', 'tout'], world.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /job inconnu « tout »/);
});

test('a missing setting: exit 2 naming it', async () => {
  const r = await connecteur(['run', 'transfer'], world.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /BATIGEST_SQL_SERVER manquant/);
});

test('an unreachable outside system: exit 3', async () => {
  const r = await connecteur(['run', 'recup-heures'], {
    ...world.env,
    BATISIMPLY_TOKEN_URL: 'http://127.0.0.1:9/t',
    BATISIMPLY_MAX_RETRIES: '0',
  });
  assert.equal(r.code, 3, r.stderr);
});

test('status --json shows the runs', async () => {
  const r = await connecteur(['status', '--json'], world.env);
  assert.equal(r.code, 0, r.stderr);
  const status = JSON.parse(r.stdout);
  assert.ok(status.lastRuns.some((run: { job: string }) => run.job === 'transfer-batisimply'));
});

test('status as text: times in SYNC_TIMEZONE, French format', async () => {
  const json = JSON.parse((await connecteur(['status', '--json'], world.env)).stdout) as { lastRuns: { job: string; startedAt: string }[] };
  const run = json.lastRuns.find((r) => r.job === 'transfer-batisimply')!;
  const r = await connecteur(['status'], { ...world.env, SYNC_TIMEZONE: 'Asia/Tokyo' });
  assert.equal(r.code, 0, r.stderr);
  const expected = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Asia/Tokyo', dateStyle: 'short', timeStyle: 'medium' }).format(
    new Date(run.startedAt),
  );
  assert.ok(r.stdout.includes(expected), `${expected} in:\n${r.stdout}`);
  assert.doesNotMatch(r.stdout, /\d{4}-\d{2}-\d{2}T\d{2}:/, 'no ISO timestamp');
});

test('check --json: each connection with the step that failed', async () => {
  const r = await connecteur(['check', '--json'], world.env);
  assert.equal(r.code, 2, 'a missing setting is a configuration error');
  const results = JSON.parse(r.stdout) as { system: string; ok: boolean; step: string }[];
  assert.deepEqual(
    results.map((c) => [c.system, c.ok, c.step]),
    [
      ['settings', true, 'ok'],
      ['sqlserver', false, 'configuration'],
      ['postgres', true, 'ok'],
      ['batisimply', true, 'ok'],
    ],
  );
});
