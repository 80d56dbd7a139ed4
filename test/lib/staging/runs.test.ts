/** The SQL of the run history and of the failed or held records, on a real PostgreSQL database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registerSecret } from '../../../src/lib/log.js';
import type { Queryable } from '../../../src/lib/staging/db.js';
import {
  activeRunId,
  childRuns,
  closeInterruptedRuns,
  failUnfinishedRun,
  finishRun,
  getRun,
  insertQueuedRun,
  insertRun,
  lastRunPerJob,
  listRuns,
  noteFailedDelivery,
  pruneHistory,
  recentRuns,
  recordIssues,
  recordOutcomes,
  runningRunId,
  setErrorKind,
  startRun,
  updateProgress,
} from '../../../src/lib/staging/runs.js';
import type { RunStatus } from '../../../src/lib/domain/runs.js';
import { closeDeadRuns } from '../../../src/lib/sync/locks.js';
import { useWorld } from '../../support/fixture.js';

// Run and record messages may echo a secret from an outside system: the history stores it masked.
const SECRET = 'runs-test-secret-4b7e';
registerSecret(SECRET);

const world = useWorld({ sandbox: false });

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_S = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Fixed run ids: the n-th one, so that orders and filters read plainly. */
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function run(n: number, job: string, status: RunStatus, options: { parent?: number; minutesAgo?: number } = {}) {
  await insertRun(world.db, {
    runId: id(n),
    job,
    parentRunId: options.parent === undefined ? null : id(options.parent),
    trigger: 'cli',
    dryRun: false,
    status,
  });
  // Started a given time ago: the orders and the pruning read started_at.
  await world.db.query(`UPDATE connecteur_runs SET started_at = now() - make_interval(mins => $2) WHERE run_id = $1`, [
    id(n),
    options.minutesAgo ?? 0,
  ]);
}

async function column(runId: string, name: string): Promise<unknown> {
  const { rows } = await world.db.query<{ v: unknown }>(`SELECT ${name} AS v FROM connecteur_runs WHERE run_id = $1`, [runId]);
  return rows[0]?.v;
}

test('insertRun running: every column read back by getRun, not finished', async () => {
  await insertRun(world.db, { runId: id(1), job: 'transfer', parentRunId: null, trigger: 'timer', dryRun: true, status: 'running' });
  const row = await getRun(world.db, id(1));
  assert.match(row!.startedAt, ISO_MS);
  assert.deepEqual(
    { ...row, startedAt: 'x' },
    {
      runId: id(1),
      job: 'transfer',
      parentRunId: null,
      trigger: 'timer',
      dryRun: true,
      status: 'running',
      startedAt: 'x',
      finishedAt: null,
      counts: {},
      errors: [],
      progress: null,
      message: null,
      errorKind: null,
    },
  );
});

test('insertRun queued: not finished; skipped: finished, its message masked, its parent kept', async () => {
  await insertRun(world.db, { runId: id(1), job: 'chantiers', parentRunId: null, trigger: 'http', dryRun: false, status: 'queued' });
  await insertRun(world.db, {
    runId: id(2),
    job: 'transfer',
    parentRunId: id(1),
    trigger: 'http',
    dryRun: false,
    status: 'skipped',
    message: `occupé ${SECRET}`,
  });
  assert.equal((await getRun(world.db, id(1)))?.finishedAt, null);
  const skipped = await getRun(world.db, id(2));
  assert.match(skipped!.finishedAt!, ISO_MS);
  assert.equal(skipped!.parentRunId, id(1));
  assert.equal(skipped!.message, 'occupé ***');
});

test('getRun: null for an unknown run', async () => {
  assert.equal(await getRun(world.db, id(9)), null);
});

test('startRun not from the queue: a new row, true', async () => {
  const started = await startRun(
    world.db,
    { runId: id(1), job: 'transfer', parentRunId: null, trigger: 'cli', dryRun: false, status: 'running' },
    false,
  );
  assert.equal(started, true);
  assert.equal((await getRun(world.db, id(1)))?.status, 'running');
});

test('startRun from the queue: claims the queued row once, restarting its clock; a second claim is refused', async () => {
  await insertQueuedRun(world.db, { runId: id(1), job: 'transfer', trigger: 'http', dryRun: true });
  await world.db.query(
    `UPDATE connecteur_runs SET started_at = now() - interval '1 hour', message = 'livraison 1 échouée' WHERE run_id = $1`,
    [id(1)],
  );
  const run = { runId: id(1), job: 'transfer', parentRunId: null, trigger: 'http' as const, dryRun: true, status: 'running' as const };
  assert.equal(await startRun(world.db, run, true), true);
  const claimed = await getRun(world.db, id(1));
  assert.equal(claimed?.status, 'running');
  assert.equal(claimed?.finishedAt, null);
  assert.equal(claimed?.message, null);
  assert.ok(Date.now() - Date.parse(claimed!.startedAt) < 30 * 60_000, claimed!.startedAt);
  assert.equal(await startRun(world.db, run, true), false);
  assert.equal((await recentRuns(world.db)).length, 1);
});

