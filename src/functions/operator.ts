/** Operator routes: GET /api/status, GET /api/dashboard, POST /api/connect-* (handlers/operator.ts). */
import functions from '@azure/functions';
import { createHandlers } from './handlers/index.js';
import { processDependencies } from './handlers/process.js';

const { operatorFunctions } = createHandlers(processDependencies());
for (const [name, options] of Object.entries(operatorFunctions)) functions.app.http(name, options);
