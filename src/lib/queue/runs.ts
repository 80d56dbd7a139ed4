/**
 * Runs on the queue. The sending side records the run as 'queued' then sends its message; the
 * receiving side (the host's queue trigger) executes it. A message delivered twice never runs a
 * job twice: a run leaves 'queued' once, claimed under the job's lock (runner.ts).
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, errorKindOf, toConnectorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import { activeRunId, failUnfinishedRun, getRun, insertRun, insertQueuedRun, noteFailedDelivery, setErrorKind } from '../staging/runs.js';
import { logFinished, runJob, type RunOptions } from '../sync/runner.js';
import { jobsUnderLock } from '../sync/locks.js';
import { reclaimDeadRuns } from '../sync/staleRuns.js';
import { refuseIfLeftToAgent } from '../sync/access.js';
import { MAX_DEQUEUE_COUNT, runMessageSchema, type RunQueue } from './client.js';
import type { ErrorKind, Trigger } from '../domain/runs.js';
import type { JobName } from '../sync/registry.js';

export interface Enqueued {
  runId: string;
  /** A timer that found the job queued or running already: recorded as skipped, nothing sent. */
  skipped?: boolean;
}

export async function enqueueRun(
  services: Services,
  queue: RunQueue,
  request: { job: JobName; dryRun: boolean; trigger: Trigger; allowMassDelete?: boolean; log?: Logger },
): Promise<Enqueued> {
  // Refused here, not after the message went round the queue: the answer says so at once.
  refuseIfLeftToAgent(services, request.job, request.trigger);
  const db = await services.staging();
  const runId = randomUUID();
  const { allowMassDelete, log, ...run } = request;
  const jobs = jobsUnderLock(request.job);
  let active = await activeRunId(db, jobs);
  // The run in the way may be dead (its worker killed, its message lost): its lock or its age tell.
  if (active && (await reclaimDeadRuns(db, jobs, { queuedMaxMinutes: queuedMaxMinutes(services), log })).length > 0)
    active = await activeRunId(db, jobs);
  try {
    if (active) {
      const message = `Le job « ${request.job} » est déjà en cours ou en file d’attente (exécution ${active}).`;
      throw new ConflictError(message, active);
    }
    // Two requests may both pass the check above: the index of migration 009 refuses the second.
    await insertQueuedRun(db, { runId, ...run });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // As for in-process runs: an operator is told, a timer records that it skipped its turn.
    if (request.trigger !== 'timer') throw error;
    await insertRun(db, {
      runId,
      job: request.job,
      parentRunId: null,
      trigger: 'timer',
      dryRun: request.dryRun,
      status: 'skipped',
      message: error.message,
    });
    return { runId, skipped: true };
  }
  try {
    await queue.send({ runId, job: request.job, company: services.scope.company, ...(allowMassDelete ? { allowMassDelete } : {}) });
  } catch (error) {
    const e = toConnectorError(error);
    await failUnfinishedRun(db, runId, e.message, errorKindOf(e));
    throw e;
  }
  return { runId };
}

const queuedMaxMinutes = (services: Services) => services.stagingSettings().RUN_QUEUED_MAX_MINUTES;

export interface Delivery {
  /** How many times the host has handed this message over, this one included. */
  dequeueCount: number;
  log: Logger;
  /** Aborted when the process is asked to stop: the run ends between two batches, interrupted. */
  signal?: AbortSignal;
}

export type Executed = 'ran' | 'duplicate' | 'ignored' | 'abandoned';

/**
 * Executes one message. A failure that stops the run from starting (job busy, staging
 * unreachable) is thrown so that the host delivers the message again; at the last delivery the
 * run is marked failed with its reason, and logged as a finished run so the failure alert sees it.
 */