test('startRun from the queue as skipped: finished, with its message', async () => {
  await insertQueuedRun(world.db, { runId: id(1), job: 'transfer', trigger: 'timer', dryRun: false });
  const run = {
    runId: id(1),
    job: 'transfer',
    parentRunId: null,
    trigger: 'timer' as const,
    dryRun: false,
    status: 'skipped' as const,
    message: 'déjà en cours',
  };
  assert.equal(await startRun(world.db, run, true), true);
  const row = await getRun(world.db, id(1));
  assert.equal(row?.status, 'skipped');
  assert.equal(row?.message, 'déjà en cours');
  assert.match(row!.finishedAt!, ISO_MS);
});

test('startRun from the queue: a row that is not queued (or none) is not claimed', async () => {
  await run(1, 'transfer', 'running');
  const claim = (n: number) =>
    startRun(world.db, { runId: id(n), job: 'transfer', parentRunId: null, trigger: 'http', dryRun: false, status: 'running' }, true);
  assert.equal(await claim(1), false);
  assert.equal(await claim(2), false);
  assert.equal((await recentRuns(world.db)).length, 1);
});

test('finishRun: status, counts, the first 200 errors masked, message masked, finished, progress cleared', async () => {
  await run(1, 'transfer', 'running');
  await updateProgress(world.db, id(1), { done: 1, total: 2, step: 'transfer' });
  const errors = Array.from({ length: 201 }, (_, i) => ({ key: `K${i}`, code: 'C', message: `m ${SECRET}` }));
  const counts = { read: 7, created: 1, updated: 2, deleted: 0, unchanged: 3, failed: 201, held: 0 };
  await finishRun(world.db, id(1), { status: 'partial', counts, errors, message: `fin ${SECRET}` });
  const row = await getRun(world.db, id(1));
  assert.equal(row?.status, 'partial');
  assert.deepEqual(row?.counts, counts);
  assert.equal(row?.errors.length, 200);
  assert.deepEqual(row?.errors[199], { key: 'K199', code: 'C', message: 'm ***' });
  assert.equal(row?.message, 'fin ***');
  assert.equal(row?.progress, null);
  assert.match(row!.finishedAt!, ISO_MS);
});

test('finishRun without a message: the message is cleared', async () => {
  await insertRun(world.db, {
    runId: id(1),
    job: 'transfer',
    parentRunId: null,
    trigger: 'cli',
    dryRun: false,
    status: 'running',
    message: 'avant',
  });
  await finishRun(world.db, id(1), {
    status: 'succeeded',
    counts: { read: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, held: 0 },
    errors: [],
  });
  assert.equal((await getRun(world.db, id(1)))?.message, null);
});

test('updateProgress: the progress of that run only', async () => {
  await run(1, 'transfer', 'running');
  await run(2, 'recup-heures', 'running');
  await updateProgress(world.db, id(1), { done: 3, total: 10, step: 'transfer' });
  assert.deepEqual((await getRun(world.db, id(1)))?.progress, { done: 3, total: 10, step: 'transfer' });
  assert.equal((await getRun(world.db, id(2)))?.progress, null);
});

test('runningRunId: the newest running run of the job; null when none runs', async () => {
  // One active top-level run per job (migration 009): the second is a chain's step.
  await run(1, 'transfer', 'running', { minutesAgo: 20 });
  await run(2, 'transfer', 'running', { parent: 9, minutesAgo: 10 });
  await run(3, 'transfer', 'succeeded', { minutesAgo: 1 });
  await run(4, 'recup-heures', 'running', { minutesAgo: 1 });
  assert.equal(await runningRunId(world.db, ['transfer']), id(2));
  assert.equal(await runningRunId(world.db, ['heures-to-sqlserver']), null);
});

