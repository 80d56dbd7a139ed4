/** HTTP triggers `POST /api/<job>` and the two timers: parse, run the job, map the report to an answer. */
import functions, { type HttpFunctionOptions, type HttpRequest, type InvocationContext, type Timer, type TimerFunctionOptions } from '@azure/functions';
import { JOB_NAMES, type JobName } from '../lib/sync/jobs.js';
import { runJob } from '../lib/sync/runner.js';
import { answerMessage, contextLogger, errorResponse, httpStatusFor, json, readAllowMassDelete, readDryRun, services } from './http.js';

export function jobHandler(job: JobName) {
  return async (request: HttpRequest, context: InvocationContext) => {
    try {
      const dryRun = await readDryRun(request);
      const allowMassDelete = readAllowMassDelete(request);
      const outcome = await runJob(services(), job, { trigger: 'http', dryRun, allowMassDelete, log: contextLogger(context, { trigger: 'http' }) });
      // The run finished, but a step could not: its report comes with the status of what stopped it.
      if (outcome.fatal) return json(httpStatusFor(outcome.fatal), { ...outcome.report, message: answerMessage(outcome.fatal) });
      return json(200, outcome.report);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export const jobFunctions: Record<string, HttpFunctionOptions> = Object.fromEntries(
  JOB_NAMES.map((job) => [
    `job-${job}`,
    { methods: ['POST'], authLevel: 'function', route: job, handler: jobHandler(job) } satisfies HttpFunctionOptions,
  ]),
);

function timerHandler(job: JobName) {
  return async (_timer: Timer, context: InvocationContext) => {
    const log = contextLogger(context, { trigger: 'timer' });
    try {
      // A timer that finds the job running records a skipped run instead of failing.
      await runJob(services(), job, { trigger: 'timer', log });
    } catch (error) {
      log.error(`Le déclenchement planifié de ${job} a échoué : ${(error as Error).message}`);
      throw error;
    }
  };
}

export const timerFunctions: Record<string, TimerFunctionOptions> = {
  chantiersTimer: { schedule: '%CHANTIERS_SCHEDULE%', handler: timerHandler('chantiers') },
  heuresTimer: { schedule: '%HEURES_SCHEDULE%', handler: timerHandler('heures') },
};

for (const [name, options] of Object.entries(jobFunctions)) functions.app.http(name, options);
for (const [name, options] of Object.entries(timerFunctions)) functions.app.timer(name, options);
