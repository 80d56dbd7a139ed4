/**
 * The secret stores: the environment, and Key Vault through the real `@azure/keyvault-secrets`
 * client talking to a local HTTP stand-in for the vault REST API (GET/PUT /secrets/<name>).
 * Pins what is read from where, what is cached, what an invalidation and a save forget, and the
 * typed errors. Written from the surviving mutants of secrets.js.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TokenCredential } from '@azure/identity';
import { EnvironmentSecrets, KeyVaultSecrets, createSecretStore, withSecrets } from '../../src/lib/secrets.js';
import type { SecretSetting } from '../../src/lib/config.js';

/**
 * The SDK only talks HTTPS: the stand-in serves a throw-away self-signed certificate for
 * 127.0.0.1 (test only, guards nothing), and this test process accepts it while the tests run.
 */
const TEST_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg9yAjgdCiNU9hnWY3
1mQjpahos0SBekdgpPxEqOeNS1yhRANCAAT3E/qJy2ijui9QTgrzBn2qEMqTxW+u
ysH8TfzA+eFLQaDigD+toE+NNMa+AAsz52AdQQtb4UIX5En5IHhsuRJP
-----END PRIVATE KEY-----`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBjzCCATagAwIBAgIUfpvWV1H7Lf/qtOZ9OBqfdE3NHwIwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyODE2NDQyNloYDzIxMjYxMTA0
MTY0NDI2WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAT3E/qJy2ijui9QTgrzBn2qEMqTxW+uysH8TfzA+eFLQaDigD+toE+N
NMa+AAsz52AdQQtb4UIX5En5IHhsuRJPo2QwYjAdBgNVHQ4EFgQU1qlgl10cxz5R
PzqfBCE5nEBXYnEwHwYDVR0jBBgwFoAU1qlgl10cxz5RPzqfBCE5nEBXYnEwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC
IHikqhLLxJQtX3l6cqVHzT4maymGk9mYoC37Yj9MFc2dAiAeBvrVURLETY6lVKbg
FtqHD+Ty3HMHHLc+ufXxQ8XyBw==
-----END CERTIFICATE-----`,
};

interface Hit {
  method: string;
  name: string;
}

/** A vault that answers without a challenge: the SDK's first (unauthenticated) request gets the answer. */
class FakeVault {
  readonly secrets = new Map<string, string>();
  /** Status forced for the next requests of a secret name (404 absent is the default for unknown names). */
  readonly failWith = new Map<string, number>();
  readonly hits: Hit[] = [];
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer(
      TEST_TLS,
      (req, res) =>
        void this.answer(req).then(([status, body]) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        }),
    );
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop() {
    await new Promise((resolve) => this.server.close(resolve));
  }

  reads(name: string) {
    return this.hits.filter((h) => h.method === 'GET' && h.name === name).length;
  }

  private async answer(req: IncomingMessage): Promise<[number, unknown]> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const name = decodeURIComponent(new URL(req.url!, this.url).pathname.split('/')[2] ?? '');
    this.hits.push({ method: req.method!, name });
    const forced = this.failWith.get(name);
    if (forced) return [forced, { error: { code: 'Forbidden', message: `refused ${name}` } }];
    const bundle = (value: string) => ({ value, id: `${this.url}/secrets/${name}/v1`, attributes: { enabled: true } });
    if (req.method === 'PUT') {
      const value = (JSON.parse(raw) as { value: string }).value;
      this.secrets.set(name, value);
      return [200, bundle(value)];
    }
    const value = this.secrets.get(name);
    if (value === undefined) return [404, { error: { code: 'SecretNotFound', message: `no ${name}` } }];
    return [200, bundle(value)];
  }
}

const credential: TokenCredential = { getToken: async () => ({ token: 'unused', expiresOnTimestamp: Date.now() + 3_600_000 }) };

