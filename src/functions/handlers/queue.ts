/** The queue triggers: execute a run's message; end the run whose message the host gave up on. */
import type { InvocationContext, StorageQueueFunctionOptions } from '@azure/functions';
import { MAX_DEQUEUE_COUNT, RUNS_POISON_QUEUE, RUNS_QUEUE, runMessageSchema } from '../../lib/queue/client.js';
import { abandonRun, executeRunMessage } from '../../lib/queue/runs.js';
import { UpstreamError } from '../../lib/errors.js';
import { contextLogger, type HandlerDeps } from './http.js';

export function queueHandlers(deps: HandlerDeps) {
  const servicesOf = (company: string) => deps.directory.get(company);

  async function runQueueHandler(message: unknown, context: InvocationContext) {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
    await executeRunMessage(servicesOf, message, {
      dequeueCount,
      log: contextLogger(context, { trigger: 'queue' }, deps.log),
      signal: deps.signal,
    });
  }

  /** A message lands here after its last delivery failed without the handler seeing it (a crashed worker). */
  async function poisonQueueHandler(message: unknown, context: InvocationContext) {
    const log = contextLogger(context, { trigger: 'queue-poison' }, deps.log);
    const parsed = runMessageSchema.safeParse(message);
    if (!parsed.success) return log.error('Message illisible dans la file des messages abandonnés.', { event: 'run.message.invalid' });
    log.error(
      `Message de l’exécution ${parsed.data.runId} dans la file des abandons (${parsed.data.job}, société ${parsed.data.company}).`,
      {
        event: 'queue.poison',
        company: parsed.data.company,
        job: parsed.data.job,
        runId: parsed.data.runId,
      },
    );
    const ended = await abandonRun(
      servicesOf,
      parsed.data,
      `Message abandonné par la file après ${MAX_DEQUEUE_COUNT} tentatives.`,
      'internal',
      log,
    );
    // Staging still unreachable: thrown, so that the host delivers it again; past its own tries the
    // row is ended anyway by the next request for the job (queued past its last delivery, staleRuns.ts).
    if (ended === 'unwritten')
      throw new UpstreamError('staging', `Exécution ${parsed.data.runId} non marquée : base de staging injoignable.`);
  }

  const queueFunctions: Record<string, StorageQueueFunctionOptions> = {
    runQueue: { queueName: RUNS_QUEUE, connection: 'AzureWebJobsStorage', handler: runQueueHandler },
    runQueuePoison: { queueName: RUNS_POISON_QUEUE, connection: 'AzureWebJobsStorage', handler: poisonQueueHandler },
  };

  return { runQueueHandler, poisonQueueHandler, queueFunctions };
}
