/**
 * The azd hooks (infra/scripts/*.sh) run against a stand-in `az` (and `curl`) that records its
 * calls and answers as the scenario says: registration of Microsoft.App, recovery of a deleted
 * vault, and reporting hooks that never fail a good provision or deploy.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let bin: string;

// Answers keyed by the first words of the call; FAKE_FAIL lists calls that fail.
const FAKE_AZ = `#!/bin/sh
echo "az $*" >> "$FAKE_LOG"
case " $FAKE_FAIL " in *" $1-$2 "*) exit 1;; esac
case "$1 $2" in
  "provider show") echo "$FAKE_PROVIDER_STATE";;
  "keyvault secret") printf '%s\\n' $FAKE_SECRETS;;
  "keyvault list-deleted") printf '%b' "$FAKE_DELETED_VAULTS";;
  "functionapp keys") echo "the-key";;
  *) echo "ok";;
esac
`;
const FAKE_CURL = `#!/bin/sh
echo "curl $*" >> "$FAKE_LOG"
case " $FAKE_FAIL " in *" curl "*) exit 7;; esac
echo '{"ok":true}'
`;

before(async () => {
  bin = await mkdtemp(path.join(tmpdir(), 'hooks-'));
  await writeFile(path.join(bin, 'az'), FAKE_AZ);
  await writeFile(path.join(bin, 'curl'), FAKE_CURL);
  await chmod(path.join(bin, 'az'), 0o755);
  await chmod(path.join(bin, 'curl'), 0o755);
});
after(() => rm(bin, { recursive: true, force: true }));

interface Run {
  code: number;
  out: string;
  calls: string[];
}

async function hook(script: string, env: Record<string, string>, options: { withAz?: boolean } = {}): Promise<Run> {
  const log = path.join(bin, `log-${Math.random().toString(16).slice(2)}`);
  await writeFile(log, '');
  // Without az: a PATH holding only what sh needs (the fake curl stays out too).
  const PATH = options.withAz === false ? '/usr/bin:/bin' : `${bin}:/usr/bin:/bin`;
  const base = { PATH, FAKE_LOG: log, FAKE_FAIL: '', FAKE_PROVIDER_STATE: 'Registered', FAKE_SECRETS: '', FAKE_DELETED_VAULTS: '' };
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile('sh', [path.join(ROOT, 'infra/scripts', script)], { env: { ...base, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
  const calls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return { code, out, calls };
}

const AZD = { AZURE_SUBSCRIPTION_ID: 'sub-1', AZURE_ENV_NAME: 'prod', AZURE_LOCATION: 'francecentral' };

describe('preprovision', () => {
  test('Microsoft.App not registered: it is registered', async () => {
    const run = await hook('preprovision.sh', { ...AZD, FAKE_PROVIDER_STATE: 'NotRegistered' });
    assert.equal(run.code, 0, run.out);
    assert.ok(
      run.calls.some((c) => c.startsWith('az provider register --namespace Microsoft.App')),
      run.calls.join('\n'),
    );
  });

  test('Microsoft.App already registered: nothing is registered', async () => {
    const run = await hook('preprovision.sh', AZD);
    assert.equal(run.code, 0, run.out);
    assert.ok(!run.calls.some((c) => c.includes('provider register')));
  });

  test('az not logged in: stops with the command to run', async () => {
    const run = await hook('preprovision.sh', { ...AZD, FAKE_FAIL: 'account-show' });
    assert.notEqual(run.code, 0);
    assert.match(run.out, /az login/);
  });

  test("the environment's vault was deleted (found by its tags): its resource group is recreated and the vault recovered", async () => {
    const deleted =
      'kv-prod-abc\\t/subscriptions/sub-1/resourceGroups/rg-prod/providers/Microsoft.KeyVault/vaults/kv-prod-abc\\tfrancecentral\\n';
    const run = await hook('preprovision.sh', { ...AZD, FAKE_DELETED_VAULTS: deleted });
    assert.equal(run.code, 0, run.out);
    const list = run.calls.find((c) => c.startsWith('az keyvault list-deleted')) ?? '';
    assert.match(list, /tags\."azd-env-name"=='prod' && properties\.tags\.application=='connecteur-sages'/);
    const group = run.calls.findIndex((c) => c.startsWith('az group create --name rg-prod --location francecentral'));
    const recover = run.calls.findIndex((c) => c.startsWith('az keyvault recover --name kv-prod-abc'));
    assert.ok(group >= 0 && recover > group, run.calls.join('\n'));
  });

  test('no deleted vault of this environment: nothing is recovered', async () => {
    const run = await hook('preprovision.sh', AZD);
    assert.equal(run.code, 0, run.out);
    assert.ok(!run.calls.some((c) => c.includes('recover') || c.includes('group create')));
  });

  test('a recovery that fails stops the provision', async () => {
    const deleted =
      'kv-prod-abc\\t/subscriptions/sub-1/resourceGroups/rg-prod/providers/Microsoft.KeyVault/vaults/kv-prod-abc\\tfrancecentral\\n';
    const run = await hook('preprovision.sh', { ...AZD, FAKE_DELETED_VAULTS: deleted, FAKE_FAIL: 'keyvault-recover' });
    assert.notEqual(run.code, 0);
    assert.match(run.out, /kv-prod-abc/);
  });

  test('custom DNS servers: a warning naming Azure DNS', async () => {
    const run = await hook('preprovision.sh', { ...AZD, DNS_SERVERS: '["10.0.0.4"]' });
    assert.equal(run.code, 0);
    assert.match(run.out, /168\.63\.129\.16/);
  });
});

describe('postprovision', () => {
  test('lists the secrets still missing', async () => {
    const run = await hook('postprovision.sh', {
      AZURE_KEY_VAULT_NAME: 'kv',
      FAKE_SECRETS: 'staging-database-url batisimply-password',
      ALERT_EMAIL: 'a@b.fr',
    });
    assert.equal(run.code, 0);
    assert.match(run.out, /Secrets à renseigner dans Key Vault kv : batigest-sql-password batisimply-client-secret\n/);
  });

  test('a vault that refuses this machine is reported as such, not as missing secrets', async () => {
    const run = await hook('postprovision.sh', { AZURE_KEY_VAULT_NAME: 'kv', FAKE_FAIL: 'keyvault-secret' });
    assert.equal(run.code, 0);
    assert.doesNotMatch(run.out, /Secrets à renseigner/);
    assert.match(run.out, /KEY_VAULT_ALLOWED_IPS/);
  });

  test('no alert e-mail: a warning', async () => {
    const run = await hook('postprovision.sh', { AZURE_KEY_VAULT_NAME: 'kv' });
    assert.match(run.out, /ALERT_EMAIL vide/);
  });
});

describe('postdeploy', () => {
  const APP = { AZURE_FUNCTION_APP_NAME: 'func', AZURE_RESOURCE_GROUP: 'rg', AZURE_FUNCTION_APP_URL: 'https://func.example' };

  test('tests the connections through the app', async () => {
    const run = await hook('postdeploy.sh', APP);
    assert.equal(run.code, 0, run.out);
    assert.ok(run.calls.some((c) => c.startsWith('curl') && c.includes('/api/status?check=true&code=the-key')));
  });

  test('az not logged in: succeeds and says what to run later', async () => {
    const run = await hook('postdeploy.sh', { ...APP, FAKE_FAIL: 'functionapp-keys' });
    assert.equal(run.code, 0);
    assert.match(run.out, /Plus tard/);
  });

  test('host not up yet: succeeds and says what to run later', async () => {
    const run = await hook('postdeploy.sh', { ...APP, FAKE_FAIL: 'curl' });
    assert.equal(run.code, 0);
    assert.match(run.out, /ne répond pas encore[\s\S]*Plus tard/);
  });

  test('without az on the PATH (or a real one not logged in): succeeds and says what to run later', async () => {
    const run = await hook('postdeploy.sh', APP, { withAz: false });
    assert.equal(run.code, 0);
    assert.match(run.out, /Plus tard/);
  });
});