let vault: FakeVault;
const tlsCheck = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
before(async () => {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  vault = new FakeVault();
  await vault.start();
});
after(async () => {
  await vault.stop();
  if (tlsCheck === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  else process.env.NODE_TLS_REJECT_UNAUTHORIZED = tlsCheck;
});

/** A store on the fake vault, with its own secret names so that tests do not share cache or values. */
function store(prefix: string, env: Record<string, string | undefined> = {}, opens?: { count: number }) {
  return new KeyVaultSecrets(
    vault.url,
    env,
    async () => {
      if (opens) opens.count++;
      return credential;
    },
    (s: SecretSetting) => `${prefix}-${s.toLowerCase().replaceAll('_', '-')}`,
  );
}

describe('EnvironmentSecrets', () => {
  test('reads the environment; a blank value is no value; save is refused with a typed error', async () => {
    const secrets = new EnvironmentSecrets({ BATISIMPLY_PASSWORD: 'pw-env', BATIGEST_SQL_PASSWORD: '' });
    assert.equal(secrets.kind, 'environment');
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'pw-env');
    assert.equal(await secrets.get('BATIGEST_SQL_PASSWORD'), undefined);
    assert.equal(await secrets.get('STAGING_DATABASE_URL'), undefined);
    await assert.rejects(secrets.save(), (e: Error & { code?: string; retryable?: boolean; service?: string }) => {
      assert.equal(e.code, 'KEYVAULT_NOT_CONFIGURED');
      assert.equal((e as { system?: string }).system, 'keyvault');
      assert.equal(e.retryable, false);
      assert.match(e.message, /KEY_VAULT_URL/);
      return true;
    });
  });
});

describe('KeyVaultSecrets on a vault', () => {
  test('reads the vault, by the name given; the vault wins over the environment', async () => {
    vault.secrets.set('a-batisimply-password', 'pw-vault');
    const secrets = store('a', { BATISIMPLY_PASSWORD: 'pw-env' });
    assert.equal(secrets.kind, 'keyvault');
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'pw-vault');
  });

  test('a secret absent from the vault (404) falls back to the environment, blank is no value', async () => {
    const secrets = store('b', { BATISIMPLY_PASSWORD: 'pw-env', BATIGEST_SQL_PASSWORD: '' });
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'pw-env');
    assert.equal(await secrets.get('BATIGEST_SQL_PASSWORD'), undefined);
  });

  test('an empty vault value falls back to the environment, and to undefined when that is blank too', async () => {
    vault.secrets.set('c-batisimply-password', '');
    vault.secrets.set('c-batigest-sql-password', '');
    const secrets = store('c', { BATISIMPLY_PASSWORD: 'pw-env', BATIGEST_SQL_PASSWORD: '' });
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'pw-env');
    assert.equal(await secrets.get('BATIGEST_SQL_PASSWORD'), undefined);
  });

  test('values are cached per setting until invalidated; the client is opened once', async () => {
    vault.secrets.set('d-batisimply-password', 'v1');
    vault.secrets.set('d-batigest-sql-password', 'sql1');
    const opens = { count: 0 };
    const secrets = store('d', {}, opens);
    const [first, concurrent] = await Promise.all([secrets.get('BATISIMPLY_PASSWORD'), secrets.get('BATISIMPLY_PASSWORD')]);
    assert.deepEqual([first, concurrent], ['v1', 'v1']);
    assert.equal(await secrets.get('BATIGEST_SQL_PASSWORD'), 'sql1');
    vault.secrets.set('d-batisimply-password', 'v2');
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'v1', 'cached');
    assert.equal(vault.reads('d-batisimply-password'), 1);
    secrets.invalidate();
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'v2', 'rotated value read after invalidate');
    assert.equal(vault.reads('d-batisimply-password'), 2);
    assert.equal(opens.count, 1, 'one client for the store');
  });

  test('a refused read is a typed error naming the secret, and is not cached', async () => {
    vault.failWith.set('e-batisimply-password', 403);
    const secrets = store('e', { BATISIMPLY_PASSWORD: 'pw-env' });
    await assert.rejects(secrets.get('BATISIMPLY_PASSWORD'), (e: Error & { code?: string; cause?: { statusCode?: number } }) => {
      assert.equal(e.code, 'KEYVAULT_READ_FAILED');
      assert.equal((e as { system?: string }).system, 'keyvault');
      assert.match(e.message, /« e-batisimply-password »/);
      assert.equal(e.cause?.statusCode, 403);
      return true;
    });
    vault.failWith.delete('e-batisimply-password');
    vault.secrets.set('e-batisimply-password', 'after');
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'after', 'the failure was not kept in the cache');
  });

  test('a credential that cannot be built is retried on the next read', async () => {
    vault.secrets.set('f-batisimply-password', 'pw-f');
    let attempts = 0;
    const secrets = new KeyVaultSecrets(
      vault.url,
      {},
      async () => {
        if (++attempts === 1) throw new Error('no identity yet');
        return credential;
      },
      (s) => `f-${s.toLowerCase().replaceAll('_', '-')}`,
    );
    await assert.rejects(secrets.get('BATISIMPLY_PASSWORD'), (e: Error & { code?: string }) => e.code === 'KEYVAULT_READ_FAILED');
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'pw-f');
    assert.equal(attempts, 2);
  });

  test('save writes under the given name and the next read returns the new value', async () => {
    vault.secrets.set('g-batisimply-password', 'old');
    const secrets = store('g');
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'old');
    await secrets.save('BATISIMPLY_PASSWORD', 'new');
    assert.equal(vault.secrets.get('g-batisimply-password'), 'new');
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'new', 'the cached old value was forgotten');
  });

  test('a refused save is a typed error naming the secret', async () => {
    vault.failWith.set('h-batisimply-password', 403);
    const secrets = store('h');
    await assert.rejects(secrets.save('BATISIMPLY_PASSWORD', 'x'), (e: Error & { code?: string; cause?: unknown }) => {
      assert.equal(e.code, 'KEYVAULT_WRITE_FAILED');
      assert.equal((e as { system?: string }).system, 'keyvault');
      assert.match(e.message, /« h-batisimply-password »/);
      assert.ok(e.cause);
      return true;
    });
  });

  test('the default secret names are the documented ones', async () => {
    vault.secrets.set('batisimply-client-secret', 'cs-default');
    const secrets = new KeyVaultSecrets(vault.url, {}, async () => credential);
    assert.equal(await secrets.get('BATISIMPLY_CLIENT_SECRET'), 'cs-default');
  });
});

