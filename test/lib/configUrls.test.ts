/** Only http: and https: URLs are BatiSimply settings: anything else is refused at validation, naming the setting. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batisimplySchema, parseSection } from '../../src/lib/config.js';

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
