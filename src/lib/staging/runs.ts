/** SQL of the run history (`connecteur_runs`) and of failed or held records (`connecteur_record_issues`). */
import { ConflictError } from '../errors.js';
import { redact, redactDeep } from '../log.js';
import type { Queryable } from './db.js';
import {
  ACTIVE_STATUSES,
  RUN_BY_AGENT,
  type Counts,
  type ErrorKind,
  type RecordOutcome,
  type ReportError,
  type RunStatus,
  type Trigger,
} from '../domain/runs.js';

export interface RunRow {
  runId: string;
  job: string;
  parentRunId: string | null;
  trigger: Trigger;
  dryRun: boolean;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  counts: Partial<Counts>;
  errors: ReportError[];
  progress: { done: number; total: number; step?: string } | null;
  message: string | null;
  errorKind?: ErrorKind | null;
}

export const RUN_COLUMNS = `run_id AS "runId", job, parent_run_id AS "parentRunId", trigger, dry_run AS "dryRun", status,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt",
  to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt",
  counts, errors, progress, message, error_kind AS "errorKind"`;

export async function insertRun(
  db: Queryable,
  run: { runId: string; job: string; parentRunId: string | null; trigger: Trigger; dryRun: boolean; status: RunStatus; message?: string },
) {
  await oneActiveRun(db, run.job, () =>
    db.query(
      `INSERT INTO connecteur_runs (run_id, job, parent_run_id, trigger, dry_run, status, message, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = ANY($8::text[]) THEN NULL ELSE now() END)`,
      [
        run.runId,
        run.job,
        run.parentRunId,
        run.trigger,
        run.dryRun,
        run.status,
        run.message === undefined ? null : redact(run.message),
        ACTIVE_STATUSES,
      ],
    ),
  );
}

/** The index of migration 009: one queued or running top-level run per job (per company: per schema). */
export const ONE_ACTIVE_RUN_INDEX = 'connecteur_runs_one_active';

function violatesOneActiveRun(error: unknown): boolean {
  for (let e = error as { code?: string; constraint?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505' && (e.constraint === ONE_ACTIVE_RUN_INDEX || e.message?.includes(ONE_ACTIVE_RUN_INDEX))) return true;
  }
  return false;
}

/**
 * An insert of an active run that another request beat to it (both checked, both inserted): the
 * index refuses the second, which is told as a job already running (409, or skipped for a timer).
 */
async function oneActiveRun<T>(db: Queryable, job: string, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (!violatesOneActiveRun(error)) throw error;
    const active = await activeRunId(db, [job]);
    throw new ConflictError(`Le job « ${job} » est déjà en cours ou en file d’attente${active ? ` (exécution ${active})` : ''}.`, active);
  }
}

/**
 * Starts a run: a new row, or, for a run taken from the queue, its 'queued' row claimed. False
 * when that row was claimed already: a second delivery of the same message, which must not run.
 */
export async function startRun(
  db: Queryable,
  run: { runId: string; job: string; parentRunId: string | null; trigger: Trigger; dryRun: boolean; status: RunStatus; message?: string },
  fromQueue: boolean,
): Promise<boolean> {
  if (!fromQueue) {
    await insertRun(db, run);
    return true;
  }
  const { rows } = await db.query(
    `UPDATE connecteur_runs SET status = $2, message = $3, started_at = now(),
            finished_at = CASE WHEN $2 = 'running' THEN NULL ELSE now() END
     WHERE run_id = $1 AND status = 'queued' RETURNING run_id`,
    [run.runId, run.status, run.message ?? null],
  );
  return rows.length === 1;
}

export async function finishRun(
  db: Queryable,
  runId: string,
  result: { status: RunStatus; counts: Counts; errors: ReportError[]; message?: string },
) {
  await db.query(
    `UPDATE connecteur_runs SET status = $2, counts = $3, errors = $4, message = $5, finished_at = now(), progress = NULL
     WHERE run_id = $1`,
    [
      runId,
      result.status,
      JSON.stringify(result.counts),
      JSON.stringify(redactDeep(result.errors.slice(0, 200))),
      result.message === undefined ? null : redact(result.message),
    ],
  );
}