describe('createSecretStore and withSecrets', () => {
  test('no KEY_VAULT_URL: the environment; with one: the vault, with the names given', async () => {
    const env = { BATISIMPLY_PASSWORD: 'pw-env' };
    const plain = createSecretStore(env);
    assert.ok(plain instanceof EnvironmentSecrets);
    assert.equal(await plain.get('BATISIMPLY_PASSWORD'), 'pw-env');
    const blank = createSecretStore({ ...env, KEY_VAULT_URL: '  ' });
    assert.equal(blank.kind, 'environment', 'a blank KEY_VAULT_URL means no vault');
    const vaulted = createSecretStore({ ...env, KEY_VAULT_URL: 'https://kv.example.vault.azure.net' }, (s) => `acme-${s}`);
    assert.ok(vaulted instanceof KeyVaultSecrets);
    assert.equal(vaulted.kind, 'keyvault');
  });

  test('a KEY_VAULT_URL that is no URL is refused, naming the Key Vault section', () => {
    assert.throws(
      () => createSecretStore({ KEY_VAULT_URL: 'pas-une-url' }),
      /^ConfigurationError: Configuration Key Vault invalide : KEY_VAULT_URL invalide/,
    );
  });

  test('the store built for a vault URL reads that vault, with a user-assigned identity named', async () => {
    vault.secrets.set('i-batisimply-password', 'pw-i');
    const secrets = createSecretStore(
      { KEY_VAULT_URL: vault.url, AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001' },
      (s) => `i-${s.toLowerCase().replaceAll('_', '-')}`,
    );
    assert.equal(await secrets.get('BATISIMPLY_PASSWORD'), 'pw-i');
  });

  test('withSecrets fills in the given settings only, leaving the rest of the environment', async () => {
    const env = { BATISIMPLY_PASSWORD: 'pw-env', BATIGEST_SQL_PASSWORD: 'sql-env', OTHER: 'kept' };
    const secrets = { kind: 'keyvault' as const, invalidate() {}, async save() {}, get: async (s: SecretSetting) => `vault:${s}` };
    const resolved = await withSecrets(env, secrets, ['BATISIMPLY_PASSWORD', 'STAGING_DATABASE_URL']);
    assert.deepEqual(resolved, {
      BATISIMPLY_PASSWORD: 'vault:BATISIMPLY_PASSWORD',
      BATIGEST_SQL_PASSWORD: 'sql-env',
      OTHER: 'kept',
      STAGING_DATABASE_URL: 'vault:STAGING_DATABASE_URL',
    });
    assert.equal(env.BATISIMPLY_PASSWORD, 'pw-env', 'the input is not changed');
  });
});
