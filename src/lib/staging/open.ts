/** Opens the staging database named by the settings, without migrating it (for `connecteur migrate`). */
import { parseSection, stagingSchema, type Env } from '../config.js';
import { registerSecret } from '../log.js';
import { createSecretStore, withSecrets } from '../secrets.js';
import { EmbeddedDb, PostgresDb, type StagingDb } from './db.js';

export async function openStaging(env: Env): Promise<StagingDb> {
  const resolved = await withSecrets(env, createSecretStore(env), ['STAGING_DATABASE_URL']);
  registerSecret(resolved.STAGING_DATABASE_URL);
  const s = parseSection(stagingSchema, resolved, 'staging');
  return s.STAGING_DATABASE_URL ? new PostgresDb(s.STAGING_DATABASE_URL) : EmbeddedDb.open(s.STAGING_EMBEDDED_DIR);
}
