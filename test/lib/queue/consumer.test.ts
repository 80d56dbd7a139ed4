/**
 * The run queue consumed outside the Functions host (`connecteur serve`), in process: the serve
 * tests run it in a child process, where the mutation tool cannot see it. A scripted source stands
 * in for the queue, so each delivery, release and poison is observed as it happens.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_DEQUEUE_COUNT, type ReceivedRun } from '../../../src/lib/queue/client.js';
import { consumeRunQueue, type ConsumerHandlers } from '../../../src/lib/queue/consumer.js';
import { UpstreamError } from '../../../src/lib/errors.js';
import type { Logger } from '../../../src/lib/log.js';

interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

function recordingLog(lines: Line[]): Logger {
  const at =
    (level: Line['level']) =>
    (message: string, fields?: Record<string, unknown>): void =>
      void lines.push({ level, message, fields });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

interface Message extends ReceivedRun {
  events: string[];
}

function message(body: unknown, dequeueCount: number, faults: { delete?: Error } = {}): Message {
  const events: string[] = [];
  return {
    body,
    dequeueCount,
    events,
    async delete() {
      events.push('delete');
      if (faults.delete) throw faults.delete;
    },
    async release(seconds) {
      events.push(`release ${seconds}`);
    },
  };
}

/**
 * Hands out `script` in order (a message, null for an empty queue, or an error to throw), then
 * answers null; `drained` resolves once the script is used up, so a test stops the consumer then.
 */
function scriptedSource(script: (ReceivedRun | null | Error)[]) {
  const visibilities: number[] = [];
  let drainedNow!: () => void;
  const drained = new Promise<void>((resolve) => (drainedNow = resolve));
  return {
    visibilities,
    drained,
    async receive(visibilitySeconds: number): Promise<ReceivedRun | null> {
      visibilities.push(visibilitySeconds);
      const next = script.shift();
      if (script.length === 0) drainedNow();
      if (next instanceof Error) throw next;
      return next ?? null;
    },
  };
}

function recordingHandlers(fail: (body: unknown, dequeueCount: number) => Error | undefined = () => undefined) {
  const calls: string[] = [];
  const handlers: ConsumerHandlers = {
    async run(body, dequeueCount) {
      calls.push(`run ${JSON.stringify(body)} #${dequeueCount}`);
      const error = fail(body, dequeueCount);
      if (error) throw error;
    },
    async poison(body) {
      calls.push(`poison ${JSON.stringify(body)}`);
    },
  };
  return { calls, handlers };
}

/** Runs the consumer over the script and stops it once the script is used up. */
async function consume(script: (ReceivedRun | null | Error)[], handlers: ConsumerHandlers, options: { visibilitySeconds?: number } = {}) {
  const lines: Line[] = [];
  const source = scriptedSource([...script, null]);
  const consumer = consumeRunQueue(source, handlers, { log: recordingLog(lines), idleMs: 0, ...options });
  await source.drained;
  await consumer.stop();
  return { lines, visibilities: source.visibilities };
}

