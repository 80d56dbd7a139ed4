import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, test } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import type { Env } from '../../src/lib/config.js';
import { Services } from '../../src/lib/services.js';
import { MAX_DEQUEUE_COUNT, RUNS_QUEUE, runQueueFrom } from '../../src/lib/queue/client.js';
import { getRun } from '../../src/lib/staging/runs.js';
import { connecteur } from '../support/cli.js';
import { startAzurite, type Azurite } from './azurite.js';
import { handlersFor, type TestHandlers } from '../support/handlers.js';
import { useWorld } from '../support/fixture.js';

const { HttpRequest, InvocationContext } = functions;

let env: Env;
let azurite: Azurite;
let queue: QueueClient;
let h: TestHandlers;
const world = useWorld({ stagingInEnv: true, services: () => new Services(env) });
world.setup(async () => {
  azurite = await startAzurite();
  env = { ...world.env, AzureWebJobsStorage: azurite.connectionString };
  queue = new QueueClient(azurite.connectionString, RUNS_QUEUE);
});
world.teardown(async () => {
  await h.directory.close();
  await azurite?.stop();
});
beforeEach(async () => {
  await queue.createIfNotExists();
  await queue.clearMessages();
  h = handlersFor(world.services, runQueueFrom(env));
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Chantier 1', false)`);
});

interface Delivered {
  body: unknown;
  dequeueCount: number;
}

/** The next message of the run queue, as the host hands it to the trigger (base64 decoded, JSON parsed). */
async function nextMessage(): Promise<Delivered> {
  for (;;) {
    const {
      receivedMessageItems: [item],
    } = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
    if (item) {
      await queue.deleteMessage(item.messageId, item.popReceipt);
      return { body: JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')), dequeueCount: item.dequeueCount };
    }
    await new Promise((r) => setImmediate(r));
  }
}

function context(dequeueCount = 1, lines: string[] = []) {
  return new InvocationContext({
    invocationId: 'test',
    functionName: 'runQueue',
    triggerMetadata: { dequeueCount },
    logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')),
  });
}

const post = (url: string) => new HttpRequest({ method: 'POST', url: `http://localhost/api/${url}` });
const get = (url: string, runId?: string) =>
  new HttpRequest({ method: 'GET', url: `http://localhost/api/${url}`, params: runId ? { runId } : {} });
const body = (res: HttpResponseInit) => res.jsonBody as Record<string, any>;

test('POST a job: 202, queued run, Location; the queue handler runs it; GET /api/runs/{id} reports it', async () => {
  const res = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context());
  assert.equal(res.status, 202);
  const runId = body(res).runId as string;
  assert.equal((res.headers as Record<string, string>).location, `/api/runs/${runId}`);
  assert.equal((await getRun(world.db, runId))?.status, 'queued');
  assert.equal(world.sandbox.state.projects.size, 0, 'nothing ran in the request');

  const message = await nextMessage();
  assert.deepEqual(message.body, { runId, job: 'transfer-batisimply', company: 'default' });
  await h.runQueueHandler(message.body, context(message.dequeueCount));

  const answer = await h.getRunHandler(get(`runs/${runId}`, runId));
  assert.equal(answer.status, 200);
  assert.equal(body(answer).status, 'succeeded');
  assert.equal(body(answer).counts.created, 1);
  assert.equal(body(answer).company, 'default');
  assert.equal(world.sandbox.state.projects.size, 1);

  const list = await h.listRunsHandler(get('runs?job=transfer-batisimply&status=succeeded'));
  assert.deepEqual(
    body(list).runs.map((r: { runId: string }) => r.runId),
    [runId],
  );
  const none = await h.listRunsHandler(get('runs?status=failed'));
  assert.deepEqual(body(none).runs, []);
  // Every status of the report can be asked for, interrupted runs included.
  const interrupted = await h.listRunsHandler(get('runs?status=interrupted'));
  assert.equal(interrupted.status, 200);
  assert.deepEqual(body(interrupted).runs, []);
});

test('a chain on the queue: GET reports its steps', async () => {
  const res = await h.jobHandler('chantiers')(post('chantiers'), context());
  const runId = body(res).runId as string;
  await h.runQueueHandler((await nextMessage()).body, context());
  const view = body(await h.getRunHandler(get(`runs/${runId}`, runId)));
  assert.deepEqual(
    view.steps.map((s: { job: string }) => s.job),
    ['transfer', 'fin-chantiers', 'geocode-chantiers', 'transfer-batisimply'],
  );
  assert.equal(view.steps[3].status, 'succeeded');
});

test('?wait=60: answers the finished report when the run ends in time', async () => {
  const consumer = (async () => {
    const message = await nextMessage();
    await h.runQueueHandler(message.body, context(message.dequeueCount));
  })();
  const res = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply?wait=60'), context());
  await consumer;
  assert.equal(res.status, 200);
  assert.equal(body(res).status, 'succeeded');
  assert.equal(body(res).counts.created, 1);
});

test('?wait=0 or none: 202 at once; ?wait=121: 400', async () => {
  const res = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply?wait=0'), context());
  assert.equal(res.status, 202);
  const bad = await h.jobHandler('transfer')(post('transfer?wait=121'), context());
  assert.equal(bad.status, 400);
  assert.match(String(body(bad).message), /wait invalide/);
});

