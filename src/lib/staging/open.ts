/** Opens the staging database named by the settings, without migrating it (for `connecteur migrate`). */
import type { StagingSettings } from '../config.js';
import { registerSecret } from '../log.js';
import { EmbeddedDb, PostgresDb, type StagingDb } from './db.js';

/**
 * `settings`: validated, the URL read from Key Vault when it lives there (`Services.stagingConnection`).
 * `schema`: a company's schema (unset: `public`, the single company `default`).
 */
export async function openStaging(
  settings: StagingSettings,
  schema?: string,
  options: { showTime?: (iso: string) => string } = {},
): Promise<StagingDb> {
  registerSecret(settings.STAGING_DATABASE_URL);
  return settings.STAGING_DATABASE_URL
    ? new PostgresDb(settings.STAGING_DATABASE_URL, { max: settings.STAGING_POOL_MAX, schema, shared: true })
    : EmbeddedDb.open(settings.STAGING_EMBEDDED_DIR, options);
}
