/**
 * Runs a job: one run per job at a time (a lock in the staging database, across processes and
 * instances), recorded in the run history with its counts and its failed or held records.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, toConnectorError, type ConnectorError } from '../errors.js';
import { createLogger, silentSink, type Logger } from '../log.js';
import type { Services } from '../services.js';
import type { StagingDb } from '../staging/db.js';
import {
  closeInterruptedRuns,
  finishRun,
  insertRun,
  pruneHistory,
  recordOutcomes,
  runningRunId,
  updateProgress,
} from '../staging/runs.js';
import { stagingSchema, parseSection } from '../config.js';
import { chainStatus, emptyCounts, ReportBuilder, STATUS_FR, type AnyReport, type RunReport, type Trigger } from './report.js';
import { validateJobSettings } from './jobSettings.js';
import { isChain, stepsOf, STEP_JOBS, type JobName, type StepJobName } from './jobs.js';

export interface RunOptions {
  dryRun?: boolean;
  trigger: Trigger;
  log?: Logger;
  onProgress?: (progress: { job: string; done: number; total: number }) => void;
}

export interface RunOutcome {
  report: AnyReport;
  /** Why the run (or a step of it) could not finish, for the HTTP status and the exit code. */
  fatal?: ConnectorError;
}

const PROGRESS_EVERY_MS = 1_000;

export async function runJob(services: Services, job: JobName, options: RunOptions): Promise<RunOutcome> {
  const db = await services.staging();
  const log = options.log ?? createLogger(silentSink);
  if (!isChain(job)) return runStep(services, db, job, options, log, null);

  const lock = await db.tryLock(`connecteur:job:${job}`);
  const runId = randomUUID();
  const dryRun = options.dryRun ?? false;
  if (!lock) return busy(db, job, runId, options, null);
  try {
    await closeInterruptedRuns(db, job);
    await insertRun(db, { runId, job, parentRunId: null, trigger: options.trigger, dryRun, status: 'running' });
    const steps: RunReport[] = [];
    let fatal: ConnectorError | undefined;
    // A step that fails does not stop the chain: the next one works on what is already staged.
    for (const step of stepsOf(job)) {
      const outcome = await runStep(services, db, step, options, log, runId);
      steps.push(outcome.report as RunReport);
      fatal ??= outcome.fatal;
    }
    const status = chainStatus(steps);
    const counts = emptyCounts();
    for (const s of steps) for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += s.counts[k];
    await finishRun(db, runId, { status, counts, errors: steps.flatMap((s) => s.errors) });
    return { report: { job, runId, status, dryRun, steps }, fatal };
  } finally {
    await lock.release();
  }
}

async function busy(db: StagingDb, job: string, runId: string, options: RunOptions, parentRunId: string | null): Promise<RunOutcome> {
  const running = await runningRunId(db, job);
  const message = `Le job « ${job} » est déjà en cours${running ? ` (exécution ${running})` : ''}.`;
  // An operator asking is told; a timer (or a chain's step) records that it skipped its turn.
  if (options.trigger !== 'timer' && parentRunId === null) throw new ConflictError(message, running);
  const dryRun = options.dryRun ?? false;
  await insertRun(db, { runId, job, parentRunId, trigger: options.trigger, dryRun, status: 'skipped', message });
  const now = new Date().toISOString();
  return {
    report: {
      job,
      runId,
      status: 'skipped',
      dryRun,
      startedAt: now,
      finishedAt: now,
      counts: emptyCounts(),
      errors: [{ key: job, code: 'JOB_RUNNING', message }],
    },
  };
}

async function runStep(
  services: Services,
  db: StagingDb,
  job: StepJobName,
  options: RunOptions,
  parentLog: Logger,
  parentRunId: string | null,
): Promise<RunOutcome> {
  const runId = randomUUID();
  const dryRun = options.dryRun ?? false;
  const lock = await db.tryLock(`connecteur:job:${job}`);
  if (!lock) return busy(db, job, runId, options, parentRunId);
  const log = parentLog.child({ job, runId, dryRun });
  const startedAt = new Date().toISOString();
  try {
    await closeInterruptedRuns(db, job);
    await insertRun(db, { runId, job, parentRunId, trigger: options.trigger, dryRun, status: 'running' });
    log.info(`Début du job ${job}${dryRun ? ' (simulation)' : ''}`, { trigger: options.trigger });
    const report = new ReportBuilder();
    let lastProgress = 0;
    const progress = (done: number, total: number) => {
      options.onProgress?.({ job, done, total });
      const now = Date.now();
      if (now - lastProgress < PROGRESS_EVERY_MS && done < total) return;
      lastProgress = now;
      void updateProgress(db, runId, { done, total, step: job }).catch(() => {});
    };
    let fatal: ConnectorError | undefined;
    try {
      await validateJobSettings(services, job);
      await STEP_JOBS[job]({ services, db, dryRun, report, log, progress });
    } catch (error) {
      fatal = toConnectorError(error);
      report.errors.unshift({ key: job, code: fatal.code, message: fatal.message });
      log.error(`Échec du job ${job} : ${fatal.message}`, { code: fatal.code });
    }
    const status = fatal ? 'failed' : report.status();
    await finishRun(db, runId, { status, counts: report.counts, errors: report.errors, message: fatal?.message });
    if (!dryRun) await recordOutcomes(db, job, runId, report.outcomes, [...report.succeeded]);
    await pruneHistory(db, parseSection(stagingSchema, services.env, 'staging').RUN_HISTORY_DAYS);
    const finishedAt = new Date().toISOString();
    const durationMs = Date.parse(finishedAt) - Date.parse(startedAt);
    // One line per run carrying its metrics: Application Insights turns customDimensions into queries and alerts.
    log.info(`Fin du job ${job} : ${STATUS_FR[status]}`, { event: 'run.finished', status, durationMs, ...report.counts });
    const warnings = report.warnings.length > 0 ? { warnings: report.warnings } : {};
    return {
      report: { job, runId, status, dryRun, startedAt, finishedAt, counts: report.counts, errors: report.errors, ...warnings, records: report.records },
      fatal,
    };
  } finally {
    await lock.release();
  }
}