test('closeInterruptedRuns: the running runs of the job become interrupted, no others', async () => {
  await run(1, 'transfer', 'running');
  await updateProgress(world.db, id(1), { done: 1, total: 2 });
  await run(2, 'transfer', 'succeeded');
  await run(3, 'recup-heures', 'running');
  await closeInterruptedRuns(world.db, ['transfer']);
  const row = await getRun(world.db, id(1));
  assert.equal(row?.status, 'interrupted');
  assert.equal(row?.message, 'Exécution interrompue (processus arrêté avant la fin).');
  assert.equal(row?.progress, null);
  assert.match(row!.finishedAt!, ISO_MS);
  assert.equal((await getRun(world.db, id(2)))?.status, 'succeeded');
  assert.equal((await getRun(world.db, id(3)))?.status, 'running');
});

test('closeDeadRuns: closes the running runs whose job lock is free, counts the jobs, leaves the locked ones', async () => {
  await run(1, 'transfer', 'running');
  await run(2, 'transfer', 'running', { parent: 9 });
  await run(3, 'recup-heures', 'running');
  await run(4, 'heures-to-sqlserver', 'running');
  const held = await world.db.tryLock('connecteur:job:recup-heures');
  try {
    assert.equal(await closeDeadRuns(world.db), 2);
  } finally {
    await held!.release();
  }
  const statuses = (await recentRuns(world.db)).map((r) => `${r.runId.slice(-1)}:${r.status}`).sort();
  assert.deepEqual(statuses, ['1:interrupted', '2:interrupted', '3:running', '4:interrupted']);
  // The locks it took are released.
  for (const job of ['transfer', 'heures-to-sqlserver']) {
    const lock = await world.db.tryLock(`connecteur:job:${job}`);
    assert.ok(lock, job);
    await lock.release();
  }
  // Its lock freed, the run left running is closed next time; then nothing is left.
  assert.equal(await closeDeadRuns(world.db), 1);
  assert.equal(await closeDeadRuns(world.db), 0);
});

test('recentRuns: newest first, 50 by default, or the limit given', async () => {
  for (let n = 1; n <= 51; n++) await run(n, 'transfer', 'succeeded', { minutesAgo: 100 - n });
  const runs = await recentRuns(world.db);
  assert.equal(runs.length, 50);
  assert.equal(runs[0]?.runId, id(51));
  assert.equal(runs[49]?.runId, id(2));
  assert.deepEqual(
    (await recentRuns(world.db, 2)).map((r) => r.runId),
    [id(51), id(50)],
  );
});

test('lastRunPerJob: the newest run of each job, by job', async () => {
  await run(1, 'transfer', 'failed', { minutesAgo: 30 });
  await run(2, 'transfer', 'succeeded', { minutesAgo: 20 });
  await run(3, 'recup-heures', 'partial', { minutesAgo: 40 });
  await run(4, 'recup-heures', 'failed', { minutesAgo: 50 });
  assert.deepEqual(
    (await lastRunPerJob(world.db)).map((r) => [r.job, r.runId, r.status]),
    [
      ['recup-heures', id(3), 'partial'],
      ['transfer', id(2), 'succeeded'],
    ],
  );
});

const outcome = (key: string, kind: 'failed' | 'held', code: string, message: string) => ({ key, kind, code, message });

async function issues() {
  const { rows } = await world.db.query<{
    job: string;
    key: string;
    kind: string;
    code: string;
    message: string;
    attempts: number;
    last_run_id: string;
  }>(`SELECT job, record_key AS key, kind, code, message, attempts, last_run_id FROM connecteur_record_issues ORDER BY job, record_key`);
  return rows;
}

test('recordOutcomes: records the failed and held records, masked, with the run', async () => {
  await recordOutcomes(
    world.db,
    'transfer',
    id(1),
    [outcome('A', 'failed', 'E1', `échec ${SECRET}`), outcome('B', 'held', 'H1', 'retenu')],
    [],
  );
  assert.deepEqual(await issues(), [
    { job: 'transfer', key: 'A', kind: 'failed', code: 'E1', message: 'échec ***', attempts: 1, last_run_id: id(1) },
    { job: 'transfer', key: 'B', kind: 'held', code: 'H1', message: 'retenu', attempts: 1, last_run_id: id(1) },
  ]);
});

test('recordOutcomes again: the same record counts one more attempt and takes the new outcome', async () => {
  await recordOutcomes(world.db, 'transfer', id(1), [outcome('A', 'failed', 'E1', 'un')], []);
  await world.db.query(`UPDATE connecteur_record_issues SET last_seen = now() - interval '1 day'`);
  await recordOutcomes(world.db, 'transfer', id(2), [outcome('A', 'held', 'H2', 'deux')], []);
  assert.deepEqual(await issues(), [
    { job: 'transfer', key: 'A', kind: 'held', code: 'H2', message: 'deux', attempts: 2, last_run_id: id(2) },
  ]);
  const { rows } = await world.db.query<{ fresh: boolean }>(
    `SELECT last_seen > now() - interval '1 hour' AS fresh FROM connecteur_record_issues`,
  );
  assert.equal(rows[0]?.fresh, true);
});

