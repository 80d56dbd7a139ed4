/** The jobs of the interface: five steps, and three chains of them. */
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import type { StagingDb } from '../staging/db.js';
import type { ReportBuilder } from './report.js';
import { transferChantiers } from './transferChantiers.js';
import { pushChantiers } from './pushChantiers.js';
import { recupHeures } from './recupHeures.js';
import { updateCodeProjet } from './updateCodeProjet.js';
import { heuresToSqlServer } from './heuresToSqlServer.js';

export interface JobContext {
  services: Services;
  db: StagingDb;
  dryRun: boolean;
  /** The operator confirmed deletions that recup-heures would otherwise hold (--allow-mass-delete). */
  allowMassDelete?: boolean;
  report: ReportBuilder;
  log: Logger;
  progress(done: number, total: number): void;
}

export const STEP_JOBS = {
  transfer: transferChantiers,
  'transfer-batisimply': pushChantiers,
  'recup-heures': recupHeures,
  'update-code-projet': updateCodeProjet,
  'heures-to-sqlserver': heuresToSqlServer,
} satisfies Record<string, (ctx: JobContext) => Promise<void>>;

export type StepJobName = keyof typeof STEP_JOBS;

const CHAINS = {
  chantiers: ['transfer', 'transfer-batisimply'],
  heures: ['recup-heures', 'update-code-projet', 'heures-to-sqlserver'],
  all: ['transfer', 'transfer-batisimply', 'recup-heures', 'update-code-projet', 'heures-to-sqlserver'],
} as const satisfies Record<string, readonly StepJobName[]>;

export type ChainJobName = keyof typeof CHAINS;
export type JobName = StepJobName | ChainJobName;

export const JOB_NAMES = [...Object.keys(STEP_JOBS), ...Object.keys(CHAINS)] as JobName[];

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
