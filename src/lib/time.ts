/**
 * Instants (UTC, from BatiSimply) to wall-clock times of the ERP (SYNC_TIMEZONE), to the minute.
 * Wall-clock times travel as strings "YYYY-MM-DDTHH:MM" so that no JS Date, and so no machine
 * time zone, sits between BatiSimply and SuiviMO.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * BatiSimply's API and its UI disagree on seconds (…:57Z for a slot shown at :00), so an instant
 * is rounded to the nearest minute before it is converted and compared.
 */
export function roundToMinute(instant: Date): Date {
  return new Date(Math.round(instant.getTime() / 60_000) * 60_000);
}

/** "YYYY-MM-DDTHH:MM" in the given zone, DST included. */
export function toWallClock(instant: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(roundToMinute(instant))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/;

/** Normalises "YYYY-MM-DD HH:MM[:SS]" (as PostgreSQL prints a timestamp) to "YYYY-MM-DDTHH:MM". */
export function normaliseWallClock(value: string): string {
  const m = WALL_CLOCK.exec(value);
  if (!m) throw new Error(`heure locale illisible : ${value}`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}`;
}

/**
 * The Date whose UTC fields are the wall-clock fields. node-mssql (useUTC: true) writes a Date's
 * UTC fields into a `datetime`, so this stores exactly the wall-clock time whatever the process's
 * own zone (see the driver pitfalls of the Batigest reference).
 */
export function wallClockToSqlDate(wallClock: string): Date {
  const m = WALL_CLOCK.exec(wallClock);
  if (!m) throw new Error(`heure locale illisible : ${wallClock}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])));
}

export function sqlDateToWallClock(value: Date): string {
  return value.toISOString().slice(0, 16);
}

/** "YYYY-MM-DD" of a date-only value coming from a driver as a Date at UTC midnight or as a string. */
export function toIsoDate(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.slice(0, 10);
  return value.toISOString().slice(0, 10);
}

export function isoUtc(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