test('recordOutcomes: the records that went through are cleared, for that job only', async () => {
  await recordOutcomes(world.db, 'transfer', id(1), [outcome('A', 'failed', 'E', 'm'), outcome('B', 'failed', 'E', 'm')], []);
  await recordOutcomes(world.db, 'recup-heures', id(1), [outcome('A', 'failed', 'E', 'm')], []);
  await recordOutcomes(world.db, 'transfer', id(2), [], ['A']);
  assert.deepEqual(
    (await issues()).map((i) => `${i.job}:${i.key}`),
    ['recup-heures:A', 'transfer:B'],
  );
});

test('recordOutcomes with nothing to record: no statement sent', async () => {
  const sent: string[] = [];
  const counting: Queryable = { query: async (text, params) => (sent.push(text), world.db.query(text, params)) };
  await recordOutcomes(counting, 'transfer', id(1), [], []);
  assert.deepEqual(sent, []);
});

test('recordIssues: newest first, with their fields, limited', async () => {
  await recordOutcomes(world.db, 'transfer', id(1), [outcome('A', 'failed', 'E1', 'un')], []);
  await recordOutcomes(world.db, 'recup-heures', id(1), [outcome('B', 'held', 'H1', 'deux')], []);
  await world.db.query(`UPDATE connecteur_record_issues SET last_seen = now() - interval '1 hour' WHERE record_key = 'A'`);
  const [first, second] = await recordIssues(world.db);
  assert.match(first!.firstSeen, ISO_S);
  assert.match(first!.lastSeen, ISO_S);
  assert.deepEqual(
    { ...first, firstSeen: 'x', lastSeen: 'x' },
    { job: 'recup-heures', key: 'B', kind: 'held', code: 'H1', message: 'deux', attempts: 1, firstSeen: 'x', lastSeen: 'x' },
  );
  assert.equal(second?.key, 'A');
  assert.deepEqual(
    (await recordIssues(world.db, 1)).map((i) => i.key),
    ['B'],
  );
});

test('recordIssues: 200 by default', async () => {
  const many = Array.from({ length: 201 }, (_, i) => outcome(`K${i}`, 'failed', 'E', 'm'));
  await recordOutcomes(world.db, 'transfer', id(1), many, []);
  assert.equal((await recordIssues(world.db)).length, 200);
});

test('pruneHistory: runs started and records last seen before the number of days go', async () => {
  await run(1, 'transfer', 'succeeded', { minutesAgo: 3 * 24 * 60 });
  await run(2, 'transfer', 'succeeded', { minutesAgo: 24 * 60 });
  await recordOutcomes(world.db, 'transfer', id(1), [outcome('OLD', 'failed', 'E', 'm'), outcome('NEW', 'failed', 'E', 'm')], []);
  await world.db.query(`UPDATE connecteur_record_issues SET last_seen = now() - interval '3 days' WHERE record_key = 'OLD'`);
  await pruneHistory(world.db, 2);
  assert.deepEqual(
    (await recentRuns(world.db)).map((r) => r.runId),
    [id(2)],
  );
  assert.deepEqual(
    (await issues()).map((i) => i.key),
    ['NEW'],
  );
});

test('insertQueuedRun: a queued top-level run, not finished, with its queue time', async () => {
  await insertQueuedRun(world.db, { runId: id(1), job: 'heures', trigger: 'http', dryRun: true });
  const row = await getRun(world.db, id(1));
  assert.deepEqual(
    [row?.job, row?.trigger, row?.dryRun, row?.status, row?.parentRunId, row?.finishedAt],
    ['heures', 'http', true, 'queued', null, null],
  );
  assert.equal(await column(id(1), 'queued_at IS NOT NULL'), true);
});

test('activeRunId: the queued or running top-level run of the jobs, else a step running inside a chain; null when none', async () => {
  await run(2, 'chantiers', 'running', { minutesAgo: 20 });
  await run(3, 'chantiers', 'succeeded', { minutesAgo: 10 });
  assert.equal(await activeRunId(world.db, ['chantiers']), id(2));
  await run(4, 'transfer', 'running', { parent: 2, minutesAgo: 5 });
  assert.equal(await activeRunId(world.db, ['transfer']), id(4), 'a step running inside a chain holds its job');
  await run(5, 'transfer', 'queued', { minutesAgo: 50 });
  assert.equal(await activeRunId(world.db, ['transfer']), id(5));
  assert.equal(await activeRunId(world.db, ['heures']), null);
});

