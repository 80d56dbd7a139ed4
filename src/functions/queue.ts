/** The queue triggers: execute a run's message; end the run whose message the host gave up on. */
import functions, { type InvocationContext, type StorageQueueFunctionOptions } from '@azure/functions';
import { applyHeapPolicy } from '../lib/heapPolicy.js';
import { MAX_DEQUEUE_COUNT, RUNS_POISON_QUEUE, RUNS_QUEUE, runMessageSchema } from '../lib/queue/client.js';
import { abandonRun, executeRunMessage } from '../lib/queue/runs.js';
import { companies, contextLogger } from './http.js';

// The worker that runs the jobs: their heap grows by half of what they keep (heapPolicy.ts).
applyHeapPolicy();

const servicesOf = (company: string) => companies().get(company);

export async function runQueueHandler(message: unknown, context: InvocationContext) {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  await executeRunMessage(servicesOf, message, { dequeueCount, log: contextLogger(context, { trigger: 'queue' }) });
}

/** A message lands here after its last delivery failed without the handler seeing it (a crashed worker). */
export async function poisonQueueHandler(message: unknown, context: InvocationContext) {
  const log = contextLogger(context, { trigger: 'queue-poison' });
  const parsed = runMessageSchema.safeParse(message);
  if (!parsed.success) return log.error('Message illisible dans la file des messages abandonnés.', { event: 'run.message.invalid' });
  await abandonRun(servicesOf, parsed.data, `Message abandonné par la file après ${MAX_DEQUEUE_COUNT} tentatives.`, 'internal', log);
}

export const queueFunctions: Record<string, StorageQueueFunctionOptions> = {
  runQueue: { queueName: RUNS_QUEUE, connection: 'AzureWebJobsStorage', handler: runQueueHandler },
  runQueuePoison: { queueName: RUNS_POISON_QUEUE, connection: 'AzureWebJobsStorage', handler: poisonQueueHandler },
};

for (const [name, options] of Object.entries(queueFunctions)) functions.app.storageQueue(name, options);
