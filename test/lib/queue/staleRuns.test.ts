import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, test } from 'node:test';
import { ConflictError } from '../../../src/lib/errors.js';
import { createLogger, type Sink } from '../../../src/lib/log.js';
import { MAX_DEQUEUE_COUNT, type RunMessage, type RunQueue } from '../../../src/lib/queue/client.js';
import { enqueueRun, executeRunMessage } from '../../../src/lib/queue/runs.js';
import { Services } from '../../../src/lib/services.js';
import { getRun, insertQueuedRun, insertRun, recentRuns } from '../../../src/lib/staging/runs.js';
import { tryJobLock } from '../../../src/lib/sync/locks.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { useWorld } from '../../support/fixture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const sent: RunMessage[] = [];
const queue: RunQueue = { send: async (m) => void sent.push(m) };
const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
const sink: Sink = (level, message, fields) => void lines.push({ level, message, fields });
const log = createLogger(sink);

const world = useWorld({ stagingInEnv: true, services: (w) => new Services(w.env) });
beforeEach(async () => {
  sent.length = 0;
  lines.length = 0;
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Chantier 1', false)`);
});

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A run row as a worker left it: running (its process gone), or queued a given time ago. */
async function leftBehind(n: number, job: string, status: 'running' | 'queued', minutesAgo = 0, parent?: number) {
  if (status === 'queued') await insertQueuedRun(world.db, { runId: id(n), job, trigger: 'http', dryRun: false });
  else await insertRun(world.db, { runId: id(n), job, parentRunId: parent ? id(parent) : null, trigger: 'http', dryRun: false, status });
  await world.db.query(
    `UPDATE connecteur_runs SET started_at = now() - make_interval(mins => $2), queued_at = CASE WHEN status = 'queued' THEN now() - make_interval(mins => $2) END WHERE run_id = $1`,
    [id(n), minutesAgo],
  );
}

test('POST while a run is left running by a dead worker: it is marked interrupted with its reason, the new run is queued', async () => {
  await leftBehind(1, 'transfer-batisimply', 'running');
  const { runId, skipped } = await enqueueRun(world.services, queue, { job: 'transfer-batisimply', dryRun: false, trigger: 'http', log });
  assert.equal(skipped, undefined);
  assert.equal((await getRun(world.db, runId))?.status, 'queued');
  const dead = await getRun(world.db, id(1));
  assert.equal(dead?.status, 'interrupted');
  assert.match(dead?.message ?? '', /s’est arrêté avant la fin \(verrou du job libre\)/);
  assert.deepEqual(
    dead?.errors.map((e) => e.code),
    ['RUN_RECLAIMED'],
  );
  assert.ok(lines.some((l) => l.fields.event === 'run.reclaimed' && l.fields.runId === id(1)));
  assert.equal(sent.length, 1);
});

test('POST while a live run holds the job lock: 409 with its id, the run is left running', async () => {
  await leftBehind(1, 'transfer-batisimply', 'running');
  const lock = await tryJobLock(await world.services.staging(), 'transfer-batisimply');
  try {
    await assert.rejects(
      enqueueRun(world.services, queue, { job: 'transfer-batisimply', dryRun: false, trigger: 'http' }),
      (e: unknown) => e instanceof ConflictError && e.runningRunId === id(1),
    );
    assert.equal((await getRun(world.db, id(1)))?.status, 'running');
  } finally {
    await lock?.release();
  }
});

test('a timer while a chain left running by a dead worker holds the job: the chain and its step are interrupted, the timer queues', async () => {
  await leftBehind(1, 'chantiers', 'running', 10);
  await leftBehind(2, 'transfer', 'running', 9, 1);
  const { skipped } = await enqueueRun(world.services, queue, { job: 'chantiers', dryRun: false, trigger: 'timer' });
  assert.equal(skipped, undefined);
  assert.deepEqual([(await getRun(world.db, id(1)))?.status, (await getRun(world.db, id(2)))?.status], ['interrupted', 'interrupted']);
});

test('a step running inside a live chain holds the step: POST of the step alone is refused with the step run’s id', async () => {
  await leftBehind(1, 'chantiers', 'running', 10);
  await leftBehind(2, 'transfer', 'running', 9, 1);
  const lock = await tryJobLock(await world.services.staging(), 'transfer');
  try {
    await assert.rejects(
      enqueueRun(world.services, queue, { job: 'transfer', dryRun: false, trigger: 'http' }),
      (e: unknown) => e instanceof ConflictError && e.runningRunId === id(2),
    );
  } finally {
    await lock?.release();
  }
});

test('a queued run older than RUN_QUEUED_MAX_MINUTES lost its message: interrupted, the next request queues', async () => {
  await leftBehind(1, 'recup-heures', 'queued', 31);
  const { runId } = await enqueueRun(world.services, queue, { job: 'recup-heures', dryRun: false, trigger: 'http' });
  assert.equal((await getRun(world.db, runId))?.status, 'queued');
  const dead = await getRun(world.db, id(1));
  assert.equal(dead?.status, 'interrupted');
  assert.match(dead?.message ?? '', /plus de 30 min, au-delà de sa dernière livraison possible/);
});

test('a queued run younger than RUN_QUEUED_MAX_MINUTES still holds its job', async () => {
  await leftBehind(1, 'recup-heures', 'queued', 29);
  await assert.rejects(enqueueRun(world.services, queue, { job: 'recup-heures', dryRun: false, trigger: 'http' }), ConflictError);
  const shorter = new Services({ ...world.env, RUN_QUEUED_MAX_MINUTES: '20' });
  try {
    await enqueueRun(shorter, queue, { job: 'recup-heures', dryRun: false, trigger: 'http' });
  } finally {
    await shorter.close();
  }
  assert.equal((await getRun(world.db, id(1)))?.status, 'interrupted');
});

