import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import pg from 'pg';
import { ConflictError } from '../../../src/lib/errors.js';
import { createLogger, type Sink } from '../../../src/lib/log.js';
import type { SecretStore } from '../../../src/lib/secrets.js';
import { Services } from '../../../src/lib/services.js';
import { getRun, recentRuns } from '../../../src/lib/staging/runs.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { connecteur } from '../../support/cli.js';
import { FaultyDb } from '../../support/faultyDb.js';
import { until } from '../../support/wait.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ stagingInEnv: true });
beforeEach(async () => {
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Chantier 1', false)`);
});

/**
 * Holds every run of transfer-batisimply just after it recorded itself as running: the test keeps
 * the chantiers table locked, so the job's first read waits until `release()`. No timing involved.
 */
async function holdChantiers(): Promise<{ release(): Promise<void> }> {
  const client = await world.db.pool.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE batigest_chantiers IN ACCESS EXCLUSIVE MODE');
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('COMMIT');
      client.release();
    },
  };
}

const runningRow = () => until(async () => (await recentRuns(world.db)).find((r) => r.status === 'running'), 'a running run row');

test('two processes start the same job: exactly one runs, the other exits 3 with its run id', async () => {
  const gate = await holdChantiers();
  try {
    const first = connecteur(['run', 'transfer-batisimply', '--json'], world.env);
    const running = await runningRow();
    const second = await connecteur(['run', 'transfer-batisimply', '--json'], world.env);
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, new RegExp(`déjà en cours \\(exécution ${running.runId}\\)`));
    await gate.release();
    const winner = await first;
    assert.equal(winner.code, 0, winner.stderr);
    assert.equal((JSON.parse(winner.stdout) as RunReport).runId, running.runId);
    assert.equal(world.sandbox.state.projects.size, 1);
  } finally {
    await gate.release();
  }
});

test('a timer that fires while an HTTP run goes on is skipped and recorded', async () => {
  const services = new Services(world.env);
  try {
    const gate = await holdChantiers();
    const httpRun = runJob(services, 'transfer-batisimply', { trigger: 'http' });
    await runningRow();
    const timer = (await runJob(services, 'transfer-batisimply', { trigger: 'timer' })).report as RunReport;
    assert.equal(timer.status, 'skipped');
    await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'cli' }), ConflictError);
    await gate.release();
    assert.equal(((await httpRun).report as RunReport).status, 'succeeded');
    const statuses = (await recentRuns(world.db)).map((r) => `${r.trigger}:${r.status}`).sort();
    assert.deepEqual(statuses, ['http:succeeded', 'timer:skipped']);
  } finally {
    await services.close();
  }
});

test('a process killed mid-run leaves no lock behind; its run is marked interrupted', async () => {
  const gate = await holdChantiers();
  let killed = false;
  let orphanId: string;
  try {
    const result = connecteur(['run', 'transfer-batisimply'], world.env, (child) => {
      void runningRow().then((row) => {
        orphanId = row.runId;
        killed = child.kill('SIGKILL');
      });
    });
    assert.equal((await result).code, null);
    assert.ok(killed);
  } finally {
    await gate.release();
  }
  // The dead process's session ends once its blocked query wakes up; then PostgreSQL frees its lock.
  await until(async () => {
    const { rows } = await world.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return rows[0]?.n === 0;
  }, 'the advisory lock of the killed process to be freed');
  const [orphan] = await recentRuns(world.db);
  assert.equal(orphan?.runId, orphanId!);
  assert.equal(orphan?.status, 'running');

  const services = new Services(world.env);
  try {
    const report = (await runJob(services, 'transfer-batisimply', { trigger: 'cli' })).report as RunReport;
    assert.equal(report.status, 'succeeded');
    assert.equal((await getRun(world.db, orphan!.runId))?.status, 'interrupted');
  } finally {
    await services.close();
  }
});