export async function updateProgress(db: Queryable, runId: string, progress: { done: number; total: number; step?: string }) {
  await db.query('UPDATE connecteur_runs SET progress = $2 WHERE run_id = $1', [runId, JSON.stringify(progress)]);
}

/** The run that holds the lock these jobs share, as far as the history tells. */
export async function runningRunId(db: Queryable, jobs: readonly string[]): Promise<string | null> {
  const { rows } = await db.query<{ run_id: string }>(
    `SELECT run_id FROM connecteur_runs WHERE job = ANY($1::text[]) AND status = 'running' ORDER BY started_at DESC LIMIT 1`,
    [jobs],
  );
  return rows[0]?.run_id ?? null;
}

/** The oldest run of these jobs waiting in the queue, if any: it holds the job as a running one does. */
export async function queuedRun(db: Queryable, jobs: readonly string[]): Promise<{ runId: string; queuedAt: string } | null> {
  const { rows } = await db.query<{ runId: string; queuedAt: string }>(
    `SELECT run_id AS "runId", to_char(coalesce(queued_at, started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "queuedAt"
     FROM connecteur_runs WHERE job = ANY($1::text[]) AND status = 'queued' AND parent_run_id IS NULL
     ORDER BY started_at LIMIT 1`,
    [jobs],
  );
  return rows[0] ?? null;
}

/** Called with the jobs' lock held: a 'running' row left then belongs to a process that died. */
export async function closeInterruptedRuns(db: Queryable, jobs: readonly string[]) {
  await db.query(
    `UPDATE connecteur_runs SET status = 'interrupted', finished_at = now(), progress = NULL,
            message = 'Exécution interrompue (processus arrêté avant la fin).'
     WHERE job = ANY($1::text[]) AND status = 'running'`,
    [jobs],
  );
}

/** The jobs with a run recorded as running. */
export async function runningJobs(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ job: string }>(`SELECT DISTINCT job FROM connecteur_runs WHERE status = 'running'`);
  return rows.map((r) => r.job);
}

export async function recentRuns(db: Queryable, limit = 50): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM connecteur_runs ORDER BY started_at DESC LIMIT $1`, [limit]);
  return rows;
}

/**
 * Each job's last run; a run that skipped its turn (the job was busy) shows only when the job has
 * no other, and the cloud side's skips of the agent's steps never (the agent's own runs tell).
 */
export async function lastRunPerJob(db: Queryable): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT DISTINCT ON (job) ${RUN_COLUMNS} FROM connecteur_runs
     WHERE NOT (status = 'skipped' AND message IS NOT DISTINCT FROM $1)
     ORDER BY job, status = 'skipped', started_at DESC`,
    [RUN_BY_AGENT],
  );
  return rows;
}

export async function getRun(db: Queryable, runId: string): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM connecteur_runs WHERE run_id = $1`, [runId]);
  return rows[0] ?? null;
}

/** Records the run's failed and held records, and clears those that went through. */
export async function recordOutcomes(db: Queryable, job: string, runId: string, outcomes: RecordOutcome[], succeeded: string[]) {
  if (outcomes.length > 0) {
    await db.query(
      `INSERT INTO connecteur_record_issues (job, record_key, kind, code, message, last_run_id)
       SELECT $1, o.key, o.kind, o.code, o.message, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS o(key, kind, code, message)
       ON CONFLICT (job, record_key) DO UPDATE SET
         kind = EXCLUDED.kind, code = EXCLUDED.code, message = EXCLUDED.message,
         last_seen = now(), attempts = connecteur_record_issues.attempts + 1, last_run_id = EXCLUDED.last_run_id`,
      [
        job,
        runId,
        outcomes.map((o) => o.key),
        outcomes.map((o) => o.kind),
        outcomes.map((o) => o.code),
        outcomes.map((o) => redact(o.message)),
      ],
    );
  }
  if (succeeded.length > 0) {
    await db.query('DELETE FROM connecteur_record_issues WHERE job = $1 AND record_key = ANY($2::text[])', [job, succeeded]);
  }
}

/** Keys of the job's records that failed or were held and have not gone through since. */
export async function openIssueKeys(db: Queryable, job: string): Promise<Set<string>> {
  const { rows } = await db.query<{ keys: string[] | null }>(
    'SELECT array_agg(record_key) AS keys FROM connecteur_record_issues WHERE job = $1',
    [job],
  );
  return new Set(rows[0]?.keys ?? []);
}

export interface RecordIssueRow {
  job: string;
  key: string;
  kind: 'failed' | 'held';
  code: string;
  message: string;
  firstSeen: string;
  lastSeen: string;
  attempts: number;
}

export async function recordIssues(db: Queryable, limit = 200): Promise<RecordIssueRow[]> {
  const { rows } = await db.query<RecordIssueRow>(
    `SELECT job, record_key AS key, kind, code, message, attempts,
            to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "firstSeen",
            to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "lastSeen"
     FROM connecteur_record_issues ORDER BY last_seen DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function pruneHistory(db: Queryable, days: number) {
  await db.query(`DELETE FROM connecteur_runs WHERE started_at < now() - make_interval(days => $1)`, [days]);
  await db.query(`DELETE FROM connecteur_record_issues WHERE last_seen < now() - make_interval(days => $1)`, [days]);
}

