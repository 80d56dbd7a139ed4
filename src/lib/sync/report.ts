/** The run report of the interface: what a run read, changed, failed and held. */
import { operatorMessage, toConnectorError } from '../errors.js';
import { redact } from '../log.js';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'skipped' | 'interrupted';
export type Trigger = 'timer' | 'http' | 'cli';

export interface Counts {
  read: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  failed: number;
  held: number;
}

export interface ReportError {
  key: string;
  code: string;
  message: string;
}

export type RecordAction = 'create' | 'update' | 'delete' | 'unchanged' | 'hold' | 'fail';

/** One record's planned (dry run) or done action. */
export interface RecordChange {
  key: string;
  action: RecordAction;
  fields?: string[];
  reason?: string;
}

export interface RunReport {
  job: string;
  runId: string;
  status: RunStatus;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  counts: Counts;
  errors: ReportError[];
  warnings?: ReportError[];
  records?: RecordChange[];
  /** Records counted but not listed in `records`, per action (see RECORDS_LISTED): present when some were left out. */
  recordsOmitted?: Partial<Record<RecordAction, number>>;
}

export interface ChainReport {
  job: string;
  runId: string;
  status: RunStatus;
  dryRun: boolean;
  steps: RunReport[];
}

export type AnyReport = RunReport | ChainReport;

/** Run statuses as the operator reads them (terminal, dashboard). */
export const STATUS_FR: Record<RunStatus, string> = {
  succeeded: 'réussi',
  partial: 'partiel',
  failed: 'échec',
  skipped: 'ignoré',
  running: 'en cours',
  interrupted: 'interrompu',
  queued: 'en file d’attente',
};

export const emptyCounts = (): Counts => ({ read: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, held: 0 });

export interface RecordOutcome {
  key: string;
  kind: 'failed' | 'held';
  code: string;
  message: string;
}

const ACTION_OF = { created: 'create', updated: 'update', deleted: 'delete', unchanged: 'unchanged' } as const;

/**
 * How many records of each action a report lists one by one; the others are counted (`counts`,
 * `recordsOmitted`). A first import of a busy window stages hundreds of thousands of slots: listing
 * each would make the run's memory, and its answer, follow the window. Failed and held records are
 * always listed: each one needs the operator.
 */
export const RECORDS_LISTED: Readonly<Record<'create' | 'update' | 'delete' | 'unchanged', number>> = {
  create: 10_000,
  update: 10_000,
  delete: 10_000,
  unchanged: 1_000,
};

/** Collects a run's counts and per-record outcomes while a job works. */
export class ReportBuilder {
  readonly counts = emptyCounts();
  readonly errors: ReportError[] = [];
  readonly warnings: ReportError[] = [];
  readonly outcomes: RecordOutcome[] = [];
  /** Each record's action, in the order the job met them, up to RECORDS_LISTED per action. */
  readonly records: RecordChange[] = [];
  /** Records counted and not listed, per action. */
  readonly omitted: Partial<Record<RecordAction, number>> = {};
  /** Records that went through among those with an open issue (failed or held earlier): their issue is resolved. */
  readonly succeeded = new Set<string>();
  private readonly listed = { create: 0, update: 0, delete: 0, unchanged: 0 };

  /**
   * `openIssues`: keys of the job's records that failed or were held before. Only those are
   * remembered when they go through, so that memory does not follow the number of records.
   */
  constructor(private readonly openIssues: ReadonlySet<string> = new Set()) {}

  add(count: keyof Counts, n = 1) {
    this.counts[count] += n;
  }

  /** A record went through; with its count, it is listed with its action (and changed fields or reason when given). */
  ok(key: string, count?: 'created' | 'updated' | 'deleted' | 'unchanged', detail: { fields?: string[]; reason?: string } = {}) {
    if (count) {
      this.counts[count]++;
      const action = ACTION_OF[count];
      if (this.listed[action] < RECORDS_LISTED[action]) {
        this.listed[action]++;
        this.records.push({ key, action, ...detail });
      } else {
        this.omitted[action] = (this.omitted[action] ?? 0) + 1;
      }
    }
    if (this.openIssues.has(key)) this.succeeded.add(key);
  }

  fail(key: string, error: unknown) {
    const e = toConnectorError(error);
    this.counts.failed++;
    const message = operatorMessage(error);
    this.errors.push({ key, code: e.code, message });
    this.outcomes.push({ key, kind: 'failed', code: e.code, message });
    this.records.push({ key, action: 'fail', reason: message });
  }

  hold(key: string, code: string, text: string) {
    const message = redact(text);
    this.counts.held++;
    this.errors.push({ key, code, message });
    this.outcomes.push({ key, kind: 'held', code, message });
    this.records.push({ key, action: 'hold', reason: message });
  }

  warn(key: string, code: string, message: string) {
    this.warnings.push({ key, code, message: redact(message) });
  }

  status(): RunStatus {
    return this.counts.failed > 0 || this.counts.held > 0 ? 'partial' : 'succeeded';
  }
}

/** The worst of the steps' statuses, for a chained job. */
export function chainStatus(steps: readonly RunReport[]): RunStatus {
  const order: RunStatus[] = ['interrupted', 'failed', 'partial', 'skipped', 'succeeded'];
  for (const status of order) if (steps.some((s) => s.status === status)) return status;
  return 'succeeded';
}

export function isChainReport(report: AnyReport): report is ChainReport {
  return 'steps' in report;
}
