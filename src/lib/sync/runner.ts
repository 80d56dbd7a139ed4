/**
 * Runs a job: one run per job at a time (a lock in the staging database, across processes and
 * instances), recorded in the run history with its counts and its failed or held records.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, StopRequestedError, toConnectorError, type ConnectorError } from '../errors.js';
import { createLogger, silentSink, type Logger } from '../log.js';
import type { Services } from '../services.js';
import type { HeldLock, StagingDb } from '../staging/db.js';
import {
  closeInterruptedRuns,
  finishRun,
  insertRun,
  lastStartedAt,
  openIssueKeys,
  pruneHistory,
  startRun,
  queuedRun,
  recordOutcomes,
  runningRunId,
  updateProgress,
} from '../staging/runs.js';
import type { SyncSettings } from '../config.js';
import { frenchTime } from '../time.js';
import { ReportBuilder } from './report.js';
import type { JobContext, Section, SectionSettings } from './context.js';
import { jobsUnderLock, tryJobLock } from './locks.js';
import { isChain, STEPS, stepsOf, type JobName, type StepJobName } from './registry.js';
import {
  chainStatus,
  emptyCounts,
  RUN_BY_AGENT,
  STATUS_FR,
  STOP_REQUESTED,
  type AnyReport,
  type RunReport,
  type RunStatus,
  type Trigger,
} from '../domain/runs.js';
import { leftToAgent, refuseIfLeftToAgent } from './access.js';
import { reclaimDeadRuns } from './staleRuns.js';

export interface RunOptions {
  dryRun?: boolean;
  /** Lets recup-heures mark deleted more slots than HEURES_MASS_DELETE_MAX_RATIO allows. */
  allowMassDelete?: boolean;
  trigger: Trigger;
  log?: Logger;
  onProgress?: (progress: { job: string; done: number; total: number }) => void;
  /** A run taken from the queue: its 'queued' row is claimed instead of a new one recorded. */
  runId?: string;
  /**
   * Aborted when the process is asked to stop: the running step ends between two batches and is
   * recorded as interrupted (« arrêt demandé »); a chain starts no further step.
   */
  signal?: AbortSignal;
  /**
   * A scheduled run's occurrence: when a run of the job that went through (succeeded or partial)
   * started at or after this time already (another agent, started by mistake, took the same
   * occurrence), nothing runs and nothing is recorded (`duplicate`).
   */
  notBefore?: Date;
  /** Work done in place of the registry's entry for these steps: the runner's own tests, without outside systems. */
  work?: Partial<Record<StepJobName, StepWork>>;
}

export type StepWork = (ctx: JobContext<Section>) => Promise<void>;

export interface RunOutcome {
  report: AnyReport;
  /** Why the run (or a step of it) could not finish, for the HTTP status and the exit code. */
  fatal?: ConnectorError;
  /** The queued run was claimed by another delivery of its message: nothing ran. */
  duplicate?: boolean;
}

const PROGRESS_EVERY_MS = 1_000;

export async function runJob(services: Services, job: JobName, options: RunOptions): Promise<RunOutcome> {
  const log = options.log ?? createLogger(silentSink);
  const recorded = { started: false };
  try {
    return await startJob(services, job, options, log, recorded);
  } catch (error) {
    // A run that never started or could not be recorded (staging or Key Vault unreachable, lock or
    // history write failing) still ends with its line: alerts must see every failure.
    const e = toConnectorError(error);
    if (recorded.started) logFinished(log, job, 'failed', { code: e.code, reason: e.message });
    else logNotStarted(log, job, e);
    throw e;
  }
}

/**
 * The one line per run that Application Insights queries and alerts on (`event: run.finished`,
 * with `job` and `status` as customDimensions), whatever way the run ended.
 */
export function logFinished(log: Logger, job: string, status: RunStatus, fields: Record<string, unknown> = {}) {
  // The status in French for the operator reading the logs; customDimensions keep the code.
  const line = `Fin du job ${job} : ${STATUS_FR[status]}`;
  const dimensions = { event: 'run.finished', job, status, ...fields };
  if (status === 'failed') log.error(line, dimensions);
  else log.info(line, dimensions);
}

/**
 * A run refused before it began (the job already running, the staging locked or unreachable): its
 * line says it did not start, not that it ended, and keeps the `run.finished` event alerts count.
 */
