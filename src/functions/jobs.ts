/** HTTP triggers `POST /api/<job>` and the two timers (handlers/jobs.ts). */
import functions from '@azure/functions';
import { applyHeapPolicy } from '../lib/heapPolicy.js';
import { createHandlers } from './handlers/index.js';
import { processDependencies } from './handlers/process.js';

// The worker that runs the jobs: their heap grows by half of what they keep (heapPolicy.ts).
applyHeapPolicy();

const { jobFunctions, timerFunctions } = createHandlers(processDependencies());
for (const [name, options] of Object.entries(jobFunctions)) functions.app.http(name, options);
for (const [name, options] of Object.entries(timerFunctions)) functions.app.timer(name, options);
