/**
 * `POST /api/connect-postgres` with `"save": true`: the staging URL is one secret for every
 * company, so it is not saved from one company's check; a PgBouncer URL is bad input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecretSetting } from '../../src/lib/config.js';
import { ConfigurationError } from '../../src/lib/errors.js';
import { testConnection } from '../../src/lib/ops/checks.js';
import type { SecretStore } from '../../src/lib/secrets.js';
import { Services } from '../../src/lib/services.js';

function vault(): SecretStore & { saved: SecretSetting[] } {
  const saved: SecretSetting[] = [];
  return {
    kind: 'keyvault',
    saved,
    get: () => Promise.resolve(undefined),
    invalidate() {},
    save: (s) => Promise.resolve(void saved.push(s)),
  };
}

const closedPort = 'postgresql://postgres:Pg-Secret-7@127.0.0.1:9/staging';

test('several companies: saving the staging URL from one of them is refused (400), nothing saved, nothing tested', async () => {
  const secrets = vault();
  const services = new Services({ COMPANIES: 'acme,beta-btp' }, { secrets }, { company: 'acme', schema: 'company_acme' });
  await assert.rejects(
    testConnection(services, 'postgres', { url: closedPort }, true),
    (e: Error) =>
      e instanceof ConfigurationError &&
      e.code === 'BAD_INPUT' &&
      /commune aux sociétés acme, beta-btp/.test(e.message) &&
      /staging-database-url/.test(e.message),
  );
  assert.deepEqual(secrets.saved, []);
});

test('several companies: testing the staging URL without saving is still allowed', async () => {
  const services = new Services({ COMPANIES: 'acme,beta-btp' }, { secrets: vault() }, { company: 'acme', schema: 'company_acme' });
  const result = await testConnection(services, 'postgres', { url: closedPort }, false);
  assert.equal(result.ok, false);
  assert.equal(result.step, 'tcp');
});

test('one company: the save is not refused (the connection is tested; a failed test saves nothing)', async () => {
  const secrets = vault();
  const result = await testConnection(new Services({}, { secrets }), 'postgres', { url: closedPort }, true);
  assert.equal(result.step, 'tcp');
  assert.deepEqual(secrets.saved, []);
});

test('a URL on PgBouncer port 6432 is bad input naming STAGING_DATABASE_URL', async () => {
  await assert.rejects(
    testConnection(new Services({}, { secrets: vault() }), 'postgres', { url: 'postgresql://u@h:6432/staging' }, false),
    (e: Error) => e instanceof ConfigurationError && e.code === 'BAD_INPUT' && /STAGING_DATABASE_URL\) : port 6432/.test(e.message),
  );
});