/** A run waiting in the queue: its row exists before its message is sent. */
export async function insertQueuedRun(db: Queryable, run: { runId: string; job: string; trigger: Trigger; dryRun: boolean }) {
  await oneActiveRun(db, run.job, () =>
    db.query(`INSERT INTO connecteur_runs (run_id, job, trigger, dry_run, status, queued_at) VALUES ($1, $2, $3, $4, 'queued', now())`, [
      run.runId,
      run.job,
      run.trigger,
      run.dryRun,
    ]),
  );
}

/**
 * The run that holds these jobs, if any (the newest): one queued or running on its own, or a step
 * running inside a chain (the chain's lock is not the step's, but the step's is held all the same).
 */
export async function activeRunId(db: Queryable, jobs: readonly string[]): Promise<string | null> {
  const { rows } = await db.query<{ run_id: string }>(
    `SELECT run_id FROM connecteur_runs
     WHERE job = ANY($1::text[]) AND (status = 'running' OR (status = ANY($2::text[]) AND parent_run_id IS NULL))
     ORDER BY parent_run_id IS NOT NULL, started_at DESC LIMIT 1`,
    [jobs, ACTIVE_STATUSES],
  );
  return rows[0]?.run_id ?? null;
}

export interface ActiveRun {
  runId: string;
  job: string;
  status: 'queued' | 'running';
  /** Minutes since it was queued (queued) or started (running). */
  ageMinutes: number;
}

/** The runs of these jobs (or the one run) still queued or running, steps of chains included. */
export async function activeRuns(db: Queryable, jobs: readonly string[], runId?: string): Promise<ActiveRun[]> {
  const { rows } = await db.query<ActiveRun>(
    `SELECT run_id AS "runId", job, status,
            extract(epoch FROM now() - coalesce(CASE WHEN status = 'queued' THEN queued_at END, started_at))::float8 / 60 AS "ageMinutes"
     FROM connecteur_runs
     WHERE status = ANY($2::text[]) AND ($3::uuid IS NULL AND job = ANY($1::text[]) OR run_id = $3::uuid)
     ORDER BY started_at`,
    [jobs, ACTIVE_STATUSES, runId ?? null],
  );
  return rows;
}

/**
 * Ends a run whose holder is gone (staleRuns.ts), with its reason, if it is still as it was read;
 * a chain's steps left running with it. False when it changed meanwhile (finished, or claimed).
 */
