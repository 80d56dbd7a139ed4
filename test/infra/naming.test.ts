/**
 * Resource names (infra/naming.bicep), evaluated for environment names azd accepts but Azure
 * would refuse if used as they are, against each resource type's documented rules
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { bicepFunctions } from './bicep-eval.js';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Rule {
  min: number;
  max: number;
  pattern: RegExp;
  extra?: (name: string) => boolean;
}

const noDoubleHyphen = (n: string) => !n.includes('--');
const RULES: Record<string, Rule> = {
  // Microsoft.Resources/resourceGroups: letters, digits, _ - . ( ), not ending with a period.
  resourceGroup: { min: 1, max: 90, pattern: /^[-\w.()]+$/, extra: (n) => !n.endsWith('.') },
  // Microsoft.ManagedIdentity/userAssignedIdentities
  identity: { min: 3, max: 128, pattern: /^[A-Za-z0-9][-\w]*$/ },
  // Microsoft.Storage/storageAccounts: lowercase letters and digits only.
  storage: { min: 3, max: 24, pattern: /^[a-z0-9]+$/ },
  // Microsoft.OperationalInsights/workspaces
  logs: { min: 4, max: 63, pattern: /^[A-Za-z0-9][-A-Za-z0-9]*[A-Za-z0-9]$/ },
  // Microsoft.Insights/components
  insights: { min: 1, max: 260, pattern: /^[^%&\\?/]*[^ .]$/ },
  // Microsoft.KeyVault/vaults: starts with a letter, ends with a letter or digit, no doubled hyphen.
  keyVault: { min: 3, max: 24, pattern: /^[A-Za-z][-A-Za-z0-9]*[A-Za-z0-9]$/, extra: noDoubleHyphen },
  // Microsoft.DBforPostgreSQL/flexibleServers: lowercase, no leading or trailing hyphen.
  postgres: { min: 3, max: 63, pattern: /^[a-z0-9][-a-z0-9]*[a-z0-9]$/ },
  // Microsoft.Network/virtualNetworks and networkSecurityGroups
  vnet: { min: 2, max: 64, pattern: /^[A-Za-z0-9][-\w.]*\w$/ },
  appNsg: { min: 1, max: 80, pattern: /^[A-Za-z0-9][-\w.]*\w$/ },
  postgresNsg: { min: 1, max: 80, pattern: /^[A-Za-z0-9][-\w.]*\w$/ },
  // Microsoft.Web/serverfarms
  plan: { min: 1, max: 60, pattern: /^[-A-Za-z0-9]+$/ },
  // Microsoft.Web/sites, kept to 32 characters (the Functions host id is the name cut to 32).
  functionApp: { min: 2, max: 32, pattern: /^[A-Za-z0-9][-A-Za-z0-9]*[A-Za-z0-9]$/ },
  // Part of alert rule and action group names.
  alertPrefix: { min: 1, max: 40, pattern: /^[a-z0-9]+$/ },
};

const GLOBALLY_UNIQUE = ['storage', 'keyVault', 'postgres', 'functionApp'];

// Every character azd allows in an environment name: letters, digits, - _ . ( ), 1 to 64 long.
const ENVIRONMENTS = ['Prod', 'dev_1', 'client-production-01', 'a--b', 'my.env(test)', 'x', '__', 'prod.', '-lead', 'A'.repeat(64)];
const SUFFIX = 'k3v9q2m7xw4ab'; // the shape of uniqueString(): 13 lowercase letters and digits

let fns: Awaited<ReturnType<typeof bicepFunctions>>;
const names = (env: string) => fns.resourceNames!(env, fns.environmentSlug!(env), SUFFIX) as Record<string, string>;

before(async () => {
  fns = await bicepFunctions(await readFile(path.join(ROOT, 'infra/naming.bicep'), 'utf8'));
});

describe('resource names', () => {
  test('the rules catch the names the earlier template produced', () => {
    const env = 'client-production-01';
    const old = { storage: `st${env.replace(/-/g, '')}${SUFFIX}`.slice(0, 24), keyVault: `kv-${env}-${SUFFIX}`.slice(0, 24) };
    assert.ok(!RULES.keyVault!.pattern.test(old.keyVault), old.keyVault);
    assert.ok(!RULES.storage!.pattern.test(`stdev_1${SUFFIX}`.slice(0, 24)));
  });

  for (const env of ENVIRONMENTS) {
    test(`environment ${JSON.stringify(env)}: every name is valid for its resource type`, () => {
      const all = names(env);
      assert.deepEqual(Object.keys(all).sort(), Object.keys(RULES).sort());
      for (const [kind, name] of Object.entries(all)) {
        const rule = RULES[kind]!;
        assert.ok(name.length >= rule.min && name.length <= rule.max, `${kind} ${name}: length ${name.length}`);
        assert.match(name, rule.pattern, `${kind} ${name}`);
        assert.ok(rule.extra?.(name) ?? true, `${kind} ${name}`);
      }
    });
  }

  test('globally unique names carry the per-subscription, per-environment suffix', () => {
    for (const env of ENVIRONMENTS) for (const kind of GLOBALLY_UNIQUE) assert.ok(names(env)[kind]!.includes(SUFFIX), `${env} ${kind}`);
  });

  test('main.bicep names everything through the naming module, with uniqueString of subscription and environment', async () => {
    const main = await readFile(path.join(ROOT, 'infra/main.bicep'), 'utf8');
    assert.match(main, /import \{[^}]*environmentSlug[^}]*resourceNames[^}]*\} from 'naming\.bicep'/);
    assert.match(
      main,
      /resourceNames\(environmentName, environmentSlug\(environmentName\), uniqueString\(subscription\(\)\.id, environmentName\)\)/,
    );
    // No other file builds a name from the environment name.
    for (const file of ['infra/resources.bicep', 'infra/modules/alerts.bicep', 'infra/modules/network.bicep']) {
      const text = await readFile(path.join(ROOT, file), 'utf8');
      assert.doesNotMatch(text, /\$\{environmentName\}/, file);
    }
  });
});