test('connecteur run (in-process) while a queued run is past its last delivery: it runs', async () => {
  await leftBehind(1, 'transfer-batisimply', 'queued', 45);
  const outcome = await runJob(world.services, 'transfer-batisimply', { trigger: 'cli', log });
  assert.equal(outcome.report.status, 'succeeded');
  assert.equal((await getRun(world.db, id(1)))?.status, 'interrupted');
});

test('a message redelivered after its worker died mid-run: the dead run is interrupted and the job runs again', async () => {
  await leftBehind(1, 'transfer-batisimply', 'running');
  const executed = await executeRunMessage(
    () => world.services,
    { runId: id(1), job: 'transfer-batisimply', company: 'default' },
    { dequeueCount: 2, log },
  );
  assert.equal(executed, 'ran');
  assert.equal((await getRun(world.db, id(1)))?.status, 'interrupted');
  const again = (await recentRuns(world.db)).find((r) => r.runId !== id(1));
  assert.equal(again?.status, 'succeeded');
  assert.equal(world.sandbox.state.projects.size, 1);
});

test('a message redelivered while its run is alive elsewhere (lock held): dropped as a duplicate', async () => {
  await leftBehind(1, 'transfer-batisimply', 'running');
  const lock = await tryJobLock(await world.services.staging(), 'transfer-batisimply');
  try {
    const executed = await executeRunMessage(
      () => world.services,
      { runId: id(1), job: 'transfer-batisimply', company: 'default' },
      { dequeueCount: 2, log },
    );
    assert.equal(executed, 'duplicate');
    assert.equal((await getRun(world.db, id(1)))?.status, 'running');
  } finally {
    await lock?.release();
  }
});

test('the last delivery with staging unreachable: thrown (the message goes to the poison queue), not swallowed', async () => {
  const down = new Services({ ...world.env, STAGING_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/absente' });
  try {
    await assert.rejects(
      executeRunMessage(() => down, { runId: id(1), job: 'transfer', company: 'default' }, { dequeueCount: MAX_DEQUEUE_COUNT, log }),
      (e: Error & { code?: string }) => e.code === 'STAGING_UNREACHABLE',
    );
    assert.ok(lines.some((l) => l.fields.event === 'run.poisoned'));
  } finally {
    await down.close();
  }
});

test('a company whose settings are invalid: its queued run ends failed at its first delivery, not left queued', async () => {
  await leftBehind(1, 'transfer-batisimply', 'queued');
  const invalid = new Services({ ...world.env, BATISIMPLY_API_URL: 'pas une url' });
  try {
    const executed = await executeRunMessage(
      () => invalid,
      { runId: id(1), job: 'transfer-batisimply', company: 'default' },
      { dequeueCount: 1, log },
    );
    assert.equal(executed, 'ran');
    const run = await getRun(world.db, id(1));
    assert.equal(run?.status, 'failed');
    assert.equal(run?.errors[0]?.code, 'CONFIG_INVALID');
  } finally {
    await invalid.close();
  }
});

test('two HTTP starts of one job at once, 20 times: exactly one queued each time, the other answered 409', async () => {
  for (let round = 0; round < 20; round++) {
    await world.db.query('TRUNCATE connecteur_runs');
    const results = await Promise.allSettled([
      enqueueRun(world.services, queue, { job: 'transfer-batisimply', dryRun: false, trigger: 'http' }),
      enqueueRun(world.services, queue, { job: 'transfer-batisimply', dryRun: false, trigger: 'http' }),
    ]);
    const queued = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof ConflictError);
    assert.deepEqual([queued.length, refused.length], [1, 1], `round ${round}: ${JSON.stringify(results)}`);
    const active = (await recentRuns(world.db)).filter((r) => r.status === 'queued');
    assert.equal(active.length, 1, `round ${round}`);
  }
});

test('two timers of one job at once: one queues, the other records skipped', async () => {
  for (let round = 0; round < 10; round++) {
    await world.db.query('TRUNCATE connecteur_runs');
    const results = await Promise.all([
      enqueueRun(world.services, queue, { job: 'heures', dryRun: false, trigger: 'timer' }),
      enqueueRun(world.services, queue, { job: 'heures', dryRun: false, trigger: 'timer' }),
    ]);
    assert.deepEqual(results.map((r) => r.skipped === true).sort(), [false, true], `round ${round}`);
  }
});

test('host.json: functionTimeout unbounded; RUN_QUEUED_MAX_MINUTES covers every delivery the host makes', async () => {
  const host = JSON.parse(await readFile(path.join(ROOT, 'host.json'), 'utf8'));
  assert.equal(host.functionTimeout, '-1');
  const [h, m, s] = (host.extensions.queues.visibilityTimeout as string).split(':').map(Number);
  const visibilityMinutes = (h! * 3600 + m! * 60 + s!) / 60;
  const deliveries = host.extensions.queues.maxDequeueCount as number;
  const setting = world.services.stagingSettings().RUN_QUEUED_MAX_MINUTES;
  // Each delivery: a failing attempt (at most ~5 min of connection retries) then the visibility timeout.
  assert.ok(setting >= deliveries * (5 + visibilityMinutes), `${setting} < ${deliveries} × (5 + ${visibilityMinutes})`);
});
