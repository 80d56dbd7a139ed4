/**
 * What the dashboard's two pictures show, read from staging on each page: per week of the audit's
 * window, the validated hours and where they stand (exported to SuiviMO, waiting, held); per day of
 * the last days, the runs' outcomes and the longest of them.
 */
import { auditWindow, type AuditWindow } from '../audit/read.js';
import { FINISHED_STATUSES, isFinishedStatus } from '../domain/runs.js';
import { hoursOf } from '../domain/suiviMo.js';
import type { Services } from '../services.js';
import { validatedMinutesByWeek } from '../staging/heures.js';
import { finishedRunsSince } from '../staging/runs.js';
import { toWallClock } from '../time.js';

export interface WeekHours {
  /** The week's Monday, "YYYY-MM-DD". */
  week: string;
  exported: number;
  waiting: number;
  held: number;
}

export interface DayRuns {
  /** "YYYY-MM-DD", wall-clock in SYNC_TIMEZONE. */
  day: string;
  counts: Record<(typeof FINISHED_STATUSES)[number], number>;
  longestMs: number;
}

export interface DashboardCharts {
  window: AuditWindow;
  weeks: WeekHours[];
  days: DayRuns[];
}

const DAY_MS = 86_400_000;
/** Days of runs drawn. */
export const RUN_DAYS = 7;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** The Monday of a day's week. */
const mondayOf = (day: string) => addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));

export async function gatherCharts(services: Services, now = new Date()): Promise<DashboardCharts> {
  const window = auditWindow(services, {}, now);
  const db = await services.staging();
  const [minutes, runs] = await Promise.all([
    validatedMinutesByWeek(db, window.from, window.to),
    finishedRunsSince(db, new Date(now.getTime() - (RUN_DAYS + 1) * DAY_MS)),
  ]);
  const byWeek = new Map(minutes.map((m) => [m.week, m]));
  const weeks: WeekHours[] = [];
  for (let week = mondayOf(window.from); week < window.to; week = addDays(week, 7)) {
    const m = byWeek.get(week);
    weeks.push({ week, exported: hoursOf(m?.exported ?? 0), waiting: hoursOf(m?.waiting ?? 0), held: hoursOf(m?.held ?? 0) });
  }
  const today = toWallClock(now, window.timeZone).slice(0, 10);
  const days: DayRuns[] = Array.from({ length: RUN_DAYS }, (_, i) => ({
    day: addDays(today, i - RUN_DAYS + 1),
    counts: Object.fromEntries(FINISHED_STATUSES.map((s) => [s, 0])) as DayRuns['counts'],
    longestMs: 0,
  }));
  const byDay = new Map(days.map((d) => [d.day, d]));
  for (const run of runs) {
    const d = byDay.get(toWallClock(new Date(run.startedAt), window.timeZone).slice(0, 10));
    if (!d || !isFinishedStatus(run.status)) continue;
    d.counts[run.status as (typeof FINISHED_STATUSES)[number]]++;
    d.longestMs = Math.max(d.longestMs, run.durationMs);
  }
  return { window, weeks, days };
}