export async function reclaimRun(db: Queryable, runId: string, was: 'queued' | 'running', reason: string): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE connecteur_runs SET status = 'interrupted', finished_at = now(), progress = NULL, message = $3,
            errors = errors || jsonb_build_array(jsonb_build_object('key', job, 'code', 'RUN_RECLAIMED', 'message', $3::text))
     WHERE (run_id = $1 AND status = $2) OR (parent_run_id = $1 AND status = 'running' AND $2 = 'running')
     RETURNING run_id`,
    [runId, was, reason],
  );
  return rows.length > 0;
}

/** Ends a run that will not finish by itself (last delivery failed, message gone to the poison queue). */
export async function failUnfinishedRun(db: Queryable, runId: string, message: string, errorKind: ErrorKind): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>(
    `UPDATE connecteur_runs SET status = 'failed', message = $2, error_kind = $3, finished_at = now(), progress = NULL,
            errors = jsonb_build_array(jsonb_build_object('key', job, 'code', 'RUN_ABANDONED', 'message', $2::text))
     WHERE run_id = $1 AND status = ANY($4::text[]) RETURNING ${RUN_COLUMNS}`,
    [runId, message, errorKind, ACTIVE_STATUSES],
  );
  return rows[0] ?? null;
}

/** A delivery that did not finish the run: counted, with its reason, until the host gives up. */
export async function noteFailedDelivery(db: Queryable, runId: string, message: string) {
  await db.query(`UPDATE connecteur_runs SET attempts = attempts + 1, message = $2 WHERE run_id = $1 AND status = 'queued'`, [
    runId,
    message,
  ]);
}

export async function setErrorKind(db: Queryable, runId: string, errorKind: ErrorKind) {
  await db.query('UPDATE connecteur_runs SET error_kind = $2 WHERE run_id = $1', [runId, errorKind]);
}

export async function childRuns(db: Queryable, parentRunId: string): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM connecteur_runs WHERE parent_run_id = $1 ORDER BY started_at, run_id`,
    [parentRunId],
  );
  return rows;
}

/** The history of top-level runs, newest first, filtered by job and status. */
export async function listRuns(db: Queryable, filter: { job?: string; status?: string; limit: number }): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM connecteur_runs
     WHERE parent_run_id IS NULL AND ($1::text IS NULL OR job = $1) AND ($2::text IS NULL OR status = $2)
     ORDER BY started_at DESC LIMIT $3`,
    [filter.job ?? null, filter.status ?? null, filter.limit],
  );
  return rows;
}

/**
 * When the job last started a run (the cloud side's skips of the agent's steps left out), or null;
 * `statuses`: only runs that ended so. The agent runs at start an occurrence it missed while it was
 * stopped, and never an occurrence another agent already ran through.
 */
export async function lastStartedAt(db: Queryable, jobs: readonly string[], statuses?: readonly RunStatus[]): Promise<Date | null> {
  const { rows } = await db.query<{ at: string | null }>(
    `SELECT to_char(max(started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM connecteur_runs
     WHERE job = ANY($1::text[]) AND status <> 'queued' AND NOT (status = 'skipped' AND message IS NOT DISTINCT FROM $2)
       AND ($3::text[] IS NULL OR status = ANY($3::text[]))`,
    [jobs, RUN_BY_AGENT, statuses ?? null],
  );
  return rows[0]?.at ? new Date(rows[0].at) : null;
}

/** A finished top-level run, for the dashboard's picture of the last days. */
export interface FinishedRun {
  job: string;
  status: RunStatus;
  startedAt: string;
  durationMs: number;
}

/** The top-level runs (chains and steps run alone, not a chain's steps) finished since `since`, dry runs left out. */
export async function finishedRunsSince(db: Queryable, since: Date): Promise<FinishedRun[]> {
  const { rows } = await db.query<FinishedRun>(
    `SELECT job, status, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt",
            (extract(epoch FROM finished_at - started_at) * 1000)::int AS "durationMs"
     FROM connecteur_runs
     WHERE parent_run_id IS NULL AND NOT dry_run AND finished_at IS NOT NULL AND started_at >= $1
     ORDER BY started_at`,
    [since.toISOString()],
  );
  return rows;
}

/**
 * How many of the job's last finished runs in a row (newest first, dry runs and skips left out)
 * carry an error of `code`: a condition that lasts over several runs is said as such.
 */
export async function runsInARowWithCode(db: Queryable, job: string, code: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH recent AS (
       SELECT errors @> jsonb_build_array(jsonb_build_object('code', $2::text)) AS has, row_number() OVER (ORDER BY started_at DESC) AS n
       FROM connecteur_runs WHERE job = $1 AND NOT dry_run AND status <> ALL($3::text[]) ORDER BY started_at DESC LIMIT 50)
     SELECT coalesce((SELECT min(n) FROM recent WHERE NOT has), (SELECT count(*) FROM recent) + 1)::int - 1 AS n`,
    [job, code, ['queued', 'running', 'skipped']],
  );
  return rows[0]?.n ?? 0;
}