export async function executeRunMessage(servicesOf: (company: string) => Services, body: unknown, delivery: Delivery): Promise<Executed> {
  const parsed = runMessageSchema.safeParse(typeof body === 'string' ? safeJson(body) : body);
  if (!parsed.success) {
    // Nothing to run nor to mark: trying again would not make it readable.
    delivery.log.error('Message de la file illisible : ignoré.', { event: 'run.message.invalid' });
    return 'ignored';
  }
  const { job, company, allowMassDelete } = parsed.data;
  let { runId } = parsed.data;
  const log = delivery.log.child({ runId, job, company, dequeueCount: delivery.dequeueCount });
  try {
    const services = servicesOf(company);
    const db = await services.staging();
    const run = await getRun(db, runId);
    if (!run) {
      log.warn('Exécution inconnue de l’historique : message ignoré.');
      return 'ignored';
    }
    let options: RunOptions = { trigger: run.trigger, dryRun: run.dryRun, allowMassDelete, runId, log, signal: delivery.signal };
    if (run.status === 'running') {
      // Redelivered while its row says running: the worker that claimed it may have died (killed,
      // timed out, scaled in). Its lock tells; when free, the run is ended and runs again here.
      const reclaimed = await reclaimDeadRuns(db, [job], { queuedMaxMinutes: queuedMaxMinutes(services), log, runId });
      if (reclaimed.length === 0) {
        log.info('Message en double ignoré : l’exécution est en cours dans un autre processus.', { event: 'run.duplicate' });
        return 'duplicate';
      }
      log.warn(`Exécution ${runId} reprise : une nouvelle exécution du job ${job} part de cette livraison.`, { event: 'run.rerun' });
      options = { ...options, runId: undefined };
    } else if (run.status === 'queued') {
      // How long it waited in the queue: the queue-age alert reads it (event run.dequeued).
      const waitedSeconds = Math.round((Date.now() - Date.parse(run.startedAt)) / 1000);
      log.info(`Exécution prise dans la file après ${waitedSeconds} s d’attente.`, { event: 'run.dequeued', company, job, waitedSeconds });
    } else {
      log.info(`Message en double ignoré : l’exécution est déjà ${run.status}.`, { event: 'run.duplicate' });
      return 'duplicate';
    }
    const outcome = await runJob(services, job, options);
    if (outcome.duplicate) {
      log.info('Message en double ignoré : l’exécution a été prise par une autre livraison.', { event: 'run.duplicate' });
      return 'duplicate';
    }
    runId = outcome.report.runId;
    if (outcome.fatal) await setErrorKind(db, runId, errorKindOf(outcome.fatal));
    return 'ran';
  } catch (error) {
    const e = toConnectorError(error);
    if (delivery.dequeueCount < MAX_DEQUEUE_COUNT) {
      log.warn(`Exécution reportée (tentative ${delivery.dequeueCount}/${MAX_DEQUEUE_COUNT}) : ${e.message}`, { code: e.code });
      await servicesOfSafe(servicesOf, company, (db) => noteFailedDelivery(db, runId, e.message));
      throw e;
    }
    const ended = await abandonRun(
      servicesOf,
      { runId, job, company },
      `Abandon après ${delivery.dequeueCount} tentatives : ${e.message}`,
      errorKindOf(e),
      log,
    );
    // Not marked (staging still unreachable): thrown, so that the host moves the message to the
    // poison queue, whose handler tries again, instead of deleting it with the row left queued.
    if (ended === 'unwritten') {
      log.error(`Exécution ${runId} non marquée après la dernière tentative : message envoyé à la file des abandons.`, {
        event: 'run.poisoned',
        code: e.code,
      });
      throw e;
    }
    return 'abandoned';
  }
}

/**
 * Marks a run that will not run failed, and logs it the way a finished run is logged
 * (`Fin du job <job> : échec`, event run.finished, status failed), so the failure alert covers it.
 */
export async function abandonRun(
  servicesOf: (company: string) => Services,
  message: { runId: string; job: string; company: string },
  reason: string,
  kind: ErrorKind,
  log: Logger,
): Promise<'marked' | 'ended' | 'unwritten'> {
  const failed = await servicesOfSafe(servicesOf, message.company, (db) => failUnfinishedRun(db, message.runId, reason, kind));
  if (failed === UNWRITTEN) return 'unwritten';
  // Ended already (by its last delivery, or it finished after all): logged once, when it ended.
  if (failed === null) return 'ended';
  logFinished(log, message.job, 'failed', { runId: message.runId, company: message.company, reason });
  return 'marked';
}

const UNWRITTEN = Symbol('unwritten');

/** Bookkeeping that must not hide the error being handled (the staging database may be what failed). */
async function servicesOfSafe(
  servicesOf: (company: string) => Services,
  company: string,
  fn: (db: Awaited<ReturnType<Services['staging']>>) => Promise<unknown>,
): Promise<unknown> {
  try {
    return await fn(await servicesOf(company).staging());
  } catch {
    // Already being reported by the caller.
    return UNWRITTEN;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
  }
}
