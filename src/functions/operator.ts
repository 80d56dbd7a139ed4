/**
 * Operator routes: GET /api/status, GET /api/dashboard, POST /api/connect-* (handlers/operator.ts),
 * and the audit's remedies POST /api/chantiers/{code}/renvoyer, POST /api/heures/{id}/renvoyer (handlers/resend.ts).
 */
import functions from '@azure/functions';
import { createHandlers } from './handlers/index.js';
import { processDependencies } from './handlers/process.js';

const { operatorFunctions, resendFunctions } = createHandlers(processDependencies());
for (const [name, options] of Object.entries({ ...operatorFunctions, ...resendFunctions })) functions.app.http(name, options);
