/** Opens the staging database named by the settings, without migrating it (for `connecteur migrate`). */
import { parseSection, stagingSchema, type Env } from '../config.js';
import { registerSecret } from '../log.js';
import { createSecretStore, withSecrets } from '../secrets.js';
import { EmbeddedDb, PostgresDb, type StagingDb } from './db.js';

/** `schema`: a company's schema (unset: `public`, the single company `default`). */
export async function openStaging(env: Env, schema?: string): Promise<StagingDb> {
  const resolved = await withSecrets(env, createSecretStore(env), ['STAGING_DATABASE_URL']);
  registerSecret(resolved.STAGING_DATABASE_URL);
  const s = parseSection(stagingSchema, resolved, 'staging');
  return s.STAGING_DATABASE_URL
    ? new PostgresDb(s.STAGING_DATABASE_URL, { max: s.STAGING_POOL_MAX, schema })
    : EmbeddedDb.open(s.STAGING_EMBEDDED_DIR);
}