describe('queue consumer (connecteur serve)', () => {
  test('a run that succeeds is deleted, never released nor poisoned', async () => {
    const m = message({ runId: 'a' }, 1);
    const { calls, handlers } = recordingHandlers();
    const { lines } = await consume([m], handlers);
    assert.deepEqual(calls, ['run {"runId":"a"} #1']);
    assert.deepEqual(m.events, ['delete']);
    assert.deepEqual(lines, []);
  });

  test('a failed delivery is released for later, sooner at first then less often, and noted at debug level', async () => {
    const messages = [1, 2, 3, MAX_DEQUEUE_COUNT - 1].map((n) => message({ n }, n));
    const { calls, handlers } = recordingHandlers(() => new UpstreamError('batisimply', 'BatiSimply injoignable'));
    const { lines } = await consume(messages, handlers);
    assert.equal(calls.length, 4);
    assert.deepEqual(
      messages.map((m) => m.events),
      [['release 2'], ['release 4'], ['release 8'], [`release ${2 ** (MAX_DEQUEUE_COUNT - 1)}`]],
    );
    assert.equal(lines.length, 4);
    for (const line of lines) {
      assert.equal(line.level, 'debug');
      assert.equal(line.message, 'Exécution remise en file : BatiSimply injoignable');
      assert.deepEqual(line.fields, { event: 'run.retry' });
    }
  });

  test('the last delivery that fails hands the message to the poison handler, then deletes it', async () => {
    const last = message({ runId: 'p' }, MAX_DEQUEUE_COUNT);
    // A message delivered more often than the limit (the host's count is not ours to trust) is poison too.
    const beyond = message({ runId: 'q' }, MAX_DEQUEUE_COUNT + 1);
    const { calls, handlers } = recordingHandlers(() => new Error('encore'));
    await consume([last, beyond], handlers);
    assert.deepEqual(calls, [
      `run {"runId":"p"} #${MAX_DEQUEUE_COUNT}`,
      'poison {"runId":"p"}',
      `run {"runId":"q"} #${MAX_DEQUEUE_COUNT + 1}`,
      'poison {"runId":"q"}',
    ]);
    assert.deepEqual(last.events, ['delete']);
    assert.deepEqual(beyond.events, ['delete']);
  });

  test('a message that ran but could not be deleted is released for another delivery', async () => {
    const broken = message({ runId: 'x' }, 1, { delete: new Error('suppression refusée') });
    const next = message({ runId: 'y' }, 1);
    const { calls, handlers } = recordingHandlers();
    const { lines } = await consume([broken, next], handlers);
    // The delete failed after a successful run: that is a failed delivery, released for another try.
    assert.deepEqual(broken.events, ['delete', 'release 2']);
    assert.deepEqual(next.events, ['delete']);
    assert.deepEqual(calls, ['run {"runId":"x"} #1', 'run {"runId":"y"} #1']);
    assert.ok(lines.some((l) => l.level === 'debug' && /suppression refusée/.test(l.message)));
  });

  test('a poison handler that fails is logged as an error, and the next message still runs', async () => {
    const last = message({ runId: 'p' }, MAX_DEQUEUE_COUNT);
    const next = message({ runId: 'n' }, 1);
    const lines: Line[] = [];
    const calls: string[] = [];
    const source = scriptedSource([last, next, null]);
    const consumer = consumeRunQueue(
      source,
      {
        async run(body) {
          calls.push(`run ${JSON.stringify(body)}`);
          if ((body as { runId: string }).runId === 'p') throw new Error('échec');
        },
        async poison() {
          throw new Error('historique injoignable');
        },
      },
      { log: recordingLog(lines), idleMs: 0 },
    );
    await source.drained;
    await consumer.stop();
    assert.deepEqual(calls, ['run {"runId":"p"}', 'run {"runId":"n"}']);
    assert.deepEqual(last.events, []);
    assert.deepEqual(
      lines.map((l) => [l.level, l.message]),
      [['error', 'Erreur interne : historique injoignable']],
    );
  });

  test('an unreachable queue is said once per distinct problem, and again after it came back', async () => {
    const down = () => new UpstreamError('queue', 'File d’attente des exécutions injoignable : ECONNREFUSED');
    const other = new UpstreamError('queue', 'File d’attente des exécutions injoignable : ETIMEDOUT');
    const { handlers } = recordingHandlers();
    const { lines } = await consume([down(), down(), other, down(), null, down()], handlers);
    assert.deepEqual(
      lines.map((l) => [l.level, l.message, l.fields?.event]),
      [
        ['warn', 'File d’attente des exécutions injoignable : ECONNREFUSED', 'queue.unreachable'],
        ['warn', 'File d’attente des exécutions injoignable : ETIMEDOUT', 'queue.unreachable'],
        ['warn', 'File d’attente des exécutions injoignable : ECONNREFUSED', 'queue.unreachable'],
        ['warn', 'File d’attente des exécutions injoignable : ECONNREFUSED', 'queue.unreachable'],
      ],
    );
  });

  test('each message is hidden 600 s while it runs unless told otherwise', async () => {
    const { handlers } = recordingHandlers();
    const byDefault = (await consume([null], handlers)).visibilities;
    assert.ok(byDefault.length >= 2 && byDefault.every((s) => s === 600), String(byDefault));
    const told = (await consume([null], handlers, { visibilitySeconds: 30 })).visibilities;
    assert.ok(told.length >= 2 && told.every((s) => s === 30), String(told));
  });

  test('stop ends an idle wait at once and waits for the message under way', async () => {
    const lines: Line[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    const m = message({ runId: 'long' }, 1);
    const source = scriptedSource([m]);
    const consumer = consumeRunQueue(
      source,
      {
        async run() {
          started();
          await finishing;
        },
        async poison() {},
      },
      // An hour between polls: only the abort can end the wait that follows the message.
      { log: recordingLog(lines), idleMs: 3_600_000 },
    );
    await running;
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, 'stop waits for the run under way');
    finish();
    await stopping;
    assert.deepEqual(m.events, ['delete']);
  });

  test('stop ends the wait of an idle consumer at once', async () => {
    const lines: Line[] = [];
    const source = scriptedSource([null]);
    // An hour between polls: the test ends only if stop aborts the wait.
    const consumer = consumeRunQueue(source, recordingHandlers().handlers, { log: recordingLog(lines), idleMs: 3_600_000 });
    await source.drained;
    await consumer.stop();
    assert.equal(source.visibilities.length, 1);
  });
});