/** A job's health as status shows it: its last success, and the runs that ended badly since. */
export interface JobHealth {
  job: string;
  lastSuccess: { runId: string; at: string } | null;
  /** Runs ended failed or interrupted since the last success (newest first, 20 at most), each with its reason. */
  since: { runId: string; status: 'failed' | 'interrupted'; at: string; reason: string; reclaimed: boolean }[];
  /** The last dead runs reclaimed (a stale lock or a lost message), even when a success followed: 5 at most. */
  reclaimed: { runId: string; at: string; reason: string }[];
}

/** Per job (top-level runs, dry runs left out): the last success (succeeded or partial) and the bad ends since. */
export async function jobHealth(db: Queryable): Promise<JobHealth[]> {
  const { rows } = await db.query<{
    job: string;
    okId: string | null;
    okAt: string | null;
    runId: string | null;
    status: 'failed' | 'interrupted' | null;
    at: string | null;
    reason: string | null;
    reclaimed: boolean | null;
  }>(
    `WITH jobs AS (SELECT DISTINCT job FROM connecteur_runs WHERE parent_run_id IS NULL AND NOT dry_run),
     ok AS (SELECT DISTINCT ON (job) job, run_id, started_at FROM connecteur_runs
            WHERE parent_run_id IS NULL AND NOT dry_run AND status IN ('succeeded', 'partial') ORDER BY job, started_at DESC),
     bad AS (SELECT r.job, r.run_id, r.status, r.started_at, coalesce(r.message, r.errors->0->>'message') AS reason,
                    r.errors @> '[{"code": "RUN_RECLAIMED"}]'::jsonb AS reclaimed,
                    row_number() OVER (PARTITION BY r.job ORDER BY r.started_at DESC) AS n
             FROM connecteur_runs r LEFT JOIN ok ON ok.job = r.job
             WHERE r.parent_run_id IS NULL AND NOT r.dry_run AND r.status IN ('failed', 'interrupted')
               AND (ok.started_at IS NULL OR r.started_at > ok.started_at))
     SELECT j.job, ok.run_id AS "okId",
            to_char(ok.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "okAt",
            bad.run_id AS "runId", bad.status,
            to_char(bad.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, bad.reason, bad.reclaimed
     FROM jobs j LEFT JOIN ok ON ok.job = j.job LEFT JOIN bad ON bad.job = j.job AND bad.n <= 20
     ORDER BY j.job, bad.started_at DESC`,
  );
  const byJob = new Map<string, JobHealth>();
  for (const r of rows) {
    let health = byJob.get(r.job);
    if (!health) {
      health = { job: r.job, lastSuccess: r.okId ? { runId: r.okId, at: r.okAt! } : null, since: [], reclaimed: [] };
      byJob.set(r.job, health);
    }
    if (r.runId)
      health.since.push({
        runId: r.runId,
        status: r.status!,
        at: r.at!,
        reason: r.reason ?? 'raison inconnue',
        reclaimed: r.reclaimed === true,
      });
  }
  const { rows: reclaimed } = await db.query<{ job: string; runId: string; at: string; reason: string }>(
    `SELECT job, run_id AS "runId", to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, message AS reason
     FROM (SELECT *, row_number() OVER (PARTITION BY job ORDER BY started_at DESC) AS n FROM connecteur_runs
           WHERE parent_run_id IS NULL AND errors @> '[{"code": "RUN_RECLAIMED"}]'::jsonb) r
     WHERE n <= 5 ORDER BY job, started_at DESC`,
  );
  for (const r of reclaimed) byJob.get(r.job)?.reclaimed.push({ runId: r.runId, at: r.at, reason: r.reason });
  return [...byJob.values()];
}