function logNotStarted(log: Logger, job: string, e: ConnectorError) {
  const status: RunStatus = e instanceof ConflictError ? 'skipped' : 'failed';
  const dimensions = { event: 'run.finished', job, status, code: e.code, started: false };
  const line = `Job ${job} non lancé : ${e.message}`;
  if (status === 'failed') log.error(line, dimensions);
  else log.info(line, dimensions);
}

/** `recorded.started`: set once a run's row says it runs, so that a failure after it is an end, not a refusal. */
type Recorded = { started: boolean };

async function startJob(services: Services, job: JobName, options: RunOptions, log: Logger, recorded: Recorded): Promise<RunOutcome> {
  refuseIfLeftToAgent(services, job, options.trigger);
  const db = await services.staging();
  // A run waiting in the queue holds its job as a running one does, for a run asked here too.
  if (options.runId === undefined) {
    const jobs = jobsUnderLock(job);
    let queued = await queuedRun(db, jobs);
    // A queued run past its last possible delivery lost its message: it holds the job no more.
    if (
      queued &&
      (await reclaimDeadRuns(db, jobs, { queuedMaxMinutes: services.stagingSettings().RUN_QUEUED_MAX_MINUTES, log })).length > 0
    )
      queued = await queuedRun(db, jobs);
    if (queued) {
      const since = frenchTime(queued.queuedAt, services.timeZone());
      const message =
        `Le job « ${job} » est déjà en file d’attente depuis le ${since} (exécution ${queued.runId}) : ` +
        'attendez qu’il soit exécuté (hôte Functions, ou « connecteur serve » avec AzureWebJobsStorage).';
      return busy(db, log, job, randomUUID(), options, null, { message, runId: queued.runId });
    }
  }
  if (!isChain(job)) return runStep(services, db, job, options, log, null, recorded);

  const lock = await tryJobLock(db, job);
  const runId = options.runId ?? randomUUID();
  const dryRun = options.dryRun ?? false;
  if (!lock) return busy(db, log, job, runId, options, null);
  try {
    const signal = withLockLoss(options.signal, lock);
    if (await ranSince(db, job, options)) return duplicate(job, runId, dryRun);
    await closeInterruptedRuns(db, jobsUnderLock(job));
    const run = { runId, job, parentRunId: null, trigger: options.trigger, dryRun, status: 'running' as const };
    const started = await startOrBusy(db, run, options.runId !== undefined);
    if (started === 'busy') return busy(db, log, job, randomUUID(), { ...options, runId: undefined }, null);
    if (!started) return duplicate(job, runId, dryRun);
    recorded.started = true;
    const stepOptions = { ...options, runId: undefined, signal };
    const steps: RunReport[] = [];
    /** Steps the on-site agent runs: listed with their reason, they do not make the chain's status. */
    const agentSteps = new Set<RunReport>();
    let fatal: ConnectorError | undefined;
    // A step that fails does not stop the chain: the next one works on what is already staged.
    for (const step of stepsOf(job)) {
      if (signal?.aborted) break;
      if (leftToAgent(services, step, options.trigger)) {
        const report = await skipForAgent(db, log, step, stepOptions, runId);
        agentSteps.add(report);
        steps.push(report);
        continue;
      }
      const outcome = await runStep(services, db, step, stepOptions, log, runId);
      steps.push(outcome.report as RunReport);
      fatal ??= outcome.fatal;
    }
    const ranHere = steps.filter((s) => !agentSteps.has(s));
    const stopped = steps.length < stepsOf(job).length || lostReason(lock) !== undefined;
    const status: RunStatus = stopped ? 'interrupted' : ranHere.length > 0 ? chainStatus(ranHere) : 'skipped';
    const counts = emptyCounts();
    for (const s of steps) for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += s.counts[k];
    await finishRun(db, runId, {
      status,
      counts,
      errors: steps.flatMap((s) => s.errors),
      ...(stopped ? { message: lostReason(lock)?.message ?? STOP_REQUESTED } : {}),
    });
    logFinished(log, job, status, { runId, dryRun, ...counts });
    return { report: { job, runId, status, dryRun, steps }, fatal };
  } finally {
    await lock.release();
  }
}

