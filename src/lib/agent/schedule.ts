/**
 * The agent's schedules: the NCRONTAB texts of the Functions timers (`CHANTIERS_SCHEDULE`,
 * `HEURES_SCHEDULE`: six fields, seconds first), read by croner in SYNC_TIMEZONE. NCRONTAB
 * matches a day when both its day of month and its day of week match (croner's `domAndDow`).
 */
import { Cron } from 'croner';
import { ConfigurationError } from '../errors.js';

export interface Schedule {
  /** The setting it came from, and its text, for messages. */
  setting: string;
  expression: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
  /** The last occurrence at or before `at`, or null when there is none in the last two longest gaps. */
  previous(at: Date): Date | null;
  /** The shortest gap between two occurrences (over the coming ones), in seconds. */
  periodSeconds: number;
}

const YEAR_MS = 366 * 24 * 3600 * 1000;

export function parseSchedule(setting: string, expression: string, timeZone: string): Schedule {
  let cron: Cron;
  try {
    cron = new Cron(expression.trim(), { mode: '6-part', timezone: timeZone, domAndDow: true, paused: true });
  } catch (error) {
    throw new ConfigurationError(
      `${setting} invalide (« ${expression} ») : ${(error as Error).message}. Attendu : NCRONTAB à six champs, ex. 0 */15 * * * *.`,
      { code: 'CONFIG_INVALID', cause: error },
    );
  }
  const coming = cron.nextRuns(50, new Date());
  if (coming.length === 0)
    throw new ConfigurationError(`${setting} (« ${expression} ») ne se déclenche jamais.`, { code: 'CONFIG_INVALID' });
  const gaps = coming.slice(1).map((d, i) => d.getTime() - coming[i]!.getTime());
  const shortest = gaps.length > 0 ? Math.min(...gaps) : YEAR_MS;
  // croner walks forward only: the last occurrence before a time is found from two longest gaps back.
  const lookBack = Math.min(YEAR_MS, 2 * (gaps.length > 0 ? Math.max(...gaps) : YEAR_MS));
  return {
    setting,
    expression,
    periodSeconds: shortest / 1000,
    next: (after) => cron.nextRun(after) ?? new Date(after.getTime() + YEAR_MS),
    previous: (at) => {
      let candidate: Date | null = null;
      for (let from = new Date(at.getTime() - lookBack); ;) {
        const n = cron.nextRun(from);
        if (!n || n.getTime() > at.getTime()) return candidate;
        candidate = n;
        from = n;
      }
    },
  };
}
