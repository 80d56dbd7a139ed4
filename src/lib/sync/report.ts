/** Collects a run's report while its job works: counts, each record's action, failed and held records. */
import type { Code } from '../domain/codes.js';
import { operatorMessage, toConnectorError } from '../errors.js';
import { redact } from '../log.js';
import {
  emptyCounts,
  type Counts,
  type RecordAction,
  type RecordChange,
  type RecordOutcome,
  type ReportError,
  type RunStatus,
} from '../domain/runs.js';

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

  hold(key: string, code: Code, text: string) {
    const message = redact(text);
    this.counts.held++;
    this.errors.push({ key, code, message });
    this.outcomes.push({ key, kind: 'held', code, message });
    this.records.push({ key, action: 'hold', reason: message });
  }

  warn(key: string, code: Code, message: string) {
    this.warnings.push({ key, code, message: redact(message) });
  }

  status(): RunStatus {
    return this.counts.failed > 0 || this.counts.held > 0 ? 'partial' : 'succeeded';
  }
}
