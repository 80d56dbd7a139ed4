/**
 * A run as the interface describes it: its statuses, its counts, its report. The run history,
 * the queue, the dashboard and the HTTP answers all read these; the finished statuses are named
 * once, here.
 */

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'skipped', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run in one of these will not change any more. */
export const FINISHED_STATUSES = ['succeeded', 'partial', 'failed', 'skipped', 'interrupted'] as const satisfies readonly RunStatus[];
/** A run in one of these holds its job: no other run of the job may start. */
export const ACTIVE_STATUSES = ['queued', 'running'] as const satisfies readonly RunStatus[];

export const isRunStatus = (value: string): value is RunStatus => (RUN_STATUSES as readonly string[]).includes(value);
export const isFinishedStatus = (status: RunStatus): boolean => (FINISHED_STATUSES as readonly RunStatus[]).includes(status);

/** Run statuses as the operator reads them (terminal, dashboard). */
export const STATUS_FR: Readonly<Record<RunStatus, string>> = {
  succeeded: 'réussi',
  partial: 'partiel',
  failed: 'échec',
  skipped: 'ignoré',
  running: 'en cours',
  interrupted: 'interrompu',
  queued: 'en file d’attente',
};

/**
 * Why the cloud side (BATIGEST_ACCESS=agent) skips a step that touches Batigest: the on-site agent
 * runs it. Also the message of the skipped run it records, which the last-runs views pass over.
 */
export const RUN_BY_AGENT = "exécuté par l'agent sur site";

/** The message of a run ended by a stop the process was asked for (service stop, Ctrl-C). */
export const STOP_REQUESTED = 'Exécution interrompue : arrêt demandé.';

export const TRIGGERS = ['timer', 'http', 'cli', 'agent'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface Counts {
  read: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  failed: number;
  held: number;
}

export const emptyCounts = (): Counts => ({ read: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, held: 0 });

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

/** A record that failed or was held, as the run history keeps it until it goes through. */
export interface RecordOutcome {
  key: string;
  kind: 'failed' | 'held';
  code: string;
  message: string;
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
  /** Records counted but not listed in `records`, per action: present when some were left out. */
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

export function isChainReport(report: AnyReport): report is ChainReport {
  return 'steps' in report;
}

/** The worst of the steps' statuses, for a chained job. */
export function chainStatus(steps: readonly { status: RunStatus }[]): RunStatus {
  const order: RunStatus[] = ['interrupted', 'failed', 'partial', 'skipped', 'succeeded'];
  for (const status of order) if (steps.some((s) => s.status === status)) return status;
  return 'succeeded';
}

/**
 * What stopped a run, as the run history stores it: the kind of the error, which decides the
 * HTTP status of its answer and the CLI's exit code.
 */
export const ERROR_KINDS = ['configuration', 'upstream', 'conflict', 'internal'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const isErrorKind = (value: string): value is ErrorKind => (ERROR_KINDS as readonly string[]).includes(value);

/** 400 bad input or configuration, 409 already running, 502 outside system unreachable, 500 otherwise. */
export const HTTP_STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  configuration: 400,
  conflict: 409,
  upstream: 502,
  internal: 500,
};