test('failUnfinishedRun: a queued or running run ends failed with its reason; a finished one is left', async () => {
  await run(1, 'transfer', 'running');
  await updateProgress(world.db, id(1), { done: 1, total: 2 });
  await run(2, 'recup-heures', 'queued');
  await run(3, 'transfer', 'succeeded');
  const failed = await failUnfinishedRun(world.db, id(1), 'Abandonné après 5 livraisons.', 'internal');
  assert.match(failed!.finishedAt!, ISO_MS);
  assert.deepEqual(
    { ...failed, startedAt: 'x', finishedAt: 'x' },
    {
      runId: id(1),
      job: 'transfer',
      parentRunId: null,
      trigger: 'cli',
      dryRun: false,
      status: 'failed',
      startedAt: 'x',
      finishedAt: 'x',
      counts: {},
      errors: [{ key: 'transfer', code: 'RUN_ABANDONED', message: 'Abandonné après 5 livraisons.' }],
      progress: null,
      message: 'Abandonné après 5 livraisons.',
      errorKind: 'internal',
    },
  );
  assert.equal((await failUnfinishedRun(world.db, id(2), 'm', 'upstream'))?.status, 'failed');
  assert.equal(await failUnfinishedRun(world.db, id(3), 'm', 'upstream'), null);
  assert.equal((await getRun(world.db, id(3)))?.status, 'succeeded');
});

test('noteFailedDelivery: a queued run counts the delivery and its reason; a running one is left', async () => {
  await run(1, 'transfer', 'queued');
  await run(2, 'recup-heures', 'running');
  await noteFailedDelivery(world.db, id(1), 'livraison échouée');
  await noteFailedDelivery(world.db, id(1), 'encore');
  await noteFailedDelivery(world.db, id(2), 'm');
  assert.deepEqual([await column(id(1), 'attempts'), await column(id(1), 'message')], [2, 'encore']);
  assert.deepEqual([await column(id(2), 'attempts'), await column(id(2), 'message')], [0, null]);
});

test('setErrorKind: that run only', async () => {
  await run(1, 'transfer', 'failed');
  await run(2, 'transfer', 'failed');
  await setErrorKind(world.db, id(1), 'configuration');
  assert.equal((await getRun(world.db, id(1)))?.errorKind, 'configuration');
  assert.equal((await getRun(world.db, id(2)))?.errorKind, null);
});

test('childRuns: the steps of that chain, oldest first, then by run id', async () => {
  await run(1, 'chantiers', 'succeeded', { minutesAgo: 10 });
  await run(4, 'transfer-batisimply', 'succeeded', { parent: 1, minutesAgo: 5 });
  await run(3, 'transfer', 'succeeded', { parent: 1, minutesAgo: 5 });
  await run(2, 'transfer', 'succeeded', { parent: 1, minutesAgo: 8 });
  await run(5, 'heures', 'succeeded', { minutesAgo: 4 });
  await run(6, 'recup-heures', 'succeeded', { parent: 5, minutesAgo: 3 });
  // Same started_at for 3 and 4, 3 written last (so stored after 4): the run id decides.
  await world.db.query(
    `UPDATE connecteur_runs SET started_at = (SELECT started_at FROM connecteur_runs WHERE run_id = $1) WHERE run_id = $2`,
    [id(4), id(3)],
  );
  assert.deepEqual(
    (await childRuns(world.db, id(1))).map((r) => r.runId),
    [id(2), id(3), id(4)],
  );
});

test('listRuns: top-level runs, newest first, filtered by job and status, limited', async () => {
  await run(1, 'chantiers', 'succeeded', { minutesAgo: 40 });
  await run(2, 'transfer', 'failed', { parent: 1, minutesAgo: 39 });
  await run(3, 'transfer', 'failed', { minutesAgo: 30 });
  await run(4, 'transfer', 'succeeded', { minutesAgo: 20 });
  await run(5, 'chantiers', 'failed', { minutesAgo: 10 });
  const ids = async (filter: { job?: string; status?: string; limit: number }) =>
    (await listRuns(world.db, filter)).map((r) => Number(r.runId.slice(-1)));
  assert.deepEqual(await ids({ limit: 10 }), [5, 4, 3, 1]);
  assert.deepEqual(await ids({ job: 'transfer', limit: 10 }), [4, 3]);
  assert.deepEqual(await ids({ status: 'failed', limit: 10 }), [5, 3]);
  assert.deepEqual(await ids({ job: 'transfer', status: 'failed', limit: 10 }), [3]);
  assert.deepEqual(await ids({ limit: 2 }), [5, 4]);
});
