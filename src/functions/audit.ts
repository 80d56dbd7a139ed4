/** GET /api/audit: the reconciliation audit (handlers/audit.ts). */
import functions from '@azure/functions';
import { createHandlers } from './handlers/index.js';
import { processDependencies } from './handlers/process.js';

const { auditFunctions } = createHandlers(processDependencies());
for (const [name, options] of Object.entries(auditFunctions)) functions.app.http(name, options);
