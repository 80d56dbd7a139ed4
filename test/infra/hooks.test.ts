/**
 * The azd hooks (infra/scripts/*.sh) run against a stand-in `az`, `azd` and `curl` that record
 * their calls and answer as the scenario says: registration of Microsoft.App, recovery of a
 * deleted vault, the vault's secret names handed to the template, the agent's settings, and
 * reporting hooks that never fail a good provision or deploy.
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

// Answers keyed by the first words of the call; FAKE_FAIL lists calls that fail ("keyvault-show", "rest").
// The vault's secret names come from ARM (az rest), a page at a time: FAKE_SECRETS, then FAKE_SECRETS_PAGE2.
const FAKE_AZ = `#!/bin/sh
echo "az $*" >> "$FAKE_LOG"
case " $FAKE_FAIL " in *" $1-$2 "*|*" $1 "*) exit 1;; esac
case "$1 $2" in
  "provider show") echo "$FAKE_PROVIDER_STATE";;
  "keyvault list-deleted") printf '%b' "$FAKE_DELETED_VAULTS";;
  "keyvault list") echo "$FAKE_VAULT_ID";;
  "keyvault show") echo "$FAKE_VAULT_ID";;
  "rest --method")
    case "$*" in
      *page2*value*) printf '%s\\n' $FAKE_SECRETS_PAGE2;;
      *page2*nextLink*) echo "";;
      *value*) printf '%s\\n' $FAKE_SECRETS;;
      *nextLink*) [ -n "$FAKE_SECRETS_PAGE2" ] && echo "https://management.azure.com/next?page2" || echo "";;
    esac;;
  "postgres flexible-server")
    case "$3 $4" in "firewall-rule list") printf '%s\\n' $FAKE_RULES;; *) echo "ok";; esac;;
  "functionapp keys") echo "the-key";;
  *) echo "ok";;
esac
`;
const FAKE_AZD = `#!/bin/sh
echo "azd $*" >> "$FAKE_LOG"
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
  await writeFile(path.join(bin, 'azd'), FAKE_AZD);
  for (const tool of ['az', 'curl', 'azd']) await chmod(path.join(bin, tool), 0o755);
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
  const base = {
    PATH,
    FAKE_LOG: log,
    FAKE_FAIL: '',
    FAKE_PROVIDER_STATE: 'Registered',
    FAKE_SECRETS: '',
    FAKE_SECRETS_PAGE2: '',
    FAKE_DELETED_VAULTS: '',
    FAKE_VAULT_ID: '',
    FAKE_RULES: '',
  };
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

const VAULT_ID = '/subscriptions/sub-1/resourceGroups/rg-prod/providers/Microsoft.KeyVault/vaults/kv-prod-abc';

describe('preprovision: the secrets already in the vault, for the template', () => {
  test("the vault's secret names, read through ARM (every page), go to KEY_VAULT_SECRETS_PRESENT", async () => {
    const run = await hook('preprovision.sh', {
      ...AZD,
      FAKE_VAULT_ID: VAULT_ID,
      FAKE_SECRETS: 'staging-database-url batigest-sql-password',
      FAKE_SECRETS_PAGE2: 'acme-batisimply-password',
    });
    assert.equal(run.code, 0, run.out);
    assert.ok(
      run.calls.some((c) => c.startsWith(`az rest --method get --url https://management.azure.com${VAULT_ID}/secrets?api-version=`)),
    );
    assert.ok(!run.calls.some((c) => c.startsWith('az keyvault secret')), 'never the vault endpoint (its firewall), never a value');
    assert.ok(
      run.calls.includes(
        'azd env set KEY_VAULT_SECRETS_PRESENT ["staging-database-url","batigest-sql-password","acme-batisimply-password"]',
      ),
      run.calls.join('\n'),
    );
  });

  test('no vault yet: an empty list', async () => {
    const run = await hook('preprovision.sh', AZD);
    assert.equal(run.code, 0, run.out);
    assert.ok(run.calls.includes('azd env set KEY_VAULT_SECRETS_PRESENT []'), run.calls.join('\n'));
  });

  test('a vault whose names cannot be read stops the provision (it might overwrite a rotated secret)', async () => {
    const run = await hook('preprovision.sh', { ...AZD, FAKE_VAULT_ID: VAULT_ID, FAKE_FAIL: 'rest' });
    assert.notEqual(run.code, 0);
    assert.match(run.out, /kv-prod-abc.*Lecteur/);
    assert.ok(!run.calls.some((c) => c.startsWith('azd env set')));
  });

  test('COMPANY_SECRETS that is not JSON stops the provision without printing it', async () => {
    const run = await hook('preprovision.sh', { ...AZD, COMPANY_SECRETS: '{"acme-batigest-sql-password":"S3cret-9"}}' });
    assert.notEqual(run.code, 0);
    assert.match(run.out, /COMPANY_SECRETS n'est pas un JSON valide/);
    assert.doesNotMatch(run.out, /S3cret-9/);
  });

  test('AGENT_ALLOWED_IPS must be a JSON array; valid JSON settings pass', async () => {
    assert.notEqual((await hook('preprovision.sh', { ...AZD, AGENT_ALLOWED_IPS: '203.0.113.7' })).code, 0);
    const run = await hook('preprovision.sh', {
      ...AZD,
      AGENT_ALLOWED_IPS: '["203.0.113.7"]',
      COMPANY_SETTINGS: '{"acme":{"BATIGEST_SQL_SERVER":"10.0.0.5"}}',
      COMPANY_SECRETS: '{}',
    });
    assert.equal(run.code, 0, run.out);
  });
});

describe('postprovision', () => {
  const VAULT = { AZURE_KEY_VAULT_NAME: 'kv', FAKE_VAULT_ID: VAULT_ID, ALERT_EMAIL: 'a@b.fr' };

  test('lists the secrets still missing', async () => {
    const run = await hook('postprovision.sh', { ...VAULT, FAKE_SECRETS: 'staging-database-url batisimply-password' });
    assert.equal(run.code, 0);
    assert.match(run.out, /Secrets à renseigner dans Key Vault kv : batigest-sql-password\n/);
  });

  test("with companies: each company's own secrets, named after it", async () => {
    const run = await hook('postprovision.sh', {
      ...VAULT,
      COMPANIES: 'acme, beta-btp',
      FAKE_SECRETS: 'staging-database-url acme-batigest-sql-password acme-batisimply-password',
    });
    assert.match(run.out, /Secrets à renseigner dans Key Vault kv : beta-btp-batigest-sql-password beta-btp-batisimply-password\n/);
  });

  test('client_credentials: the client secret is expected, not the password', async () => {
    const run = await hook('postprovision.sh', {
      ...VAULT,
      BATISIMPLY_GRANT_TYPE: 'client_credentials',
      FAKE_SECRETS: 'staging-database-url',
    });
    assert.match(run.out, /: batigest-sql-password batisimply-client-secret\n/);
  });

  test('a vault whose names cannot be read is reported as such, not as missing secrets', async () => {
    const run = await hook('postprovision.sh', { ...VAULT, FAKE_FAIL: 'rest' });
    assert.equal(run.code, 0);
    assert.doesNotMatch(run.out, /Secrets à renseigner/);
    assert.match(run.out, /Impossible de lire la liste des secrets de kv/);
  });

  const AGENT = {
    ...VAULT,
    DEPLOYED_BATIGEST_ACCESS: 'agent',
    AZURE_RESOURCE_GROUP: 'rg-prod',
    STAGING_POSTGRES_SERVER: 'psql-prod-abc',
    STAGING_POSTGRES_HOST: 'psql-prod-abc.postgres.database.azure.com',
    STAGING_POSTGRES_DATABASE: 'staging',
    AGENT_STAGING_USER: 'connecteur_agent',
    AGENT_ALLOWED_IPS: '["203.0.113.7"]',
    AGENT_FIREWALL_RULES: 'agent-203-0-113-7-32',
    AGENT_STAGING_POOL_MAX: '5',
  };

  test("agent mode: the agent's settings for the integrator, and where to read its URL, never the password", async () => {
    const run = await hook('postprovision.sh', {
      ...AGENT,
      FAKE_SECRETS: 'staging-database-url agent-staging-password agent-staging-database-url batisimply-password',
    });
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /Serveur du staging : psql-prod-abc\.postgres\.database\.azure\.com \(port 5432, TLS obligatoire\)/);
    assert.match(run.out, /Base : staging/);
    assert.match(run.out, /Utilisateur : connecteur_agent/);
    assert.match(run.out, /az keyvault secret show --vault-name kv --name agent-staging-database-url --query value -o tsv/);
    assert.match(run.out, /Key Vault kv : les secrets attendus sont présents/, 'no Batigest password expected in the cloud');
    assert.doesNotMatch(run.out, /SQL Server Batigest : la Function App le joint/);
    assert.ok(!run.calls.some((c) => c.includes('secret show')), 'the hook reads no secret value');
  });

  test('agent mode: the rule of an address taken out of AGENT_ALLOWED_IPS is deleted; the others stay', async () => {
    const run = await hook('postprovision.sh', { ...AGENT, FAKE_RULES: 'agent-203-0-113-7-32 agent-198-51-100-9-32 other-rule' });
    const deleted = run.calls.filter((c) => c.includes('firewall-rule delete'));
    assert.deepEqual(deleted, [
      'az postgres flexible-server firewall-rule delete --resource-group rg-prod --name psql-prod-abc --rule-name agent-198-51-100-9-32 --yes',
    ]);
    assert.match(run.out, /agent-198-51-100-9-32 supprimée/);
  });

  test('agent mode: rules that cannot be read are a loud warning with the command', async () => {
    const run = await hook('postprovision.sh', { ...AGENT, FAKE_RULES: 'agent-198-51-100-9-32', FAKE_FAIL: 'postgres-flexible-server' });
    assert.equal(run.code, 0);
    assert.match(run.out, /ATTENTION : règles de pare-feu du staging non vérifiées/);
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

  test('several companies: one test per company, each named (the route answers 400 without)', async () => {
    const run = await hook('postdeploy.sh', { ...APP, COMPANIES: 'acme,beta-btp' });
    assert.equal(run.code, 0, run.out);
    const curls = run.calls.filter((c) => c.startsWith('curl'));
    assert.equal(curls.length, 2);
    assert.ok(curls[0]!.includes('/api/status?check=true&company=acme&code=the-key'));
    assert.ok(curls[1]!.includes('/api/status?check=true&company=beta-btp&code=the-key'));
    assert.doesNotMatch(run.out, /ne répond pas encore/);
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