async function busy(
  db: StagingDb,
  log: Logger,
  job: JobName,
  runId: string,
  options: RunOptions,
  parentRunId: string | null,
  queued?: { message: string; runId: string },
): Promise<RunOutcome> {
  const running = queued ? queued.runId : await runningRunId(db, jobsUnderLock(job));
  const message = queued?.message ?? `Le job « ${job} » est déjà en cours${running ? ` (exécution ${running})` : ''}.`;
  // An operator asking is told; a timer, the agent (or a chain's step) records that it skipped its turn.
  if (options.trigger !== 'timer' && options.trigger !== 'agent' && parentRunId === null) throw new ConflictError(message, running);
  const dryRun = options.dryRun ?? false;
  const fromQueue = options.runId !== undefined && parentRunId === null;
  const run = { runId, job, parentRunId, trigger: options.trigger, dryRun, status: 'skipped' as const, message };
  if (!(await startRun(db, run, fromQueue))) return duplicate(job, runId, dryRun);
  logFinished(log, job, 'skipped', { runId, code: 'JOB_RUNNING' });
  return { report: skippedReport(job, runId, dryRun, { errors: [{ key: job, code: 'JOB_RUNNING', message }] }) };
}

/** The report of a run that did not start: no time spent, nothing counted. */
function skippedReport(job: JobName, runId: string, dryRun: boolean, said: Pick<RunReport, 'errors' | 'warnings'>): RunReport {
  const now = new Date().toISOString();
  return { job, runId, status: 'skipped', dryRun, startedAt: now, finishedAt: now, counts: emptyCounts(), ...said };
}

/**
 * Starts the run's row; 'busy' when another run of the job was queued between the check and the
 * insert (the index of migration 009 refuses a second active run): told as the job already running.
 */
async function startOrBusy(db: StagingDb, run: Parameters<typeof startRun>[1], fromQueue: boolean): Promise<boolean | 'busy'> {
  try {
    return await startRun(db, run, fromQueue);
  } catch (error) {
    if (error instanceof ConflictError) return 'busy';
    throw error;
  }
}

/** Checked with the job's lock held: the occurrence was run through already (a failed or interrupted run may be tried again). */
async function ranSince(db: StagingDb, job: JobName, options: RunOptions): Promise<boolean> {
  if (!options.notBefore) return false;
  const last = await lastStartedAt(db, [job], ['succeeded', 'partial']);
  return last !== null && last.getTime() >= options.notBefore.getTime();
}

/** A step of a chain the on-site agent runs: recorded as skipped with its reason, so the history says where it went. */
async function skipForAgent(db: StagingDb, log: Logger, job: StepJobName, options: RunOptions, parentRunId: string): Promise<RunReport> {
  const runId = randomUUID();
  const dryRun = options.dryRun ?? false;
  await insertRun(db, { runId, job, parentRunId, trigger: options.trigger, dryRun, status: 'skipped', message: RUN_BY_AGENT });
  logFinished(log, job, 'skipped', { runId, code: 'RUN_BY_AGENT' });
  return skippedReport(job, runId, dryRun, { errors: [], warnings: [{ key: job, code: 'RUN_BY_AGENT', message: RUN_BY_AGENT }] });
}

function duplicate(job: string, runId: string, dryRun: boolean): RunOutcome {
  const now = new Date().toISOString();
  return {
    report: { job, runId, status: 'skipped', dryRun, startedAt: now, finishedAt: now, counts: emptyCounts(), errors: [] },
    duplicate: true,
  };
}

