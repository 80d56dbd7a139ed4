/**
 * Key Vault with many companies (issue 26): the deployment's secrets are read once per process,
 * each company's own ones once per company, and a timer tick after the first reads none.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompanyDirectory } from '../../src/lib/companyServices.js';
import { KeyVaultSecrets } from '../../src/lib/secrets.js';

type WithClient = { client: () => Promise<unknown> };
const proto = KeyVaultSecrets.prototype as unknown as WithClient;
const realClient = proto.client;
const reads: string[] = [];
before(() => {
  // The vault's answers, counted: the stores' own caching is what is tested.
  proto.client = async () => ({
    getSecret: async (name: string) => (
      reads.push(name),
      { value: name === 'staging-database-url' ? 'postgresql://u@127.0.0.1:9/s' : `v-${name}` }
    ),
  });
});
after(() => void (proto.client = realClient));

const NAMES = Array.from({ length: 50 }, (_, i) => `c${i}`);

test('50 companies, two timer ticks: the staging URL read once, each company’s BatiSimply secrets once, the second tick reads nothing', async () => {
  const directory = new CompanyDirectory({ COMPANIES: NAMES.join(','), KEY_VAULT_URL: 'https://connecteur-test.vault.azure.net' });
  const tick = () =>
    Promise.all(
      directory.select().map(async ({ services }) => {
        await services.stagingConnection();
        await services.secrets.get('BATISIMPLY_CLIENT_SECRET');
        await services.secrets.get('BATISIMPLY_PASSWORD');
      }),
    );
  await tick();
  assert.equal(reads.filter((n) => n === 'staging-database-url').length, 1);
  assert.equal(reads.length, 1 + 2 * NAMES.length);
  assert.ok(reads.includes('c7-batisimply-client-secret'));
  const first = reads.length;
  await tick();
  assert.equal(reads.length, first);
  // A refused credential: that company's store and the shared one are read again, once.
  directory.get('c3').secrets.invalidate();
  await tick();
  assert.deepEqual(reads.slice(first).sort(), ['c3-batisimply-client-secret', 'c3-batisimply-password', 'staging-database-url']);
  await directory.close();
});
