/**
 * Before each step the agent compares the staging schema's version with the newest migration it
 * ships. They differ for a while after one side was updated: the agent then runs nothing (its SQL
 * may not fit the tables) and says which versions differ. It never migrates a shared staging.
 */
import type { Services } from '../services.js';
import { latestMigration, recordedVersion } from '../staging/migrate.js';
import type { AgentRole } from './plan.js';

export interface SchemaMismatch {
  known: number;
  found: number | null;
  message: string;
}

export async function schemaVersions(services: Services): Promise<{ known: number; found: number | null }> {
  return { known: latestMigration(), found: await recordedVersion(await services.staging()) };
}

export async function schemaMismatch(services: Services, role: AgentRole): Promise<SchemaMismatch | null> {
  // `--role all` owns its staging: it migrated it when it opened it.
  if (role === 'all') return null;
  const { known, found } = await schemaVersions(services);
  if (found === known) return null;
  const message =
    found === null
      ? `Schéma de staging absent (cet agent connaît la version ${known}) : l'agent n'exécute rien et ne crée pas le schéma. ` +
        `Le côté cloud le crée (déploiement, ou connecteur migrate).`
      : found > known
        ? `Schéma de staging en version ${found}, cet agent connaît la version ${known} : il n'exécute rien. ` +
          `Mettez l'agent à jour (la même version que le côté cloud).`
        : `Schéma de staging en version ${found}, cet agent attend la version ${known} : il n'exécute rien et ne migre jamais la base ` +
          `qu'il partage. Mettez à jour le côté cloud (déploiement, ou connecteur migrate).`;
  return { known, found, message };
}
