import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Env } from '../../../src/lib/config.js';
import { ConflictError } from '../../../src/lib/errors.js';
import { Services } from '../../../src/lib/services.js';
import { getRun, recentRuns } from '../../../src/lib/staging/runs.js';
import type { RunReport } from '../../../src/lib/sync/report.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import type { Sandbox } from '../../../src/sandbox/server.js';
import { connecteur } from '../../support/cli.js';
import type { TestDatabase } from '../../support/pg.js';
import { closeWorld, openWorld } from '../../support/fixture.js';

let t: TestDatabase;
let sandbox: Sandbox;
let env: Env;

before(async () => ({ t, sandbox, env } = await openWorld({ stagingInEnv: true })));
after(() => closeWorld({ t, sandbox }));
beforeEach(async () => {
  await t.db.query('TRUNCATE batigest_chantiers, connecteur_runs, connecteur_record_issues');
  sandbox.state.load({});
  sandbox.faults.clear();
  sandbox.stats.clear();
  // A pending chantier, and a slow BatiSimply: the run lasts long enough to be raced.
  await t.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Chantier 1', false)`);
  sandbox.faults.add([{ route: 'GET /api/project', fault: 'latency', latencyMs: 1_500, times: 1 }]);
});

/**
 * Resolves once the run is inside its job: BatiSimply received its project list request, which
 * the sandbox holds for 1.5 s. Polls an observable state; no fixed delay decides the outcome.
 */
async function insideTheRun() {
  while (sandbox.count('GET /api/project') === 0) await new Promise((r) => setTimeout(r, 10));
}

test('two processes start the same job: exactly one runs, the other exits 3 with its run id', async () => {
  const [a, b] = await Promise.all([
    connecteur(['run', 'transfer-batisimply', '--json'], env),
    connecteur(['run', 'transfer-batisimply', '--json'], env),
  ]);
  const codes = [a.code, b.code].sort();
  assert.deepEqual(codes, [0, 3], `${a.stderr}\n${b.stderr}`);
  const loser = a.code === 3 ? a : b;
  const winner = a.code === 0 ? a : b;
  const runId = (JSON.parse(winner.stdout) as RunReport).runId;
  assert.match(loser.stderr, new RegExp(`déjà en cours \\(exécution ${runId}\\)`));
  assert.equal(sandbox.state.projects.size, 1);
});

test('a timer that fires while an HTTP run goes on is skipped and recorded', async () => {
  const services = new Services(env);
  try {
    const httpRun = runJob(services, 'transfer-batisimply', { trigger: 'http' });
    await insideTheRun();
    const timer = (await runJob(services, 'transfer-batisimply', { trigger: 'timer' })).report as RunReport;
    assert.equal(timer.status, 'skipped');
    await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'cli' }), ConflictError);
    assert.equal(((await httpRun).report as RunReport).status, 'succeeded');
    const statuses = (await recentRuns(t.db)).map((r) => `${r.trigger}:${r.status}`).sort();
    assert.deepEqual(statuses, ['http:succeeded', 'timer:skipped']);
  } finally {
    await services.close();
  }
});

test('a process killed mid-run leaves no lock behind; its run is marked interrupted', async () => {
  let killed = false;
  const result = await connecteur(['run', 'transfer-batisimply'], env, (child) => {
    void insideTheRun().then(() => (killed = child.kill('SIGKILL')));
  });
  assert.ok(killed);
  assert.equal(result.code, null);
  const [orphan] = await recentRuns(t.db);
  assert.equal(orphan?.status, 'running');

  const services = new Services(env);
  try {
    const report = (await runJob(services, 'transfer-batisimply', { trigger: 'cli' })).report as RunReport;
    assert.equal(report.status, 'succeeded');
    assert.equal((await getRun(t.db, orphan!.runId))?.status, 'failed');
  } finally {
    await services.close();
  }
});
