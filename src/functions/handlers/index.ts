/**
 * Every trigger's handler, made from what it runs against: the entry files of src/functions make
 * them with the worker's own dependencies (process.ts) and register them; `connecteur serve`
 * makes them with its own (runs in its process) and mounts the HTTP ones; tests with theirs.
 */
import type { HttpFunctionOptions } from '@azure/functions';
import { auditHandlers } from './audit.js';
import type { HandlerDeps } from './http.js';
import { jobHandlers } from './jobs.js';
import { operatorHandlers } from './operator.js';
import { queueHandlers } from './queue.js';
import { resendHandlers } from './resend.js';
import { runHandlers } from './runs.js';

export type { HandlerDeps } from './http.js';

export function createHandlers(deps: HandlerDeps) {
  const runs = runHandlers(deps);
  const jobs = jobHandlers(deps, runs.enqueueAnswer);
  const operator = operatorHandlers(deps);
  const audit = auditHandlers(deps);
  const queue = queueHandlers(deps);
  const resend = resendHandlers(deps);
  /** Every HTTP route, by function name: what the host registers, and what `serve` mounts. */
  const httpFunctions: Record<string, HttpFunctionOptions> = {
    ...jobs.jobFunctions,
    ...operator.operatorFunctions,
    ...runs.runFunctions,
    ...audit.auditFunctions,
    ...resend.resendFunctions,
  };
  return { ...runs, ...jobs, ...operator, ...audit, ...queue, ...resend, httpFunctions };
}

export type Handlers = ReturnType<typeof createHandlers>;
