/**
 * The shapes BatiSimply was seen to answer (see the reference). Every answer is validated here;
 * unknown fields are kept, missing required ones fail with what was received.
 */
import { z } from 'zod';

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
  [z.number().int().positive(), z.string().regex(/^[1-9]\d*$/).transform(Number)],
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
export const projectPageSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({
    elements: z.array(z.unknown()),
    totalPages: z.number().int().nonnegative().optional(),
    totalElements: z.number().int().nonnegative().optional(),
    size: z.number().int().positive().optional(),
  }),
]);

export const timeSlotSchema = z.looseObject({
  id: z.union([z.number(), z.string().min(1)]).transform(String),
  startDate: z.iso.datetime({ offset: true }),
  endDate: z.iso.datetime({ offset: true }),
  user: z.looseObject({ id: z.uuid(), firstName: z.string().nullish(), lastName: z.string().nullish() }),
  project: z
    .looseObject({ id: z.coerce.number().int(), projectCode: z.string().nullish() })
    .nullish()
    .transform((p) => p ?? null),
  managementStatus: z.string().nullish().transform((s) => s ?? 'UNKNOWN'),
  totalTimeMinutes: z.number().int().min(0),
  hasPackedLunch: z.boolean().nullish().transform((b) => b ?? false),
  hasHomeToWorkJourney: z.boolean().nullish().transform((b) => b ?? false),
});
export type TimeSlot = z.output<typeof timeSlotSchema>;

/** The slot list came back as a bare array, and once wrapped. */
export const timeSlotListSchema = z.union([
  z.array(timeSlotSchema),
  z.looseObject({ elements: z.array(timeSlotSchema) }).transform((p) => p.elements),
  z.looseObject({ content: z.array(timeSlotSchema) }).transform((p) => p.content),
]);

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
