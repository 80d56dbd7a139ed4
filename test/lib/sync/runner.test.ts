import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Env } from '../../../src/lib/config.js';
import pg from 'pg';
import { ConflictError } from '../../../src/lib/errors.js';
import { createLogger, type Sink } from '../../../src/lib/log.js';
import type { SecretStore } from '../../../src/lib/secrets.js';
import { Services } from '../../../src/lib/services.js';
import { getRun, recentRuns } from '../../../src/lib/staging/runs.js';
import type { RunReport } from '../../../src/lib/sync/report.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import type { Sandbox } from '../../../src/sandbox/server.js';
import { connecteur } from '../../support/cli.js';
import { FaultyDb } from '../../support/faultyDb.js';
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
  // A pending chantier, and a slow BatiSimply: the run lasts long enough to be raced.
  await t.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Chantier 1', false)`);
  sandbox.faults.add([{ route: 'GET /api/project', fault: 'latency', latencyMs: 1_500, times: 1 }]);
});

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
    await new Promise((r) => setTimeout(r, 300));
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
    // Killed once its run is recorded as running (BatiSimply's 1.5 s latency keeps it there), not after a fixed delay.
    const poll = async () => {
      const [run] = await recentRuns(t.db);
      if (run?.status === 'running') killed = child.kill('SIGKILL');
      else if (child.exitCode === null) setTimeout(poll, 20);
    };
    void poll();
  });
  assert.ok(killed);
  assert.equal(result.code, null);
  const [orphan] = await recentRuns(t.db);
  assert.equal(orphan?.status, 'running');

  const services = new Services(env);
  try {
    const report = (await runJob(services, 'transfer-batisimply', { trigger: 'cli' })).report as RunReport;
    assert.equal(report.status, 'succeeded');
    assert.equal((await getRun(t.db, orphan!.runId))?.status, 'interrupted');
  } finally {
    await services.close();
  }
});

/** Polls until `probe` answers something truthy: waits for an observable state, never for a fixed time. */
async function until<T>(probe: () => Promise<T | undefined | null | false>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setImmediate(r));
  }
}

test('a run killed with SIGKILL shows as interrupted in status --json, before any next run', async () => {
  // The job blocks on a table this test holds locked, so the run is surely mid-way when killed.
  const blocker = new pg.Client({ connectionString: t.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE batigest_chantiers IN ACCESS EXCLUSIVE MODE');
  let child: import('node:child_process').ChildProcess | undefined;
  const finished = connecteur(['run', 'transfer-batisimply'], env, (c) => (child = c));
  const running = await until(async () => (await recentRuns(t.db)).find((r) => r.status === 'running'));
  child!.kill('SIGKILL');
  assert.equal((await finished).code, null);
  await blocker.query('ROLLBACK');
  await blocker.end();
  // The dead process's sessions end (its job lock with them) once the server sees its sockets close.
  await until(async () => {
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
    );
    return rows[0]!.n === 0;
  });

  const status = await connecteur(['status', '--json'], env);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as { lastRuns: { runId: string; status: string }[]; running: unknown[] };
  assert.equal(report.lastRuns.find((r) => r.runId === running.runId)?.status, 'interrupted');
  assert.deepEqual(report.running, []);
  const text = await connecteur(['status'], env);
  assert.match(text.stdout, /transfer-batisimply\s+interrompu/);
});

test('status leaves a live run alone: its lock is held', async () => {
  const services = new Services(env);
  try {
    const lock = await t.db.tryLock('connecteur:job:transfer-batisimply');
    await t.db.query(
      `INSERT INTO connecteur_runs (run_id, job, trigger, status) VALUES ('00000000-0000-4000-8000-000000000001', 'transfer-batisimply', 'cli', 'running')`,
    );
    const status = await connecteur(['status', '--json'], env);
    await lock!.release();
    assert.equal(JSON.parse(status.stdout).lastRuns.find((r: { job: string }) => r.job === 'transfer-batisimply')?.status, 'running');
  } finally {
    await services.close();
  }
});

function capture() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const sink: Sink = (level, message, fields) => lines.push({ level, message, fields });
  const finished = () => lines.filter((l) => l.fields.event === 'run.finished').map((l) => [l.message, l.fields.job, l.fields.status]);
  return { log: createLogger(sink), finished };
}

test('staging unreachable: the run that never started logs its run.finished line, failed', async () => {
  const { log, finished } = capture();
  const services = new Services({ ...env, STAGING_DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/none' });
  try {
    await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'timer', log }), { code: 'STAGING_UNREACHABLE' });
    assert.deepEqual(finished(), [['Fin du job transfer-batisimply : failed', 'transfer-batisimply', 'failed']]);
  } finally {
    await services.close();
  }
});

test('Key Vault failing: the run that never started logs its run.finished line, failed', async () => {
  const { log, finished } = capture();
  const failing: SecretStore = {
    kind: 'keyvault',
    get: async () => Promise.reject(new (await import('../../../src/lib/errors.js')).UpstreamError('keyvault', 'Key Vault refuse.', { code: 'KEYVAULT_READ_FAILED' })),
    invalidate: () => {},
    save: async () => {},
  };
  const services = new Services(env, { secrets: failing });
  try {
    await assert.rejects(runJob(services, 'chantiers', { trigger: 'timer', log }), { code: 'KEYVAULT_READ_FAILED' });
    assert.deepEqual(finished(), [['Fin du job chantiers : failed', 'chantiers', 'failed']]);
  } finally {
    await services.close();
  }
});

test('the history write throwing: the run still logs its run.finished line, failed', async () => {
  const { log, finished } = capture();
  const faulty = new FaultyDb(t.db);
  faulty.failOn = /UPDATE connecteur_runs SET status/;
  const services = new Services(env, { staging: faulty });
  try {
    await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'timer', log }));
    assert.deepEqual(finished(), [['Fin du job transfer-batisimply : failed', 'transfer-batisimply', 'failed']]);
  } finally {
    await services.close();
  }
});

test('a chain logs one run.finished line per step and one for itself', async () => {
  const { log, finished } = capture();
  const services = new Services(env);
  try {
    await runJob(services, 'chantiers', { trigger: 'timer', log });
    assert.deepEqual(
      finished().map(([, job]) => job),
      ['transfer', 'transfer-batisimply', 'chantiers'],
    );
  } finally {
    await services.close();
  }
});
