/**
 * What the heartbeats say of the on-site agent, for `status`, the dashboard, GET /api/status and
 * the silence alert: when it was last seen, whether that is longer than AGENT_SILENCE_PERIODS
 * times its shortest schedule, and whether its staging schema version is the database's.
 */
import type { HeartbeatRow } from '../staging/agent.js';

export interface AgentSeen {
  agentId: string;
  host: string;
  role: string;
  version: string;
  lastSeen: string;
  silentMinutes: number;
  silent: boolean;
  thresholdMinutes: number;
  lastStep: string | null;
  lastStatus: string | null;
  lastError: string | null;
  schemaKnown: number | null;
  schemaFound: number | null;
  /** The agent and the staging schema disagree: it runs nothing until one side is updated. */
  versionMismatch: boolean;
  /** « Agent sur site : vu il y a 2 min … », what the operator reads. */
  message: string;
}

export interface AgentStatus {
  /** BATIGEST_ACCESS of the reading side. */
  access: 'direct' | 'agent';
  agents: AgentSeen[];
  /** No agent seen for longer than the threshold (or never, in agent mode). */
  silent: boolean;
  message: string;
}

/** « 45 s », « 2 min », « 3 h 05 », « 2 j 4 h » */
export function frenchDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')}`;
  return `${Math.floor(hours / 24)} j ${hours % 24} h`;
}

export function agentStatus(
  rows: readonly HeartbeatRow[],
  options: { access: 'direct' | 'agent'; silencePeriods: number; fallbackPeriodSeconds: number },
): AgentStatus | null {
  if (rows.length === 0 && options.access === 'direct') return null;
  const agents = rows.map((row) => seen(row, options));
  if (agents.length === 0) {
    return {
      access: options.access,
      agents,
      silent: true,
      message: 'Agent sur site : jamais vu (BATIGEST_ACCESS=agent) — installez et démarrez « connecteur agent » à côté de Batigest.',
    };
  }
  const alive = agents.filter((a) => !a.silent);
  const message =
    agents.length > 1 && alive.length > 1
      ? `${agents[0]!.message} — attention : ${alive.length} agents actifs (${alive.map((a) => a.host).join(', ')}), un seul suffit.`
      : agents[0]!.message;
  return { access: options.access, agents, silent: alive.length === 0, message };
}

function seen(row: HeartbeatRow, options: { silencePeriods: number; fallbackPeriodSeconds: number }): AgentSeen {
  const period = row.shortestPeriodSeconds ?? options.fallbackPeriodSeconds;
  const thresholdSeconds = options.silencePeriods * period;
  const silent = row.secondsSince > thresholdSeconds;
  const versionMismatch = row.schemaKnown !== null && row.schemaFound !== null && row.schemaKnown !== row.schemaFound;
  const details = [row.host, `rôle ${row.role}`, `version ${row.version}`];
  if (row.lastStep) details.push(`dernière étape ${row.lastStep}${row.lastStatus ? ` : ${row.lastStatus}` : ''}`);
  let message = silent
    ? `Agent sur site : silencieux depuis ${frenchDuration(row.secondsSince)} (seuil ${frenchDuration(thresholdSeconds)}, ${details.join(', ')})`
    : `Agent sur site : vu il y a ${frenchDuration(row.secondsSince)} (${details.join(', ')})`;
  if (versionMismatch) {
    message +=
      ` — versions différentes : le schéma de staging est en version ${row.schemaFound}, l'agent connaît la version ${row.schemaKnown} ; ` +
      `il n'exécute rien avant la mise à jour ${row.schemaFound! > row.schemaKnown! ? "de l'agent" : 'du côté cloud (connecteur migrate)'}`;
  }
  if (row.lastError && !versionMismatch) message += ` — dernière erreur : ${row.lastError}`;
  return {
    agentId: row.agentId,
    host: row.host,
    role: row.role,
    version: row.version,
    lastSeen: row.lastSeen,
    silentMinutes: Math.floor(row.secondsSince / 60),
    silent,
    thresholdMinutes: Math.round(thresholdSeconds / 60),
    lastStep: row.lastStep ?? null,
    lastStatus: row.lastStatus ?? null,
    lastError: row.lastError ?? null,
    schemaKnown: row.schemaKnown,
    schemaFound: row.schemaFound,
    versionMismatch,
    message,
  };
}
