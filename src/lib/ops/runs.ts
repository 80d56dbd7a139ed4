/** The run API's reads of the run history: one run with its steps and live progress, the history, a wait. */
import type { Services } from '../services.js';
import { childRuns, getRun, listRuns, type RunRow } from '../staging/runs.js';
import { listRunsAcross } from '../staging/acrossSchemas.js';
import { emptyCounts, isFinishedStatus, type ErrorKind, type RunStatus } from '../domain/runs.js';

export interface CompanyServices {
  company: string;
  services: Services;
}

export interface RunView {
  job: string;
  runId: string;
  company: string;
  status: RunStatus;
  trigger: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string | null;
  counts: RunRow['counts'];
  errors: RunRow['errors'];
  progress: RunRow['progress'];
  message: string | null;
  /** What stopped the run, when something did. */
  errorKind: ErrorKind | null;
  steps?: RunView[];
}

export const isFinished = (view: RunView) => isFinishedStatus(view.status);

function toView(row: RunRow, company: string): RunView {
  return {
    job: row.job,
    runId: row.runId,
    company,
    status: row.status,
    trigger: row.trigger,
    dryRun: row.dryRun,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    counts: { ...emptyCounts(), ...row.counts },
    errors: row.errors,
    progress: row.progress,
    message: row.message,
    errorKind: row.errorKind ?? null,
  };
}

/** One run, looked for in each company's history (run ids are UUIDs: they cannot collide). */
export async function findRun(companies: CompanyServices[], runId: string): Promise<RunView | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(runId)) return null;
  for (const { company, services } of companies) {
    const db = await services.staging();
    const row = await getRun(db, runId);
    if (!row) continue;
    const view = toView(row, company);
    const steps = await childRuns(db, runId);
    if (steps.length > 0) view.steps = steps.map((s) => toView(s, company));
    return view;
  }
  return null;
}

/** The history of the companies, newest first. */
export async function runHistory(
  companies: CompanyServices[],
  filter: { job?: string; status?: string; limit: number },
): Promise<RunView[]> {
  if (companies.length > 1) {
    // Every company's history in one statement on one connection: no company's schema is opened or migrated for it.
    const companyOf = new Map(companies.map(({ company, services }) => [services.scope.schema, company]));
    const rows = await listRunsAcross(await companies[0]!.services.stagingReader(), [...companyOf.keys()], filter);
    return rows.map(({ schema, row }) => toView(row, companyOf.get(schema)!));
  }
  const lists = await Promise.all(
    companies.map(async ({ company, services }) => (await listRuns(await services.staging(), filter)).map((r) => toView(r, company))),
  );
  return lists
    .flat()
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .slice(0, filter.limit);
}

/**
 * The run once it has finished, or as it stands at the deadline. The history is read again
 * every `everyMs`: the run goes on in another invocation, maybe on another instance.
 */
export async function waitForRun(
  company: CompanyServices,
  runId: string,
  timeoutMs: number,
  everyMs = 250,
  signal?: AbortSignal,
): Promise<RunView | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await findRun([company], runId);
    if (!view || isFinished(view) || Date.now() >= deadline) return view;
    // The process stops: a run under way here ends between two batches and is worth waiting for;
    // a run still queued will not start here, the caller is answered now (202 with its state).
    if (signal?.aborted && view.status !== 'running') return view;
    await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, deadline - Date.now()))));
  }
}