test('a run killed with SIGKILL shows as interrupted in status --json, before any next run', async () => {
  // The job blocks on a table this test holds locked, so the run is surely mid-way when killed.
  const blocker = new pg.Client({ connectionString: world.t.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE batigest_chantiers IN ACCESS EXCLUSIVE MODE');
  let child: import('node:child_process').ChildProcess | undefined;
  const finished = connecteur(['run', 'transfer-batisimply'], world.env, (c) => (child = c));
  const running = await until(
    async () => (await recentRuns(world.db)).find((r) => r.status === 'running'),
    'the run to be recorded running',
  );
  child!.kill('SIGKILL');
  assert.equal((await finished).code, null);
  await blocker.query('ROLLBACK');
  await blocker.end();
  // The dead process's sessions end (its job lock with them) once the server sees its sockets close.
  await until(async () => {
    const { rows } = await world.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
    );
    return rows[0]!.n === 0;
  }, 'the advisory lock of the killed process to be freed');

  const status = await connecteur(['status', '--json'], world.env);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as { lastRuns: { runId: string; status: string }[]; running: unknown[] };
  assert.equal(report.lastRuns.find((r) => r.runId === running.runId)?.status, 'interrupted');
  assert.deepEqual(report.running, []);
  const text = await connecteur(['status'], world.env);
  assert.match(text.stdout, /transfer-batisimply\s+interrompu/);
});

test('status leaves a live run alone: its lock is held', async () => {
  const services = new Services(world.env);
  try {
    const lock = await world.db.tryLock('connecteur:job:transfer-batisimply');
    await world.db.query(
      `INSERT INTO connecteur_runs (run_id, job, trigger, status) VALUES ('00000000-0000-4000-8000-000000000001', 'transfer-batisimply', 'cli', 'running')`,
    );
    const status = await connecteur(['status', '--json'], world.env);
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
  const services = new Services({ ...world.env, STAGING_DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/none' });
  try {
    await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'timer', log }), { code: 'STAGING_UNREACHABLE' });
    const [line] = finished();
    assert.match(String(line?.[0]), /^Job transfer-batisimply non lancé : Base de staging PostgreSQL injoignable/);
    assert.deepEqual(line?.slice(1), ['transfer-batisimply', 'failed']);
  } finally {
    await services.close();
  }
});

test('Key Vault failing: the run that never started logs its run.finished line, failed', async () => {
  const { log, finished } = capture();
  const failing: SecretStore = {
    kind: 'keyvault',
    get: async () =>
      Promise.reject(
        new (await import('../../../src/lib/errors.js')).UpstreamError('keyvault', 'Key Vault refuse.', { code: 'KEYVAULT_READ_FAILED' }),
      ),
    invalidate: () => {},
    save: async () => {},
  };
  const services = new Services(world.env, { secrets: failing });
  try {
    await assert.rejects(runJob(services, 'chantiers', { trigger: 'timer', log }), { code: 'KEYVAULT_READ_FAILED' });
    assert.deepEqual(finished(), [['Job chantiers non lancé : Key Vault refuse.', 'chantiers', 'failed']]);
  } finally {
    await services.close();
  }
});

test('the history write throwing: the run still logs its run.finished line, failed', async () => {
  const { log, finished } = capture();
  const faulty = new FaultyDb(world.db);
  faulty.failOn = /UPDATE connecteur_runs SET status/;
  const services = new Services(world.env, { staging: faulty });
  try {
    await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'timer', log }));
    // The first history write is the one that closes interrupted runs, before this run is recorded.
    assert.deepEqual(finished(), [
      [
        'Job transfer-batisimply non lancé : Erreur interne : simulated crash at staging /UPDATE connecteur_runs SET status/',
        'transfer-batisimply',
        'failed',
      ],
    ]);
  } finally {
    await services.close();
  }
});

test('a chain logs one run.finished line per step and one for itself', async () => {
  const { log, finished } = capture();
  const services = new Services(world.env);
  try {
    await runJob(services, 'chantiers', { trigger: 'timer', log });
    assert.deepEqual(
      finished().map(([, job]) => job),
      ['transfer', 'fin-chantiers', 'geocode-chantiers', 'transfer-batisimply', 'chantiers'],
    );
  } finally {
    await services.close();
  }
});
