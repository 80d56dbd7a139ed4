/**
 * Settings drift between the code and the Bicep: every setting the code reads is set by the
 * Bicep, kept in Key Vault, or listed in infra/optional-settings.json as left unset on purpose;
 * every app setting the Bicep sets is read by the code (or by the Functions host); every
 * parameter of main.bicep is mapped in main.parameters.json (so azd sets it) or deliberately
 * defaulted, and azd's substitution of each mapping gives what the Bicep expects; the staging
 * server's connections hold what the deployment may open.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import type { z } from 'zod';
import { agentSchema, ALL_SCHEMAS, SECRET_SETTINGS, stagingSchema } from '../../src/lib/config.js';
import { BicepFailure, bicepFunctions, bicepTemplate, type Template, type Value } from './bicep-eval.js';
import { azdParameter } from './envsubst.js';
import { installFakeFunctionsCore } from '../support/functionsCore.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8');

/** Settings the Functions host reads (identity-based storage, telemetry), not the connector. */
const HOST_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
];

function codeSettings(): string[] {
  return Object.values(ALL_SCHEMAS).flatMap((schema) => Object.keys((schema as unknown as z.ZodObject).shape));
}

/** Keys of the object literal after `marker` in a Bicep file. */
function objectKeys(text: string, marker: string): string[] {
  const start = text.indexOf(marker);
  assert.ok(start >= 0, `${marker} not found`);
  let depth = 0;
  let end = start;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  const body = text.slice(text.indexOf('{', start) + 1, end);
  return [...body.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/gm)].map((m) => m[1]!);
}

test('the settings the code reads are known to the schemas', () => {
  const settings = codeSettings();
  assert.ok(settings.includes('BATIGEST_SQL_SERVER') && settings.includes('HEURES_SCHEDULE'));
});

test('every app setting the Bicep sets is read by the code or the host', async () => {
  const appSettings = objectKeys(await read('infra/resources.bicep'), 'appSettings: {');
  const hostSettings = objectKeys(await read('infra/modules/functionapp.bicep'), 'var hostSettings = {');
  assert.deepEqual(hostSettings.sort(), [...HOST_SETTINGS].sort());
  const known = new Set(codeSettings());
  assert.deepEqual(
    appSettings.filter((s) => !known.has(s)),
    [],
  );
});

test('no secret is an app setting; every secret name the code reads is in the vault module', async () => {
  const appSettings = objectKeys(await read('infra/resources.bicep'), 'appSettings: {');
  for (const setting of Object.keys(SECRET_SETTINGS)) assert.ok(!appSettings.includes(setting), `${setting} must come from Key Vault`);
  const vault = await read('infra/modules/keyvault.bicep');
  for (const name of Object.values(SECRET_SETTINGS))
    assert.match(vault, new RegExp(`name: '${name}'`), `secret ${name} missing from the vault module`);
});

interface OptionalSettings {
  settings: Record<string, string>;
  defaultedParameters: Record<string, string>;
}
const optional = async () => JSON.parse(await read('infra/optional-settings.json')) as OptionalSettings;

test('every setting the code reads is set by the Bicep, kept in the vault, or listed in infra/optional-settings.json', async () => {
  const appSettings = new Set(objectKeys(await read('infra/resources.bicep'), 'appSettings: {'));
  const listed = new Set(Object.keys((await optional()).settings));
  const missing = codeSettings().filter((s) => !appSettings.has(s) && !(s in SECRET_SETTINGS) && !listed.has(s));
  assert.deepEqual(missing, [], 'set them in infra/resources.bicep (from a parameter) or list them in infra/optional-settings.json');
});

test('infra/optional-settings.json lists only settings the code reads and the Bicep leaves unset', async () => {
  const appSettings = new Set(objectKeys(await read('infra/resources.bicep'), 'appSettings: {'));
  const code = new Set(codeSettings());
  const stale = Object.keys((await optional()).settings).filter((s) => !code.has(s) || appSettings.has(s));
  assert.deepEqual(stale, []);
});

interface ParametersFile {
  parameters: Record<string, { value: unknown }>;
}
const parametersFile = async () => JSON.parse(await read('infra/main.parameters.json')) as ParametersFile;

