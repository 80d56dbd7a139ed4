/** `POST /api/<job>` and the two timers: parse, run the job (or queue it), map the report to an answer. */
import type { HttpFunctionOptions, HttpRequest, InvocationContext, Timer, TimerFunctionOptions } from '@azure/functions';
import pLimit from 'p-limit';
import { RUNS_AT_ONCE } from '../../lib/config.js';
import { runJob } from '../../lib/sync/runner.js';
import { enqueueRun } from '../../lib/queue/runs.js';
import {
  answerMessage,
  contextLogger,
  errorResponse,
  httpStatusFor,
  json,
  readAllowMassDelete,
  readDryRun,
  type HandlerDeps,
} from './http.js';
import type { runHandlers } from './runs.js';
import { JOB_NAMES, type JobName } from '../../lib/sync/registry.js';

/** `enqueueAnswer`: the run API's (runs.ts), for the runs that go on the queue. */
export function jobHandlers(deps: HandlerDeps, enqueueAnswer: ReturnType<typeof runHandlers>['enqueueAnswer']) {
  function jobHandler(job: JobName) {
    return async (request: HttpRequest, context: InvocationContext) => {
      try {
        const dryRun = await readDryRun(request);
        const allowMassDelete = readAllowMassDelete(request);
        // With the host's storage configured (always in Azure) the run goes on the queue.
        const queue = deps.queue;
        if (queue) return await enqueueAnswer(job, { dryRun, allowMassDelete }, request, queue);
        const outcome = await runJob(deps.directory.get(request.query.get('company')), job, {
          trigger: 'http',
          dryRun,
          allowMassDelete,
          log: contextLogger(context, { trigger: 'http' }, deps.log),
          signal: deps.signal,
        });
        // The run finished, but a step could not: its report comes with the status of what stopped it.
        if (outcome.fatal) return json(httpStatusFor(outcome.fatal), { ...outcome.report, message: answerMessage(outcome.fatal) });
        return json(200, outcome.report);
      } catch (error) {
        return errorResponse(error);
      }
    };
  }

  function timerHandler(job: JobName) {
    return async (_timer: Timer, context: InvocationContext) => {
      const log = contextLogger(context, { trigger: 'timer' }, deps.log);
      const queue = deps.queue;
      // One message per company: one company's failure never holds up another's run. As many
      // companies at a time as the staging pool has connections: with 200 companies, 200 at once
      // would only queue on the pool, each holding its HTTP request to the queue open meanwhile.
      const leftover = deps.directory.warning();
      if (leftover) log.warn(leftover, { event: 'companies.leftover' });
      const limit = pLimit(RUNS_AT_ONCE + 1);
      const results = await Promise.allSettled(
        deps.directory.select().map((entry) =>
          limit(async () => {
            const { company } = entry;
            try {
              // A company whose own settings are invalid throws here, for itself alone.
              const { services } = entry;
              // BATIGEST_ACCESS=agent: while the agent is silent, one line per tick for the alert rule.
              await import('../../lib/agent/status.js')
                .then(({ logAgentSilence }) => logAgentSilence(services, log))
                .catch((error: unknown) =>
                  log.warn(`Lecture du battement de cœur de l'agent impossible : ${(error as Error).message}`, { company }),
                );
              // A job with no success for N × its schedule: one line per tick, for the alert rule.
              await import('../../lib/ops/noSuccess.js')
                .then(({ logNoSuccess }) => (job === 'chantiers' || job === 'heures' ? logNoSuccess(services, job, log) : null))
                .catch((error: unknown) =>
                  log.warn(`Lecture de la dernière réussite impossible : ${(error as Error).message}`, { company }),
                );
              // A timer that finds the job running records a skipped run instead of failing.
              if (queue) await enqueueRun(services, queue, { job, dryRun: false, trigger: 'timer', log: log.child({ company }) });
              else await runJob(services, job, { trigger: 'timer', log: log.child({ company }) });
            } catch (error) {
              log.error(`Le déclenchement planifié de ${job} a échoué pour ${company} : ${(error as Error).message}`, {
                event: 'timer.failed',
                company,
                job,
              });
              throw error;
            }
          }),
        ),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    };
  }

  const jobFunctions: Record<string, HttpFunctionOptions> = Object.fromEntries(
    JOB_NAMES.map((job) => [
      `job-${job}`,
      { methods: ['POST'], authLevel: 'function', route: job, handler: jobHandler(job) } satisfies HttpFunctionOptions,
    ]),
  );

  const timerFunctions: Record<string, TimerFunctionOptions> = {
    chantiersTimer: { schedule: '%CHANTIERS_SCHEDULE%', handler: timerHandler('chantiers') },
    heuresTimer: { schedule: '%HEURES_SCHEDULE%', handler: timerHandler('heures') },
  };

  return { jobHandler, jobFunctions, timerFunctions };
}
