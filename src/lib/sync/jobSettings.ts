/**
 * The settings each step uses, validated before it does any work — also when it has nothing to
 * do — so a missing setting is named on the first run, every one at once.
 */
import type { Services } from '../services.js';
import type { StepJobName } from './jobs.js';

async function batisimply(services: Services) {
  await services.batisimplySettings();
}

const NEEDS: Record<StepJobName, ((s: Services) => Promise<void>)[]> = {
  // Batigest steps open SQL Server first thing (and tests hand in their own port).
  transfer: [],
  'transfer-batisimply': [batisimply],
  'recup-heures': [batisimply],
  'update-code-projet': [batisimply],
  'heures-to-sqlserver': [],
};

export async function validateJobSettings(services: Services, job: StepJobName): Promise<void> {
  services.sync();
  for (const check of NEEDS[job]) await check(services);
}