let main: Template;
let staging: Awaited<ReturnType<typeof bicepFunctions>>;
before(async () => {
  main = await bicepTemplate(path.join(ROOT, 'infra/main.bicep'));
  staging = await bicepFunctions(await read('infra/staging.bicep'));
});

/** ARM type of a main.bicep parameter, as azd reads it from the compiled template. */
function armType(name: string): string {
  const param = main.params.get(name)!;
  const secure = param.decorators.includes('@secure()');
  return param.type === 'object' && secure ? 'secureObject' : param.type === 'string' && secure ? 'securestring' : param.type;
}

/** A parameter's Bicep default, evaluated (undefined when it has none or it is computed at deployment). */
function bicepDefault(name: string): Value | undefined {
  if (!main.params.get(name)?.default) return undefined;
  try {
    return main.variable(name);
  } catch {
    return undefined;
  }
}

test('every parameter of main.bicep is mapped in main.parameters.json or deliberately defaulted', async () => {
  const mapped = new Set(Object.keys((await parametersFile()).parameters));
  const defaulted = new Set(Object.keys((await optional()).defaultedParameters));
  assert.ok(main.params.size > 40, `found ${main.params.size} params`);
  assert.deepEqual(
    [...main.params.keys()].filter((p) => !mapped.has(p) && !defaulted.has(p)),
    [],
    'map them in infra/main.parameters.json',
  );
  assert.deepEqual(
    [...mapped].filter((p) => !main.params.has(p)),
    [],
    'mapped but not a parameter of main.bicep',
  );
  assert.deepEqual(
    [...defaulted].filter((p) => mapped.has(p) || !main.params.has(p)),
    [],
    'defaultedParameters must be unmapped parameters',
  );
});

