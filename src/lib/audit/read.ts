/**
 * The audit's reads: each system once, with the jobs' adapters and batching (BatiSimply's slots in
 * HEURES_CHUNK_DAYS windows, its projects page by page, SuiviMO in one ranged SELECT).
 */
import type { Project, TimeSlot } from '../batisimply/client.js';
import { ConfigurationError } from '../errors.js';
import type { Services } from '../services.js';
import { auditChantiers, auditSlots, type AuditStagedChantier, type AuditStagedSlot } from '../staging/audit.js';
import { toWallClock } from '../time.js';
import type { ChantierSource } from '../domain/chantier.js';
import type { Salarie } from '../domain/salarie.js';
import type { SuiviMoRow } from '../domain/suiviMo.js';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface AuditWindow {
  /** Wall-clock days in SYNC_TIMEZONE: `from` included, `to` excluded. */
  from: string;
  to: string;
  timeZone: string;
}

export interface AuditInputs {
  window: AuditWindow;
  batigest: { chantiers: ChantierSource[]; salaries: Salarie[]; suiviMo: SuiviMoRow[] };
  staging: { chantiers: AuditStagedChantier[]; slots: AuditStagedSlot[] };
  batisimply: { projects: Project[]; slots: TimeSlot[] };
  etats: readonly string[] | undefined;
}

/** A calendar day that exists: 2026-02-30 is refused, not read as 2 March. */
const isDay = (value: string) => {
  const day = new Date(`${value}T00:00:00Z`);
  return DATE.test(value) && !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
};

/** How the bounds are named to the operator: `--from` in the CLI, `paramètre from` over HTTP. */
export type BoundName = (bound: 'from' | 'to') => string;
export const cliBound: BoundName = (bound) => `--${bound}`;

/** The window asked for, or the last HEURES_WINDOW_DAYS days up to today included. */
export function auditWindow(
  services: Services,
  asked: { from?: string; to?: string },
  now = new Date(),
  named: BoundName = cliBound,
): AuditWindow {
  const { SYNC_TIMEZONE, HEURES_WINDOW_DAYS } = services.sync();
  for (const bound of ['from', 'to'] as const) {
    const value = asked[bound];
    if (value !== undefined && !isDay(value)) {
      const name = named(bound);
      throw new ConfigurationError(
        `${name.charAt(0).toUpperCase()}${name.slice(1)} invalide : « ${value} » (date AAAA-MM-JJ existante attendue).`,
        { code: 'BAD_INPUT' },
      );
    }
  }
  const day = (instant: Date) => toWallClock(instant, SYNC_TIMEZONE).slice(0, 10);
  const to = asked.to ?? day(new Date(now.getTime() + DAY_MS));
  const from = asked.from ?? day(new Date(Date.parse(`${to}T12:00:00Z`) - (HEURES_WINDOW_DAYS + 1) * DAY_MS));
  if (from >= to)
    throw new ConfigurationError(`Période vide : ${named('from')} ${from} doit précéder ${named('to')} ${to}.`, { code: 'BAD_INPUT' });
  return { from, to, timeZone: SYNC_TIMEZONE };
}

export async function readAuditInputs(services: Services, window: AuditWindow): Promise<AuditInputs> {
  const { HEURES_CHUNK_DAYS, CHANTIERS_ETATS } = services.sync();
  const db = await services.staging();
  const batigest = await services.batigest();
  const api = await services.batisimply();

  // Wall-clock days are at most 14 hours away from UTC: a day on each side covers the window.
  const start = Date.parse(`${window.from}T00:00:00Z`) - DAY_MS;
  const end = Date.parse(`${window.to}T00:00:00Z`) + DAY_MS;
  const readSlots = async () => {
    const slots = new Map<string, TimeSlot>();
    for (let t = start; t < end; t += HEURES_CHUNK_DAYS * DAY_MS) {
      for (const s of (await api.listTimeSlots(new Date(t), new Date(Math.min(end, t + HEURES_CHUNK_DAYS * DAY_MS)))).slots)
        slots.set(s.id, s);
    }
    const inWindow = (s: TimeSlot) => {
      const day = toWallClock(new Date(s.startDate), window.timeZone).slice(0, 10);
      return day >= window.from && day < window.to;
    };
    return [...slots.values()].filter(inWindow);
  };

  const [chantiers, salaries, suiviMo, projects, bsSlots, stagedChantiers] = await Promise.all([
    batigest.readChantiers(),
    batigest.readSalaries(),
    batigest.readSuiviMoBetween(window.from, window.to),
    api.listProjects(),
    readSlots(),
    auditChantiers(db),
  ]);
  const slots = await auditSlots(
    db,
    window.from,
    window.to,
    bsSlots.map((s) => s.id),
  );
  return {
    window,
    batigest: { chantiers, salaries, suiviMo },
    staging: { chantiers: stagedChantiers, slots },
    batisimply: { projects, slots: bsSlots },
    etats: CHANTIERS_ETATS,
  };
}
