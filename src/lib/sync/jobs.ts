/**
 * The jobs of the interface: five steps, and three chains of them. Each step's module (and the
 * drivers it imports) loads when the step first runs, so that a process pays only for its job.
 */
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import type { StagingDb } from '../staging/db.js';
import type { ReportBuilder } from './report.js';
import type { StepJobName } from './jobNames.js';

export { isChain, isJobName, JOB_LABELS, JOB_NAMES, stepsOf, STEP_NAMES } from './jobNames.js';
export type { ChainJobName, JobName, StepJobName } from './jobNames.js';

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

export const STEP_JOBS: Record<StepJobName, (ctx: JobContext) => Promise<void>> = {
  transfer: async (ctx) => (await import('./transferChantiers.js')).transferChantiers(ctx),
  'transfer-batisimply': async (ctx) => (await import('./pushChantiers.js')).pushChantiers(ctx),
  'recup-heures': async (ctx) => (await import('./recupHeures.js')).recupHeures(ctx),
  'update-code-projet': async (ctx) => (await import('./updateCodeProjet.js')).updateCodeProjet(ctx),
  'heures-to-sqlserver': async (ctx) => (await import('./heuresToSqlServer.js')).heuresToSqlServer(ctx),
};
