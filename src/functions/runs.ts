/** The run API: GET /api/runs/{runId}, GET /api/runs (handlers/runs.ts). */
import functions from '@azure/functions';
import { createHandlers } from './handlers/index.js';
import { processDependencies } from './handlers/process.js';

const { runFunctions } = createHandlers(processDependencies());
for (const [name, options] of Object.entries(runFunctions)) functions.app.http(name, options);
