/** Reading a sandbox seed file: JSON checked against the seed's shape, errors naming the file and the field. */
import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { ConfigurationError } from '../lib/errors.js';
import type { SandboxSeed } from './state.js';

const project = z.looseObject({ id: z.number().int().positive(), projectCode: z.string().min(1), projectName: z.string() });
const timeSlot = z.looseObject({
  id: z.union([z.number(), z.string().min(1)]),
  startDate: z.string().min(1),
  endDate: z.string().min(1),
  user: z.looseObject({ id: z.string().min(1) }),
  project: z.looseObject({ id: z.number().int() }).nullable(),
  managementStatus: z.string(),
  totalTimeMinutes: z.number().min(0),
  hasPackedLunch: z.boolean(),
  hasHomeToWorkJourney: z.boolean(),
});

export const seedSchema = z.strictObject({
  clients: z.array(z.strictObject({ clientId: z.string().min(1), clientSecret: z.string().optional() })).optional(),
  users: z.array(z.strictObject({ username: z.string().min(1), password: z.string() })).optional(),
  headQuarters: z.array(z.number().int().positive()).optional(),
  projects: z.array(project).optional(),
  timeSlots: z.array(timeSlot).optional(),
  // What the sandbox geocoder knows (geocoder.ts): a query, the matched label, its point and score.
  addresses: z
    .array(
      z.strictObject({
        query: z.string().min(1),
        label: z.string(),
        lon: z.number().min(-180).max(180),
        lat: z.number().min(-90).max(90),
        score: z.number().min(0).max(1),
      }),
    )
    .optional(),
});

export async function readSeed(file: string): Promise<SandboxSeed> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `Fichier de départ ${file} illisible (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
      { code: 'SEED_UNREADABLE', cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`Fichier de départ ${file} : JSON invalide (${(error as Error).message}).`, {
      code: 'SEED_INVALID',
      cause: error,
    });
  }
  const parsed = seedSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((i) => `${i.path.length ? i.path.join('.') : '(racine)'} : ${i.message}`);
    throw new ConfigurationError(`Fichier de départ ${file} mal formé : ${problems.join(' ; ')}`, { code: 'SEED_INVALID' });
  }
  return parsed.data as SandboxSeed;
}
