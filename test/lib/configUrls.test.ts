/**
 * Only http: and https: URLs are BatiSimply settings: anything else is refused at validation,
 * naming the setting. A staging URL on Azure's PgBouncer port is refused the same way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batisimplySchema, parseSection, stagingSchema } from '../../src/lib/config.js';

const base = {
  BATISIMPLY_API_URL: 'https://api.example/',
  BATISIMPLY_TOKEN_URL: 'https://sso.example/auth/realms/x/protocol/openid-connect/token',
  BATISIMPLY_GRANT_TYPE: 'client_credentials',
  BATISIMPLY_CLIENT_ID: 'c',
  BATISIMPLY_CLIENT_SECRET: 's',
};

for (const [setting, value] of [
  ['BATISIMPLY_API_URL', 'ftp://files.example/api'],
  ['BATISIMPLY_TOKEN_URL', 'javascript:alert(1)'],
  ['BATISIMPLY_TOKEN_URL', 'file:///etc/passwd'],
  ['BATISIMPLY_API_URL', 'data:text/plain,x'],
] as const) {
  test(`${setting}=${value}: refused, in French, naming the setting`, () => {
    assert.throws(
      () => parseSection(batisimplySchema, { ...base, [setting]: value }, 'BatiSimply'),
      (e: Error) => {
        assert.match(e.message, new RegExp(`${setting} invalide \\(URL http:// ou https:// attendue`));
        return true;
      },
    );
  });
}

test('http and https URLs pass', () => {
  const s = parseSection(batisimplySchema, { ...base, BATISIMPLY_API_URL: 'http://127.0.0.1:8089' }, 'BatiSimply');
  assert.equal(s.BATISIMPLY_API_URL, 'http://127.0.0.1:8089');
});

test('STAGING_DATABASE_URL on port 6432 (PgBouncer): refused, in French, naming the setting and port 5432', () => {
  assert.throws(
    () =>
      parseSection(
        stagingSchema,
        { STAGING_DATABASE_URL: 'postgresql://u:Pg-Secret-1@psql-x.postgres.database.azure.com:6432/staging' },
        'staging',
      ),
    (e: Error) => {
      assert.match(e.message, /STAGING_DATABASE_URL invalide \(port 6432 : c’est le PgBouncer d’Azure.*port 5432\)/);
      assert.doesNotMatch(e.message, /Pg-Secret-1/);
      return true;
    },
  );
  const direct = parseSection(
    stagingSchema,
    { STAGING_DATABASE_URL: 'postgresql://u@psql-x.postgres.database.azure.com:5432/staging' },
    'staging',
  );
  assert.match(direct.STAGING_DATABASE_URL!, /:5432\//);
});