describe("azd's substitution of main.parameters.json (drone/envsubst, as azd runs it)", () => {
  test('the earlier `${COMPANY_SECRETS={}}` is read as azd reads it: the default is `{`, and given secrets break the JSON', () => {
    const earlier = { value: '${COMPANY_SECRETS={}}' };
    assert.deepEqual(azdParameter('companySecrets', earlier, 'secureObject', {}), { value: {} });
    assert.throws(
      () => azdParameter('companySecrets', earlier, 'secureObject', { COMPANY_SECRETS: '{"acme-batigest-sql-password":"x"}' }),
      /value '\{"acme-batigest-sql-password":"x"\}\}' is not valid JSON/,
    );
  });

  test('with every variable unset, azd passes each parameter its Bicep default (or leaves it to the Bicep)', async () => {
    const differ: string[] = [];
    for (const [name, param] of Object.entries((await parametersFile()).parameters)) {
      const passed = azdParameter(name, param, armType(name), {});
      const expected = bicepDefault(name);
      if (passed === undefined || expected === undefined) continue;
      // Scalars travel as text through the substitution; ARM converts them to the parameter's type.
      const same =
        typeof expected === 'object'
          ? JSON.stringify(passed.value) === JSON.stringify(expected)
          : String(passed.value) === String(expected);
      if (!same) differ.push(`${name}: ${JSON.stringify(passed.value)} ≠ ${JSON.stringify(expected)}`);
    }
    assert.deepEqual(differ, []);
  });

  test('company secrets given: azd passes them as the object given', async () => {
    const { companySecrets } = (await parametersFile()).parameters;
    const secrets = { 'acme-batigest-sql-password': 'p}a"ss{', 'beta-btp-batisimply-password': 'x' };
    assert.deepEqual(azdParameter('companySecrets', companySecrets!, 'secureObject', { COMPANY_SECRETS: JSON.stringify(secrets) }), {
      value: secrets,
    });
    assert.equal(azdParameter('companySecrets', companySecrets!, 'secureObject', {}), undefined, 'unset: the Bicep default {}');
  });

  test('every array or object parameter survives a value holding `}` and `]`', async () => {
    for (const [name, param] of Object.entries((await parametersFile()).parameters)) {
      const type = armType(name);
      if (!['array', 'object', 'secureObject'].includes(type)) continue;
      const given = type === 'array' ? ['a}]'] : { 'k}': { 'v]': 'w}' } };
      const variable = /\$\{(\w+)/.exec(String(param.value))![1]!;
      assert.deepEqual(azdParameter(name, param, type, { [variable]: JSON.stringify(given) }), { value: given }, name);
    }
  });
});

describe('connections to the staging database (docs/azure.md, "Connections to the staging database")', () => {
  const connections = (instances: number, groups: number, pool: number, agent: boolean) =>
    staging.stagingConnections!(instances, groups, pool, agent) as number;
  const fits = (sku: string, needed: number) => (staging.userConnections!(sku) as number) >= needed;

  test('the formula: instances × function groups × (STAGING_POOL_MAX + 1), the agent in agent mode, 5 of reserve', () => {
    assert.equal(connections(40, 5, 5, false), 40 * 5 * 6 + 5);
    assert.equal(connections(40, 5, 5, true), 40 * 5 * 6 + 6 + 5);
    // The case: 6 instances, two companies, B1ms (35 user connections) was already too small.
    assert.equal(fits('Standard_B1ms', connections(6, 5, 5, false)), false);
  });

  test("function groups: main.bicep counts the app's own (HTTP as one group, every other trigger alone)", async () => {
    const registered: { name: string; bindings: Record<string, { type: string; direction: string }> }[] = [];
    installFakeFunctionsCore<{ type: string; direction: string }>((f) => registered.push(f));
    const pkg = JSON.parse(await read('package.json')) as { main: string };
    const dir = path.join(ROOT, path.dirname(pkg.main));
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.js')).sort()) await import(pathToFileURL(path.join(dir, file)).href);
    const groups = new Set(
      registered.map((f) => {
        const trigger = Object.values(f.bindings).find((b) => b.direction === 'in' && b.type.endsWith('Trigger'))!.type;
        // Flex Consumption's per-function scaling: HTTP, Blob (Event Grid) and Durable triggers scale as groups.
        return ['httpTrigger', 'blobTrigger', 'orchestrationTrigger', 'activityTrigger', 'entityTrigger'].includes(trigger)
          ? trigger
          : f.name;
      }),
    );
    assert.ok(groups.has('httpTrigger') && groups.has('runQueue'), [...groups].join(', '));
    assert.equal(main.variable('functionGroups'), groups.size, [...groups].join(', '));
  });

  for (const batigestAccess of ['vpn', 'agent']) {
    test(`defaults (${batigestAccess}): the SKU the template picks holds what the deployment may open`, () => {
      const sku = main.variable('stagingSku', { batigestAccess }) as { name: string; tier: string };
      const needed = main.variable('stagingConnectionsMax', { batigestAccess }) as number;
      assert.equal(needed, connections(40, main.variable('functionGroups') as number, 5, batigestAccess === 'agent'));
      assert.ok(fits(sku.name, needed), `${sku.name}: ${String(staging.userConnections!(sku.name))} < ${needed}`);
      assert.equal(sku.tier, 'Burstable');
    });
  }

  test('the number of companies does not change it: one pool per process, whatever the companies', () => {
    const one = main.variable('stagingConnectionsMax', {});
    for (const companies of ['acme,beta-btp', Array.from({ length: 20 }, (_, i) => `c${i}`).join(',')])
      assert.equal(main.variable('stagingConnectionsMax', { companies }), one);
  });

  test('a SKU too small for the deployment is refused before anything is deployed', () => {
    assert.throws(() => main.variable('stagingSku', { postgresSkuName: 'Standard_B1ms' }), BicepFailure);
    assert.throws(
      () => main.variable('stagingSku', { postgresSkuName: 'Standard_B2s', maximumInstanceCount: 40 }),
      (e: Error) => e instanceof BicepFailure && /POSTGRES_SKU_NAME=Standard_B2s accepte 414 connexions/.test(e.message),
    );
    // Small enough where Azure allows a lower cap: 1 instance per group fits a B1ms.
    assert.deepEqual(main.variable('stagingSku', { postgresSkuName: 'Standard_B1ms', maximumInstanceCount: 1 }), {
      name: 'Standard_B1ms',
      tier: 'Burstable',
    });
    assert.throws(() => main.variable('stagingSku', { postgresHighAvailability: true }), /GeneralPurpose ou MemoryOptimized/);
    assert.equal((main.variable('stagingSku', { postgresSkuName: 'Standard_D4ds_v5' }) as { tier: string }).tier, 'GeneralPurpose');
  });

  test('every SKU the template may pick by itself is in the table of user connections', () => {
    for (const needed of [1, 35, 36, 414, 415, 844, 845, 1703, 1704, 3422, 3423, 4985]) {
      const sku = staging.smallestBurstableSku!(needed) as string;
      assert.ok(fits(sku, needed), `${needed} → ${sku}`);
    }
  });

  test('STAGING_POOL_MAX: the Bicep accepts what the code accepts', () => {
    const accepted = (n: number) => stagingSchema.shape.STAGING_POOL_MAX.safeParse(String(n)).success;
    const decorators = main.params.get('stagingPoolMax')!.decorators;
    const bound = (name: string) => Number(decorators.find((d) => d.startsWith(`@${name}(`))!.slice(name.length + 2, -1));
    assert.ok(accepted(bound('minValue')) && !accepted(bound('minValue') - 1), 'minValue');
    assert.ok(accepted(bound('maxValue')) && !accepted(bound('maxValue') + 1), 'maxValue');
    // The app reads the pool size from the setting the Bicep writes.
    return read('infra/resources.bicep').then((text) => assert.match(text, /STAGING_POOL_MAX: string\(stagingPoolMax\)/));
  });

  test('docs/azure.md gives the same formula and the same number of function groups', async () => {
    const doc = await read('docs/azure.md');
    assert.match(doc, /maximumInstanceCount × function groups × \(STAGING_POOL_MAX \+ 1\)/);
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    assert.match(doc, new RegExp(`This app has \\*\\*${words[main.variable('functionGroups') as number]}\\*\\* groups`));
  });

  test('maximumInstanceCount: 40 by default, the lowest value every region accepts', async () => {
    assert.equal(bicepDefault('maximumInstanceCount'), 40);
    assert.match(await read('infra/modules/functionapp.bicep'), /maximumInstanceCount: maximumInstanceCount/);
  });
});

describe('agent mode settings', () => {
  test('BATIGEST_ACCESS gets a value the code accepts in each mode', async () => {
    const resources = await read('infra/resources.bicep');
    assert.match(resources, /BATIGEST_ACCESS: agentMode \? 'agent' : 'direct'/);
    for (const value of ['agent', 'direct']) assert.ok(agentSchema.shape.BATIGEST_ACCESS.safeParse(value).success, value);
    assert.deepEqual(
      main.params.get('batigestAccess')!.decorators.find((d) => d.startsWith('@allowed')),
      "@allowed(['vpn', 'agent'])",
    );
  });

  test('AGENT_SILENCE_PERIODS: the same default and bounds in the Bicep and the code', async () => {
    assert.match(await read('infra/resources.bicep'), /AGENT_SILENCE_PERIODS: string\(agentSilencePeriods\)/);
    const schema = agentSchema.shape.AGENT_SILENCE_PERIODS;
    assert.equal(schema.parse(undefined), bicepDefault('agentSilencePeriods'));
    const decorators = main.params.get('agentSilencePeriods')!.decorators;
    for (const [name, outside] of [
      ['minValue', -1],
      ['maxValue', 1],
    ] as const) {
      const bound = Number(decorators.find((d) => d.startsWith(`@${name}(`))!.slice(name.length + 2, -1));
      assert.ok(schema.safeParse(String(bound)).success && !schema.safeParse(String(bound + outside)).success, name);
    }
  });

  test('the agent-mode secrets are in the vault module, under the names the code reads', async () => {
    const vault = await read('infra/modules/keyvault.bicep');
    assert.equal(SECRET_SETTINGS.AGENT_STAGING_PASSWORD, 'agent-staging-password');
    assert.equal(SECRET_SETTINGS.ALERT_WEBHOOK_URL, 'alert-webhook-url');
    for (const name of ['agent-staging-password', 'agent-staging-database-url', 'alert-webhook-url'])
      assert.match(vault, new RegExp(`name: '${name}'`));
  });
});
