/** Which staging database the settings point at, in words and without credentials (stderr of each command). */
import path from 'node:path';
import type { StagingSettings } from '../config.js';

/** `keyVaultUrl`: the KEY_VAULT_URL setting, where the URL may live (blank: none). */
export function describeStaging(s: StagingSettings, keyVaultUrl: string | undefined): string {
  if (s.STAGING_DATABASE_URL) return `Staging : PostgreSQL ${describePostgresUrl(s.STAGING_DATABASE_URL)}`;
  if (keyVaultUrl?.trim()) return 'Staging : URL PostgreSQL lue dans Key Vault (staging-database-url), sinon PostgreSQL embarqué';
  return `Staging : PostgreSQL embarqué (dossier ${path.resolve(s.STAGING_EMBEDDED_DIR)})`;
}

/** host:port/database of a PostgreSQL URL, never its user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || '(base par défaut)';
    return `${u.hostname || 'localhost'}:${u.port || '5432'}/${database}`;
  } catch {
    return '(URL illisible)';
  }
}
