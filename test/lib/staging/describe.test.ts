/** Which staging database the settings point at, in the words each command prints (no credentials). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseSection, stagingSchema, type Env } from '../../../src/lib/config.js';
import { describePostgresUrl, describeStaging as describeSettings } from '../../../src/lib/staging/describe.js';

/** What a command prints for these settings. */
const describeStaging = (env: Env) => describeSettings(parseSection(stagingSchema, env, 'staging'), env.KEY_VAULT_URL);

test('a PostgreSQL URL: host, port and decoded database, never the user or password', () => {
  assert.equal(
    describeStaging({ STAGING_DATABASE_URL: 'postgresql://alice:s3cret@db.example.com:6543/stage%20one' }),
    'Staging : PostgreSQL db.example.com:6543/stage one',
  );
});

test('a URL without host, port or database: the defaults', () => {
  assert.equal(describePostgresUrl('postgresql:///'), 'localhost:5432/(base par défaut)');
});

test('a URL that does not parse: said so, the text not repeated', () => {
  assert.equal(describePostgresUrl('postgresql://[bad'), '(URL illisible)');
});

test('no URL but a Key Vault: the URL is read there, else the embedded database', () => {
  assert.equal(
    describeStaging({ KEY_VAULT_URL: 'https://kv.example.vault.azure.net' }),
    'Staging : URL PostgreSQL lue dans Key Vault (staging-database-url), sinon PostgreSQL embarqué',
  );
});

test('a Key Vault URL of blanks is no Key Vault: the embedded database and its folder', () => {
  assert.equal(describeStaging({ KEY_VAULT_URL: '  ' }), `Staging : PostgreSQL embarqué (dossier ${path.resolve('.data/staging')})`);
});

test('the embedded database in the folder given', () => {
  assert.equal(
    describeStaging({ STAGING_EMBEDDED_DIR: '/srv/connecteur/staging' }),
    'Staging : PostgreSQL embarqué (dossier /srv/connecteur/staging)',
  );
});
