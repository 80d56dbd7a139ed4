/**
 * "No successful run of <job> for <company> in N × its schedule": the timers log one line per tick
 * while it lasts (`event: job.no-success`, company, job, minutes), which an alert rule counts per
 * company and job (infra/modules/alerts.bicep). A job that never ran here says nothing: a fresh
 * deployment is not an outage.
 */
import { parseSchedule } from '../agent/schedule.js';
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import { lastStartedAt } from '../staging/runs.js';

const SCHEDULE_OF = { chantiers: 'CHANTIERS_SCHEDULE', heures: 'HEURES_SCHEDULE' } as const;

export async function logNoSuccess(
  services: Services,
  job: keyof typeof SCHEDULE_OF,
  log: Logger,
  now = new Date(),
): Promise<number | null> {
  const setting = SCHEDULE_OF[job];
  const period = parseSchedule(setting, services.schedules()[setting], services.sync().SYNC_TIMEZONE).periodSeconds;
  const periods = services.agent().ALERT_NO_SUCCESS_PERIODS;
  const db = await services.staging();
  const since = (await lastStartedAt(db, [job], ['succeeded', 'partial'])) ?? (await firstRunAt(db, job));
  if (!since) return null;
  const minutes = Math.floor((now.getTime() - since.getTime()) / 60_000);
  if (minutes * 60 <= periods * period) return null;
  log.warn(
    `Aucune exécution réussie de ${job} pour la société ${services.scope.company} depuis ${minutes} min (plus de ${periods} périodes de ${setting}).`,
    { event: 'job.no-success', company: services.scope.company, job, minutes },
  );
  return minutes;
}

async function firstRunAt(db: Awaited<ReturnType<Services['staging']>>, job: string): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>('SELECT min(started_at) AS at FROM connecteur_runs WHERE job = $1', [job]);
  return rows[0]?.at ? new Date(rows[0].at) : null;
}
