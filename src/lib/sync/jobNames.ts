/**
 * The names and labels of the jobs, apart from their code: the triggers, the queue and the
 * dashboard list the jobs without loading them (a job's drivers load when it runs).
 */
export const STEP_NAMES = ['transfer', 'transfer-batisimply', 'recup-heures', 'update-code-projet', 'heures-to-sqlserver'] as const;

export type StepJobName = (typeof STEP_NAMES)[number];

const CHAINS = {
  chantiers: ['transfer', 'transfer-batisimply'],
  heures: ['recup-heures', 'update-code-projet', 'heures-to-sqlserver'],
  all: ['transfer', 'transfer-batisimply', 'recup-heures', 'update-code-projet', 'heures-to-sqlserver'],
} as const satisfies Record<string, readonly StepJobName[]>;

export type ChainJobName = keyof typeof CHAINS;
export type JobName = StepJobName | ChainJobName;

export const JOB_NAMES = [...STEP_NAMES, ...Object.keys(CHAINS)] as JobName[];

export const JOB_LABELS: Record<JobName, string> = {
  transfer: 'Chantiers Batigest → staging',
  'transfer-batisimply': 'Chantiers staging → BatiSimply',
  'recup-heures': 'Heures BatiSimply → staging',
  'update-code-projet': 'Codes chantier des heures',
  'heures-to-sqlserver': 'Heures validées → SuiviMO',
  chantiers: 'Chantiers (enchaînement)',
  heures: 'Heures (enchaînement)',
  all: 'Tout (chantiers puis heures)',
};

export function isJobName(name: string): name is JobName {
  return (JOB_NAMES as string[]).includes(name);
}

export function isChain(job: JobName): job is ChainJobName {
  return job in CHAINS;
}

export function stepsOf(job: ChainJobName): readonly StepJobName[] {
  return CHAINS[job];
}
