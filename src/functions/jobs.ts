/** HTTP triggers `POST /api/<job>` and the two timers: parse, run the job, map the report to an answer. */
import functions, {
  type HttpFunctionOptions,
  type HttpRequest,
  type InvocationContext,
  type Timer,
  type TimerFunctionOptions,
} from '@azure/functions';
import { applyHeapPolicy } from '../lib/heapPolicy.js';
import { runJob } from '../lib/sync/runner.js';
import { enqueueRun } from '../lib/queue/runs.js';
import {
  answerMessage,
  companies,
  contextLogger,
  errorResponse,
  httpStatusFor,
  json,
  readAllowMassDelete,
  readDryRun,
  runQueue,
} from './http.js';
import { enqueueAnswer } from './runs.js';
import { JOB_NAMES, type JobName } from '../lib/sync/registry.js';

// The worker that runs the jobs: their heap grows by half of what they keep (heapPolicy.ts).
applyHeapPolicy();

export function jobHandler(job: JobName) {
  return async (request: HttpRequest, context: InvocationContext) => {
    try {
      const dryRun = await readDryRun(request);
      const allowMassDelete = readAllowMassDelete(request);
      // With the host's storage configured (always in Azure) the run goes on the queue.
      const queue = runQueue();
      if (queue) return await enqueueAnswer(job, { dryRun, allowMassDelete }, request, queue);
      const outcome = await runJob(companies().get(request.query.get('company')), job, {
        trigger: 'http',
        dryRun,
        allowMassDelete,
        log: contextLogger(context, { trigger: 'http' }),
      });
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
    const queue = runQueue();
    // One message per company: one company's failure never holds up another's run.
    const results = await Promise.allSettled(
      companies()
        .select()
        .map(async ({ company, services }) => {
          try {
            // BATIGEST_ACCESS=agent: while the agent is silent, one line per tick for the alert rule.
            await import('../lib/agent/status.js')
              .then(({ logAgentSilence }) => logAgentSilence(services, log))
              .catch((error: unknown) =>
              log.warn(`Lecture du battement de cœur de l'agent impossible : ${(error as Error).message}`, { company }),
            );
            // A timer that finds the job running records a skipped run instead of failing.
            if (queue) await enqueueRun(services, queue, { job, dryRun: false, trigger: 'timer' });
            else await runJob(services, job, { trigger: 'timer', log: log.child({ company }) });
          } catch (error) {
            log.error(`Le déclenchement planifié de ${job} a échoué pour ${company} : ${(error as Error).message}`, { company });
            throw error;
          }
        }),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
}

export const timerFunctions: Record<string, TimerFunctionOptions> = {
  chantiersTimer: { schedule: '%CHANTIERS_SCHEDULE%', handler: timerHandler('chantiers') },
  heuresTimer: { schedule: '%HEURES_SCHEDULE%', handler: timerHandler('heures') },
};

for (const [name, options] of Object.entries(jobFunctions)) functions.app.http(name, options);
for (const [name, options] of Object.entries(timerFunctions)) functions.app.timer(name, options);
