/** The queue triggers: a run's message, and the messages the host gave up on (handlers/queue.ts). */
import functions from '@azure/functions';
import { applyHeapPolicy } from '../lib/heapPolicy.js';
import { createHandlers } from './handlers/index.js';
import { processDependencies } from './handlers/process.js';

// The worker that runs the jobs: their heap grows by half of what they keep (heapPolicy.ts).
applyHeapPolicy();

const { queueFunctions } = createHandlers(processDependencies());
for (const [name, options] of Object.entries(queueFunctions)) functions.app.storageQueue(name, options);
