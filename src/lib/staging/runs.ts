/** SQL of the run history (`connecteur_runs`) and of failed or held records (`connecteur_record_issues`). */
import { redact, redactDeep } from '../log.js';
import type { Queryable, StagingDb } from './db.js';
import type { Counts, RecordOutcome, ReportError, RunStatus, Trigger } from '../sync/report.js';

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
}

const RUN_COLUMNS = `run_id AS "runId", job, parent_run_id AS "parentRunId", trigger, dry_run AS "dryRun", status,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt",
  to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt",
  counts, errors, progress, message`;

export async function insertRun(
  db: Queryable,
  run: { runId: string; job: string; parentRunId: string | null; trigger: Trigger; dryRun: boolean; status: RunStatus; message?: string },
) {
  await db.query(
    `INSERT INTO connecteur_runs (run_id, job, parent_run_id, trigger, dry_run, status, message, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'running' THEN NULL ELSE now() END)`,
    [run.runId, run.job, run.parentRunId, run.trigger, run.dryRun, run.status, run.message === undefined ? null : redact(run.message)],
  );
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

/** The run that holds the job's lock, as far as the history tells. */
export async function runningRunId(db: Queryable, job: string): Promise<string | null> {
  const { rows } = await db.query<{ run_id: string }>(
    `SELECT run_id FROM connecteur_runs WHERE job = $1 AND status = 'running' ORDER BY started_at DESC LIMIT 1`,
    [job],
  );
  return rows[0]?.run_id ?? null;
}

/** Called with the job's lock held: a 'running' row left then belongs to a process that died. */
export async function closeInterruptedRuns(db: Queryable, job: string) {
  await db.query(
    `UPDATE connecteur_runs SET status = 'interrupted', finished_at = now(), progress = NULL,
            message = 'Exécution interrompue (processus arrêté avant la fin).'
     WHERE job = $1 AND status = 'running'`,
    [job],
  );
}

/**
 * Runs recorded as running whose job lock is free: their process died (a run takes its lock
 * before its row is written and keeps it to the end). Marked interrupted now, without waiting
 * for the job's next run.
 */
export async function closeDeadRuns(db: StagingDb): Promise<number> {
  const { rows } = await db.query<{ job: string }>(`SELECT DISTINCT job FROM connecteur_runs WHERE status = 'running'`);
  let closed = 0;
  for (const { job } of rows) {
    const lock = await db.tryLock(`connecteur:job:${job}`);
    if (!lock) continue;
    try {
      await closeInterruptedRuns(db, job);
      closed++;
    } finally {
      await lock.release();
    }
  }
  return closed;
}

export async function recentRuns(db: Queryable, limit = 50): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM connecteur_runs ORDER BY started_at DESC LIMIT $1`, [limit]);
  return rows;
}

export async function lastRunPerJob(db: Queryable): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT DISTINCT ON (job) ${RUN_COLUMNS} FROM connecteur_runs ORDER BY job, started_at DESC`,
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
      [job, runId, outcomes.map((o) => o.key), outcomes.map((o) => o.kind), outcomes.map((o) => o.code), outcomes.map((o) => redact(o.message))],
    );
  }
  if (succeeded.length > 0) {
    await db.query('DELETE FROM connecteur_record_issues WHERE job = $1 AND record_key = ANY($2::text[])', [job, succeeded]);
  }
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
