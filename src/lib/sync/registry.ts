/**
 * The jobs, each declared once: its name (the same in the CLI, the HTTP routes and the run
 * history), its French label, the settings it needs, the outside systems it touches, and its
 * entry. A step's module (and the drivers it imports) loads when the step first runs, so that
 * a process pays only for its job; everything else here loads with nothing behind it.
 */
import type { JobContext, Section } from './context.js';

/** The outside systems a step touches beside the staging database. */
export type System = 'batigest' | 'batisimply' | 'geocoder';

export interface StepDefinition<S extends Section = Section> {
  label: string;
  /** What the step does, for the help and the dashboard. */
  does: string;
  /** Sections validated before the step does any work (also when it has nothing to do), beside `sync`. */
  settings: readonly S[];
  systems: readonly System[];
  /** What its progress counts, as the dashboard shows it ("14/101 créneaux"); `%`: a share of its work. */
  progressUnit: 'chantiers' | 'adresses' | 'créneaux' | 'projets' | '%';
  /**
   * Steps that write the same records in one outside system share a lock: one of them at a time,
   * whether run alone or in a chain. Unset: the step's own name.
   */
  lock?: string;
  entry: () => Promise<(ctx: JobContext<S>) => Promise<void>>;
}

const step = <S extends Section = never>(definition: StepDefinition<S>) => definition;

export const STEPS = {
  transfer: step({
    label: 'Chantiers Batigest → staging',
    does: 'chantiers Batigest → staging ; note ceux qui ont quitté Batigest',
    settings: [],
    systems: ['batigest'],
    progressUnit: 'chantiers',
    entry: async () => (await import('./transfer.js')).transferChantiers,
  }),
  'fin-chantiers': step({
    label: 'Chantiers terminés → BatiSimply',
    does: 'termine (ou rouvre) dans BatiSimply les projets des chantiers sortis de Batigest (ou revenus)',
    settings: ['batisimply'],
    systems: ['batisimply'],
    progressUnit: 'chantiers',
    // Both write BatiSimply's projects (a PUT carries the whole object): never at once. The lock
    // keeps the push's name, which a connector of an earlier version takes too.
    lock: 'transfer-batisimply',
    entry: async () => (await import('./finChantiers.js')).finishChantiers,
  }),
  'geocode-chantiers': step({
    label: 'Géocodage des chantiers',
    does: 'géocode les adresses des chantiers à envoyer (GEOCODE_ENABLED)',
    settings: ['geocode'],
    systems: ['geocoder'],
    progressUnit: 'adresses',
    entry: async () => (await import('./geocodeChantiers.js')).geocodeChantiers,
  }),
  'transfer-batisimply': step({
    label: 'Chantiers staging → BatiSimply',
    does: 'chantiers à envoyer → projets BatiSimply (mise à jour, sinon création)',
    settings: ['batisimply', 'geocode'],
    systems: ['batisimply'],
    progressUnit: 'chantiers',
    entry: async () => (await import('./transferBatisimply.js')).pushChantiers,
  }),
  'recup-heures': step({
    label: 'Heures BatiSimply → staging',
    does: 'créneaux BatiSimply de la fenêtre → staging',
    settings: ['batisimply'],
    systems: ['batisimply'],
    progressUnit: '%',
    entry: async () => (await import('./recupHeures.js')).recupHeures,
  }),
  'update-code-projet': step({
    label: 'Codes chantier des heures',
    does: 'code chantier des heures : projet du créneau, chantier en staging, sinon BatiSimply',
    settings: ['batisimply'],
    systems: ['batisimply'],
    progressUnit: 'projets',
    entry: async () => (await import('./updateCodeProjet.js')).updateCodeProjet,
  }),
  'heures-to-sqlserver': step({
    label: 'Heures validées → SuiviMO',
    does: 'heures validées → SuiviMO (une fois, mises à jour, retirées)',
    settings: [],
    systems: ['batigest'],
    progressUnit: 'créneaux',
    entry: async () => (await import('./heuresToSqlServer.js')).heuresToSqlServer,
  }),
};

export type StepJobName = keyof typeof STEPS;

const CHANTIERS = ['transfer', 'fin-chantiers', 'geocode-chantiers', 'transfer-batisimply'] as const satisfies readonly StepJobName[];
const HEURES = ['recup-heures', 'update-code-projet', 'heures-to-sqlserver'] as const satisfies readonly StepJobName[];

export const CHAINS = {
  chantiers: { label: 'Chantiers (enchaînement)', steps: CHANTIERS },
  heures: { label: 'Heures (enchaînement)', steps: HEURES },
  all: { label: 'Tout (chantiers puis heures)', steps: [...CHANTIERS, ...HEURES] },
} as const satisfies Record<string, { label: string; steps: readonly StepJobName[] }>;

export type ChainJobName = keyof typeof CHAINS;
export type JobName = StepJobName | ChainJobName;

export const STEP_NAMES = Object.keys(STEPS) as StepJobName[];
export const JOB_NAMES: readonly JobName[] = [...STEP_NAMES, ...(Object.keys(CHAINS) as ChainJobName[])];

export const JOB_LABELS: Readonly<Record<JobName, string>> = Object.fromEntries([
  ...STEP_NAMES.map((name) => [name, STEPS[name].label]),
  ...(Object.keys(CHAINS) as ChainJobName[]).map((name) => [name, CHAINS[name].label]),
]) as Record<JobName, string>;

export function isJobName(name: string): name is JobName {
  return (JOB_NAMES as readonly string[]).includes(name);
}

export function isChain(job: JobName): job is ChainJobName {
  return job in CHAINS;
}

export function stepsOf(job: JobName): readonly StepJobName[] {
  return isChain(job) ? CHAINS[job].steps : [job];
}

/** The lock a step's runs take: its shared lock, else its own name. */
export function lockOf(job: JobName): string {
  return isChain(job) ? job : ((STEPS[job] as StepDefinition).lock ?? job);
}

/** The steps that share the step's lock (the step itself included). */
export function stepsSharingLock(job: StepJobName): StepJobName[] {
  const lock = lockOf(job);
  return STEP_NAMES.filter((s) => lockOf(s) === lock);
}

export function stepTouches(job: StepJobName, system: System): boolean {
  return (STEPS[job].systems as readonly System[]).includes(system);
}