async function runStep(
  services: Services,
  db: StagingDb,
  job: StepJobName,
  options: RunOptions,
  parentLog: Logger,
  parentRunId: string | null,
  recorded: Recorded = { started: false },
): Promise<RunOutcome> {
  const fromQueue = options.runId !== undefined && parentRunId === null;
  const runId = fromQueue ? options.runId! : randomUUID();
  const dryRun = options.dryRun ?? false;
  const lock = await tryJobLock(db, job);
  if (!lock) return busy(db, parentLog, job, runId, options, parentRunId);
  const log = parentLog.child({ job, runId, dryRun });
  const startedAt = new Date().toISOString();
  try {
    if (parentRunId === null && (await ranSince(db, job, options))) return duplicate(job, runId, dryRun);
    await closeInterruptedRuns(db, jobsUnderLock(job));
    const run = { runId, job, parentRunId, trigger: options.trigger, dryRun, status: 'running' as const };
    const started = await startOrBusy(db, run, fromQueue);
    if (started === 'busy') return busy(db, parentLog, job, randomUUID(), { ...options, runId: undefined }, parentRunId);
    if (!started) return duplicate(job, runId, dryRun);
    recorded.started = true;
    log.info(`Début du job ${job}${dryRun ? ' (simulation)' : ''}`, { trigger: options.trigger });
    const report = new ReportBuilder(dryRun ? new Set() : await openIssueKeys(db, job));
    let lastProgress = 0;
    /** Progress writes still under way: the run's last row must not be overwritten by one of them. */
    const progressWrites = new Set<Promise<void>>();
    const progress = (done: number, total: number) => {
      options.onProgress?.({ job, done, total });
      const now = Date.now();
      if (now - lastProgress < PROGRESS_EVERY_MS && done < total) return;
      lastProgress = now;
      const write: Promise<void> = updateProgress(db, runId, { done, total, step: job })
        .catch(() => {})
        .finally(() => progressWrites.delete(write));
      progressWrites.add(write);
    };
    let fatal: ConnectorError | undefined;
    let stopped = false;
    /** Read before the work, so that an invalid value fails the run before it changes anything. */
    let historyDays: number | undefined;
    try {
      historyDays = services.stagingSettings().RUN_HISTORY_DAYS;
      const settings = await stepSettings(services, job);
      const entry = options.work?.[job] ?? ((await STEPS[job].entry()) as StepWork);
      const signal = withLockLoss(options.signal, lock);
      // Asked to stop before the step began (a request or a message taken as the process stops): nothing starts.
      if (options.signal?.aborted) throw new StopRequestedError();
      await entry({ services, db, settings, dryRun, allowMassDelete: options.allowMassDelete ?? false, report, log, progress, signal });
    } catch (error) {
      if (lostReason(lock)) {
        // Reported below, once, whatever the step threw when its lock went.
      } else if (error instanceof StopRequestedError) {
        stopped = true;
        log.warn(`Job ${job} arrêté entre deux lots : arrêt demandé.`, { code: error.code });
      } else {
        fatal = toConnectorError(error);
        report.errors.unshift({ key: job, code: fatal.code, message: fatal.message });
        log.error(`Échec du job ${job} : ${fatal.message}`, { code: fatal.code });
      }
    }
    // Without its lock the run may overlap another one: it ends interrupted, with the lock it lost.
    const lost = lostReason(lock);
    if (lost) {
      stopped = true;
      fatal = undefined;
      log.warn(lost.message, { code: lost.code });
      report.errors.unshift({ key: job, code: lost.code, message: lost.message });
    }
    const status: RunStatus = stopped ? 'interrupted' : fatal ? 'failed' : report.status();
    await Promise.all(progressWrites);
    const message = stopped ? (lost?.message ?? STOP_REQUESTED) : fatal?.message;
    await finishRun(db, runId, { status, counts: report.counts, errors: report.errors, message });
    if (!dryRun) await recordOutcomes(db, job, runId, report.outcomes, [...report.succeeded]);
    if (historyDays !== undefined) await pruneHistory(db, historyDays);
    const finishedAt = new Date().toISOString();
    const durationMs = Date.parse(finishedAt) - Date.parse(startedAt);
    // One line per run carrying its metrics: Application Insights turns customDimensions into queries and alerts.
    logFinished(log, job, status, { durationMs, ...(fatal ? { code: fatal.code } : {}), ...report.counts });
    const warnings = report.warnings.length > 0 ? { warnings: report.warnings } : {};
    return {
      report: {
        job,
        runId,
        status,
        dryRun,
        startedAt,
        finishedAt,
        counts: report.counts,
        errors: report.errors,
        ...warnings,
        records: report.records,
        ...(Object.keys(report.omitted).length > 0 ? { recordsOmitted: report.omitted } : {}),
      },
      fatal,
    };
  } finally {
    await lock.release();
  }
}

/** The signal a run's work watches: the stop asked of the process, or the loss of the run's lock. */
function withLockLoss(signal: AbortSignal | undefined, lock: HeldLock): AbortSignal | undefined {
  if (!lock.lost) return signal;
  return signal ? AbortSignal.any([signal, lock.lost]) : lock.lost;
}

/** Why the run's lock was lost (lockSession.ts), once it was. */
function lostReason(lock: HeldLock): ConnectorError | undefined {
  return lock.lost?.aborted ? toConnectorError(lock.lost.reason) : undefined;
}

/** The settings a step declared, each section validated once (Services keeps what it parsed). */
export async function stepSettings(services: Services, job: StepJobName): Promise<JobContext<Section>['settings']> {
  const settings: { sync: SyncSettings } & Partial<SectionSettings> = { sync: services.sync() };
  // Only what the step declared: a step that does not use BatiSimply runs without its settings.
  for (const section of STEPS[job].settings as readonly Section[]) {
    switch (section) {
      case 'batisimply':
        settings.batisimply = await services.batisimplySettings();
        break;
      case 'geocode':
        settings.geocode = services.geocode();
        break;
    }
  }
  return settings as JobContext<Section>['settings'];
}
