/**
 * The shapes BatiSimply was seen to answer (see the reference). Every answer is validated here;
 * unknown fields are kept, missing required ones fail with what was received.
 */
import * as z from 'zod';

export const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional().default(300),
  token_type: z.string().optional(),
});

export const keycloakErrorSchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
});

/** A missing id is refused, never coerced: an id 0 would send every later update to `PUT` id 0. */
const projectId = z.union(
  [
    z.number().int().positive(),
    z
      .string()
      .regex(/^[1-9]\d*$/)
      .transform(Number),
  ],
  { error: (issue) => `identifiant de projet absent ou invalide (reçu ${JSON.stringify(issue.input) ?? 'rien'})` },
);

export const projectSchema = z.looseObject({
  id: projectId,
  projectCode: z.string().nullish(),
  projectName: z.string().nullish(),
});
export type Project = z.output<typeof projectSchema>;

/**
 * GET /api/project: a page object (items under `elements`), or a bare array. Items are checked one
 * by one (`projectSchema`), so that one malformed project is reported instead of failing the list.
 */
const projectPageObject = z.looseObject({
  elements: z.array(z.unknown(), {
    error: (issue) =>
      issue.input === undefined ? 'champ « elements » manquant (la liste des projets y est attendue)' : '« elements » doit être une liste',
  }),
  totalPages: z.number().int().nonnegative().optional(),
  totalElements: z.number().int().nonnegative().optional(),
  size: z.number().int().positive().optional(),
});

/** A bare array, else the page object, with its own issues (a missing `elements` named) rather than a union's. */
export const projectPageSchema = z.unknown().transform((value, ctx): unknown[] | z.output<typeof projectPageObject> => {
  if (Array.isArray(value)) return value as unknown[];
  const page = projectPageObject.safeParse(value);
  if (page.success) return page.data;
  for (const issue of page.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
  return z.NEVER;
});

/** A time slot as the connector uses it; the fields it does not use are not kept. */
export interface TimeSlot {
  id: string;
  startDate: string;
  endDate: string;
  user: { id: string; firstName: string | null; lastName: string | null };
  project: { id: number; projectCode: string | null } | null;
  managementStatus: string;
  totalTimeMinutes: number;
  hasPackedLunch: boolean;
  hasHomeToWorkJourney: boolean;
}

/** A slot refused on its own, with the field at fault; `id` is null when the slot has none usable. */
export interface RefusedSlot {
  id: string | null;
  field: string;
  message: string;
}

/**
 * The slot list came back as a bare array, and once wrapped. Only the envelope is checked here:
 * each slot is checked on its own (checkTimeSlot), so that one bad slot does not refuse the list.
 */
export const timeSlotListSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ elements: z.array(z.unknown()) }).transform((p) => p.elements),
  z.looseObject({ content: z.array(z.unknown()) }).transform((p) => p.content),
]);

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class Refusal {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalText(v: unknown, field: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new Refusal(field, 'texte attendu');
  return v;
}

function optionalFlag(v: unknown, field: string): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v !== 'boolean') throw new Refusal(field, 'booléen attendu');
  return v;
}

function instant(v: unknown, field: string): [string, number] {
  const ms = typeof v === 'string' && ISO_INSTANT.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw new Refusal(field, 'date-heure ISO 8601 avec fuseau attendue');
  // Date.parse rolls an impossible day over (2026-02-30 → 2 March), PostgreSQL refuses it at the
  // INSERT and with it the whole import: the calendar date is checked as written.
  if (!possibleDate(v as string)) throw new Refusal(field, `date impossible (${(v as string).slice(0, 10)}) : ce jour n’existe pas`);
  return [v as string, ms];
}

function possibleDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const [hh, mm] = [Number(text.slice(11, 13)), Number(text.slice(14, 16))];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth && hh <= 23 && mm <= 59;
}

function slotId(raw: Record<string, unknown>): string | null {
  const id = raw.id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  if (typeof id === 'string' && id.trim() !== '') return id;
  return null;
}

/**
 * One slot of the list, checked by hand: a zod parse of every slot cost more than the rest of
 * the conversion. Missing values are refused, never filled in (a project without id is not
 * project 0); a slot without project is a slot without project.
 */
export function checkTimeSlot(raw: unknown): { slot: TimeSlot } | { refused: RefusedSlot } {
  if (!isObject(raw)) return { refused: { id: null, field: '(créneau)', message: 'objet attendu' } };
  const id = slotId(raw);
  try {
    if (id === null) throw new Refusal('id', 'identifiant manquant ou illisible');
    const [startDate, startMs] = instant(raw.startDate, 'startDate');
    const [endDate, endMs] = instant(raw.endDate, 'endDate');
    if (endMs < startMs) throw new Refusal('endDate', `fin (${endDate}) avant le début (${startDate})`);
    const user = raw.user;
    if (!isObject(user)) throw new Refusal('user', 'salarié manquant');
    if (typeof user.id !== 'string' || !UUID.test(user.id)) throw new Refusal('user.id', 'UUID attendu');
    let project: TimeSlot['project'] = null;
    if (raw.project !== null && raw.project !== undefined) {
      if (!isObject(raw.project)) throw new Refusal('project', 'objet attendu');
      const pid = raw.project.id;
      const n = typeof pid === 'number' ? pid : typeof pid === 'string' && /^\d+$/.test(pid) ? Number(pid) : NaN;
      if (!Number.isSafeInteger(n))
        throw new Refusal('project.id', pid === null || pid === undefined ? 'identifiant de projet manquant' : 'entier attendu');
      project = { id: n, projectCode: optionalText(raw.project.projectCode, 'project.projectCode') };
    }
    const minutes = raw.totalTimeMinutes;
    if (typeof minutes !== 'number' || !Number.isSafeInteger(minutes) || minutes < 0) {
      throw new Refusal('totalTimeMinutes', 'nombre entier de minutes attendu');
    }
    return {
      slot: {
        id,
        startDate,
        endDate,
        user: {
          id: user.id,
          firstName: optionalText(user.firstName, 'user.firstName'),
          lastName: optionalText(user.lastName, 'user.lastName'),
        },
        project,
        managementStatus: optionalText(raw.managementStatus, 'managementStatus') ?? 'UNKNOWN',
        totalTimeMinutes: minutes,
        hasPackedLunch: optionalFlag(raw.hasPackedLunch, 'hasPackedLunch'),
        hasHomeToWorkJourney: optionalFlag(raw.hasHomeToWorkJourney, 'hasHomeToWorkJourney'),
      },
    };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return { refused: { id, field: error.field, message: error.message } };
  }
}

/** What the connector sends to create or update a project. Unknown values are omitted, never invented. */
export interface ProjectBody {
  id?: number;
  projectCode: string;
  projectName: string;
  customerName?: string;
  comment?: string;
  startEstimated: string | null;
  endEstimated: string | null;
  hoursSold?: number;
  headQuarter?: { id: number };
  address?: {
    street?: string;
    postalCode?: string;
    city?: string;
    countryCode: 'FR';
    googleFormattedAddress?: string;
    geoPoint?: { xLon: number; yLat: number };
  };
  isFinished?: boolean;
  isArchived?: boolean;
}
