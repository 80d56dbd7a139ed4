/**
 * The run queue consumed outside the Functions host: `connecteur serve`, with the host's storage
 * configured, executes the runs that `connecteur run --queue`, the routes and the timers queue, as
 * the host's queue trigger would: one message at a time, hidden while it runs, delivered again
 * after a failure, and handed to the poison handler once MAX_DEQUEUE_COUNT deliveries failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { toConnectorError } from '../errors.js';
import type { Logger } from '../log.js';
import { MAX_DEQUEUE_COUNT, type ReceivedRun } from './client.js';

export interface RunSource {
  receive(visibilitySeconds: number): Promise<ReceivedRun | null>;
}

export interface ConsumerHandlers {
  /** Executes one message; throws to have it delivered again (executeRunMessage's rule). */
  run(body: unknown, dequeueCount: number): Promise<void>;
  /** The message the last delivery could not finish: its run is ended. */
  poison(body: unknown): Promise<void>;
}

export interface QueueConsumer {
  /** Stops taking messages, and waits for the one under way. */
  stop(): Promise<void>;
}

/** A run may take long: hidden this long while it runs, like the host's default visibility. */
const VISIBILITY_SECONDS = 600;

export function consumeRunQueue(
  source: RunSource,
  handlers: ConsumerHandlers,
  options: { log: Logger; idleMs?: number; visibilitySeconds?: number },
): QueueConsumer {
  const stopping = new AbortController();
  const idleMs = options.idleMs ?? 1_000;
  let lastProblem = '';

  const idle = () => sleep(idleMs, undefined, { signal: stopping.signal }).catch(() => {});

  async function deliver(message: ReceivedRun) {
    try {
      await handlers.run(message.body, message.dequeueCount);
      await message.delete();
    } catch (error) {
      if (message.dequeueCount >= MAX_DEQUEUE_COUNT) {
        await handlers.poison(message.body);
        await message.delete();
      } else {
        // Again soon, then less often: a busy job or an outage clears in seconds or minutes.
        await message.release(Math.min(2 ** message.dequeueCount, 60));
        options.log.debug(`Exécution remise en file : ${toConnectorError(error).message}`, { event: 'run.retry' });
      }
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let message: ReceivedRun | null = null;
      try {
        message = await source.receive(options.visibilitySeconds ?? VISIBILITY_SECONDS);
        lastProblem = '';
      } catch (error) {
        // Said once, not every second: the queue stays unreachable until someone starts it.
        const problem = toConnectorError(error).message;
        if (problem !== lastProblem) options.log.warn(problem, { event: 'queue.unreachable' });
        lastProblem = problem;
      }
      if (message) await deliver(message).catch((error) => options.log.error(toConnectorError(error).message));
      else await idle();
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
