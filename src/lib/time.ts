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

/** The zone's fields for an instant, the slow way: one Intl call. */
function wallClockByIntl(instant: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Per zone, per UTC hour: the zone's offset for every minute of that hour, or null when it changes within it. */
const offsets = new Map<string, Map<number, number | null>>();
const MAX_CACHED_HOURS = 50_000;

function offsetAt(minute: number, timeZone: string): number {
  return Date.parse(`${wallClockByIntl(new Date(minute), timeZone)}Z`) - minute;
}

/**
 * The offset that holds through a whole UTC hour, or null. An offset is read at the hour's first
 * and last minute: equal, no transition lies between them (zones change at most once an hour).
 * Transitions fall on any minute (Adelaide at 16:30 UTC, Lord Howe by half an hour), so an hour
 * holding one is converted minute by minute through Intl. Offsets read at whole minutes carry
 * whole minutes only, as the formatter drops the seconds of old offsets (LMT) the same way.
 */
function hourOffset(hour: number, timeZone: string): number | null {
  let zone = offsets.get(timeZone);
  if (!zone) offsets.set(timeZone, (zone = new Map()));
  let offset = zone.get(hour);
  if (offset === undefined) {
    const first = offsetAt(hour * HOUR_MS, timeZone);
    offset = first === offsetAt(hour * HOUR_MS + HOUR_MS - MINUTE_MS, timeZone) ? first : null;
    if (zone.size >= MAX_CACHED_HOURS) zone.clear();
    zone.set(hour, offset);
  }
  return offset;
}

/** "YYYY-MM-DDTHH:MM" in the given zone, DST included. */
export function toWallClock(instant: Date, timeZone: string): string {
  return wallClockAt(instant.getTime(), timeZone);
}

/** toWallClock of an instant in epoch milliseconds: no Date is made but the one that prints the result. */
export function wallClockAt(epochMs: number, timeZone: string): string {
  const minute = Math.round(epochMs / MINUTE_MS) * MINUTE_MS;
  const offset = hourOffset(Math.floor(minute / HOUR_MS), timeZone);
  if (offset === null) return wallClockByIntl(new Date(minute), timeZone);
  const local = minute + offset;
  const hour = Math.floor(local / HOUR_MS);
  let prefix = hourPrefixes.get(hour);
  if (prefix === undefined) {
    if (hourPrefixes.size >= MAX_CACHED_HOURS) hourPrefixes.clear();
    hourPrefixes.set(hour, (prefix = new Date(hour * HOUR_MS).toISOString().slice(0, 14)));
  }
  const m = (local - hour * HOUR_MS) / MINUTE_MS;
  return m < 10 ? `${prefix}0${m}` : `${prefix}${m}`;
}

/** "YYYY-MM-DDTHH:" of a wall-clock hour (epoch hours of the shifted instant): shared by every zone. */
const hourPrefixes = new Map<number, string>();

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

/** "28/11/2026 16:07:14" in the ERP's wall-clock zone: how every text an operator reads shows an instant. */
export function frenchTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat('fr-FR', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(d);
}

/** "16:07:14" in the ERP's wall-clock zone: the time of a log line in a terminal. */
export function frenchClock(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('fr-FR', { timeZone, timeStyle: 'medium' }).format(instant);
}
