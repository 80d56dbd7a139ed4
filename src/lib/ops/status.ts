/** What the dashboard, GET /api/status and `connecteur status` show, gathered from staging. */
import type { Services } from '../services.js';
import { countPendingChantiers } from '../staging/chantiers.js';
import { countPendingHeures } from '../staging/heures.js';
import { closeDeadRuns } from '../sync/locks.js';
import {
  jobHealth,
  lastRunPerJob,
  listRuns,
  recentRuns,
  recordIssues,
  type JobHealth,
  type RecordIssueRow,
  type RunRow,
} from '../staging/runs.js';
import { reclaimDeadRuns } from '../sync/staleRuns.js';
import { checkAll, type CheckResult } from './checks.js';
import { openAlerts, type AlertRow } from '../staging/agent.js';
import { readAgentStatus } from '../agent/status.js';
import type { AgentStatus } from '../agent/state.js';
import { isChain, JOB_NAMES, type JobName } from '../sync/registry.js';

export interface StatusReport {
  generatedAt: string;
  connections?: CheckResult[];
  lastRuns: RunRow[];
  running: RunRow[];
  /** Runs waiting in the queue: they hold their job until a consumer runs them. */
  queued: RunRow[];
  /** `heures`: what heures-to-sqlserver would write (`heuresHeld` of them held); `heuresNotValidated`: slots that write nothing. */
  pending: { chantiers: number; heures: number; heuresHeld: number; heuresNotValidated: number };
  held: RecordIssueRow[];
  failed: RecordIssueRow[];
  recentErrors: { runId: string; job: string; at: string; code: string; message: string; key: string }[];
  /** The on-site agent, as its heartbeats tell (absent when Batigest is reached directly and no agent ever ran). */
  agent?: AgentStatus;
  /** Problems open now (`connecteur agent --role all`, or a deployment with ALERT_WEBHOOK_URL). */
  alerts: AlertRow[];
  /**
   * Per job: its last success, and the runs ended failed or interrupted since then with their
   * reason (a dead run reclaimed is flagged `reclaimed`): a run killed mid-way stays named until a
   * success follows it, not only while it is the last one.
   */
  health: JobHealth[];
}

export async function gatherStatus(services: Services, options: { checkConnections: boolean }): Promise<StatusReport> {
  const db = await services.staging();
  // Dead runs ended with their reason (RUN_RECLAIMED); older jobs' names by their own lock.
  await reclaimDeadRuns(db, JOB_NAMES, { queuedMaxMinutes: services.stagingSettings().RUN_QUEUED_MAX_MINUTES });
  await closeDeadRuns(db);
  const [lastRuns, recent, queued, issues, chantiers, heures, connections, agent, alerts, health] = await Promise.all([
    lastRunPerJob(db),
    recentRuns(db, 30),
    listRuns(db, { status: 'queued', limit: 20 }),
    recordIssues(db),
    countPendingChantiers(db),
    countPendingHeures(db),
    options.checkConnections ? checkAll(services) : Promise.resolve(undefined),
    readAgentStatus(services),
    openAlerts(db),
    jobHealth(db),
  ]);
  const recentErrors = recent
    .filter((r) => r.errors.length > 0 && !isChain(r.job as JobName))
    .flatMap((r) => r.errors.slice(0, 5).map((e) => ({ runId: r.runId, job: r.job, at: r.startedAt, ...e })))
    .slice(0, 20);
  return {
    generatedAt: new Date().toISOString(),
    ...(connections ? { connections } : {}),
    lastRuns,
    running: recent.filter((r) => r.status === 'running'),
    queued,
    pending: { chantiers, heures: heures.pending, heuresHeld: heures.held, heuresNotValidated: heures.notValidated },
    held: issues.filter((i) => i.kind === 'held'),
    failed: issues.filter((i) => i.kind === 'failed'),
    recentErrors,
    ...(agent ? { agent } : {}),
    alerts,
    health,
  };
}