test('the same job queued already: 409 with its run id', async () => {
  const first = body(await h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context()));
  const second = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context());
  assert.equal(second.status, 409);
  assert.equal(body(second).runningRunId, first.runId);
});

test('a message delivered twice, even at once: the job runs once', async () => {
  world.sandbox.faults.add([{ route: 'GET /api/project', fault: 'latency', latencyMs: 500, times: 1 }]);
  const runId = body(await h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context())).runId;
  const message = await nextMessage();
  // Two instances get the same message (visibility timeout ran out): one runs, the other is turned away.
  const both = await Promise.allSettled([h.runQueueHandler(message.body, context(1)), h.runQueueHandler(message.body, context(2))]);
  assert.ok(both.some((r) => r.status === 'fulfilled'));
  // Whichever was turned away by the lock comes back later: it must see the run done and stop.
  await h.runQueueHandler(message.body, context(3));
  assert.equal((await getRun(world.db, runId))?.status, 'succeeded');
  assert.equal(world.sandbox.state.projects.size, 1);
  const { rows } = await world.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connecteur_runs');
  assert.equal(rows[0]!.n, 1);
});

test('a poison message: retried while deliveries remain, then the run fails with its reason and the failure is logged', async () => {
  const runId = body(await h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context())).runId;
  const message = await nextMessage();
  // The job's lock is held elsewhere for as long as the host keeps trying.
  const held = await (await h.directory.get().staging()).tryLock('connecteur:job:transfer-batisimply');
  assert.ok(held);
  try {
    await assert.rejects(h.runQueueHandler(message.body, context(1)), /déjà en cours/);
    const waiting = await getRun(world.db, runId);
    assert.equal(waiting?.status, 'queued');
    assert.match(String(waiting?.message), /déjà en cours/);

    const lines: string[] = [];
    await h.runQueueHandler(message.body, context(MAX_DEQUEUE_COUNT, lines));
    const failed = await getRun(world.db, runId);
    assert.equal(failed?.status, 'failed');
    assert.match(String(failed?.message), new RegExp(`Abandon après ${MAX_DEQUEUE_COUNT} tentatives : .*déjà en cours`));
    const finished = lines.filter((l) => l.startsWith('Fin du job transfer-batisimply : échec'));
    assert.equal(finished.length, 1, lines.join('\n'));
    assert.match(finished[0]!, /"event":"run\.finished"/);

    // The host then moves the message to the poison queue: the run is not ended (nor logged) twice.
    const poisonLines: string[] = [];
    await h.poisonQueueHandler(message.body, context(1, poisonLines));
    assert.equal(poisonLines.filter((l) => l.startsWith('Fin du job')).length, 0);
  } finally {
    await held.release();
  }
  assert.equal(world.sandbox.state.projects.size, 0);
});

test('a poison message whose last delivery crashed the worker: the poison handler fails the run and logs it', async () => {
  const runId = body(await h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context())).runId;
  const message = await nextMessage();
  const lines: string[] = [];
  await h.poisonQueueHandler(message.body, context(1, lines));
  assert.equal((await getRun(world.db, runId))?.status, 'failed');
  assert.equal(lines.filter((l) => l.startsWith('Fin du job transfer-batisimply : échec')).length, 1);
});

test('an unreadable message is dropped without a retry', async () => {
  await h.runQueueHandler({ nothing: true }, context(1));
  await h.runQueueHandler('pas du json', context(1));
});

test('timers enqueue, they do not run', async () => {
  await h.timerFunctions.chantiersTimer!.handler(
    { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } },
    context(),
  );
  const message = await nextMessage();
  assert.equal((message.body as { job: string }).job, 'chantiers');
  const run = await getRun(world.db, (message.body as { runId: string }).runId);
  assert.equal(run?.status, 'queued');
  assert.equal(run?.trigger, 'timer');
  assert.equal(world.sandbox.state.projects.size, 0);
  // A second tick while the first is still queued skips its turn instead of piling up.
  await h.timerFunctions.chantiersTimer!.handler(
    { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } },
    context(),
  );
  const { rows } = await world.db.query<{ status: string }>(`SELECT status FROM connecteur_runs ORDER BY status`);
  assert.deepEqual(
    rows.map((r) => r.status),
    ['queued', 'skipped'],
  );
});

test('host.json retries a message as many times as the handler expects', async () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const host = JSON.parse(await readFile(path.join(root, 'host.json'), 'utf8'));
  assert.equal(host.extensions.queues.maxDequeueCount, MAX_DEQUEUE_COUNT);
  assert.equal(host.extensions.queues.messageEncoding, 'base64');
});

test('connecteur run --queue records the run and enqueues it; without a storage account it is refused', async () => {
  const r = await connecteur(['run', 'transfer-batisimply', '--queue', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const { runId, status } = JSON.parse(r.stdout) as { runId: string; status: string };
  assert.equal(status, 'queued');
  assert.equal(((await nextMessage()).body as { runId: string }).runId, runId);
  assert.equal((await getRun(world.db, runId))?.trigger, 'cli');
  assert.doesNotMatch(
    r.stdout + r.stderr,
    /Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/,
    'the account key is never printed',
  );

  const { AzureWebJobsStorage: _, ...withoutQueue } = env;
  const refused = await connecteur(['run', 'transfer-batisimply', '--queue'], withoutQueue);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /Aucune file d’attente configurée/);
});
