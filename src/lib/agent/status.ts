/** The agent as the cloud side (or `--role all`) sees it: read from the heartbeats of one company's staging. */
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import { readHeartbeats } from '../staging/agent.js';
import { parseSchedule } from './schedule.js';
import { agentStatus, type AgentStatus } from './state.js';

/** The shortest period of this side's own schedules: the threshold's base for an agent that did not send its own. */
export function shortestSchedulePeriod(services: Services): number {
  const { CHANTIERS_SCHEDULE, HEURES_SCHEDULE } = services.schedules();
  const zone = services.sync().SYNC_TIMEZONE;
  return Math.min(
    parseSchedule('CHANTIERS_SCHEDULE', CHANTIERS_SCHEDULE, zone).periodSeconds,
    parseSchedule('HEURES_SCHEDULE', HEURES_SCHEDULE, zone).periodSeconds,
  );
}

/** Null when Batigest is reached directly and no agent ever wrote a heartbeat here. */
export async function readAgentStatus(services: Services): Promise<AgentStatus | null> {
  const { BATIGEST_ACCESS, AGENT_SILENCE_PERIODS } = services.agent();
  const rows = await readHeartbeats(await services.staging());
  if (rows.length === 0 && BATIGEST_ACCESS === 'direct') return null;
  return agentStatus(rows, {
    access: BATIGEST_ACCESS,
    silencePeriods: AGENT_SILENCE_PERIODS,
    fallbackPeriodSeconds: shortestSchedulePeriod(services),
  });
}

/**
 * Called by the cloud side's timers in agent mode: while the agent is silent, one line per tick
 * (`event: agent.silent`, `company`, `silentMinutes`), which the alert rule queries.
 */
export async function logAgentSilence(services: Services, log: Logger): Promise<AgentStatus | null> {
  if (services.agent().BATIGEST_ACCESS !== 'agent') return null;
  const status = await readAgentStatus(services);
  if (!status?.silent) return status;
  const minutes = status.agents.map((a) => a.silentMinutes);
  log.warn(status.message, {
    event: 'agent.silent',
    company: services.scope.company,
    silentMinutes: minutes.length > 0 ? Math.min(...minutes) : null,
  });
  return status;
}
