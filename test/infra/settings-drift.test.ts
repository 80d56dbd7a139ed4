/**
 * Settings drift between the code and the Bicep: every setting the code reads is set by the
 * Bicep, kept in Key Vault, or listed in infra/optional-settings.json as left unset on purpose;
 * every app setting the Bicep sets is read by the code (or by the Functions host); every
 * parameter of main.bicep is mapped in main.parameters.json (so azd sets it) or deliberately
 * defaulted; the pool and the instance cap fit the staging server's connections.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { z } from 'zod';
import { ALL_SCHEMAS, SECRET_SETTINGS } from '../../src/lib/config.js';

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

/** `param name type [= default]` declarations of a Bicep file (decorators skipped). */
function bicepParams(text: string): Map<string, { type: string; default?: string }> {
  const params = new Map<string, { type: string; default?: string }>();
  for (const m of text.matchAll(/^param (\w+) (\w+)(?: = (.+))?$/gm)) params.set(m[1]!, { type: m[2]!, default: m[3]?.trim() });
  return params;
}

/** main.parameters.json: parameter → the `${VAR=default}` expression azd substitutes. */
async function mappedParams(): Promise<Map<string, { variable: string; default?: string }>> {
  const file = JSON.parse(await read('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
  const mapped = new Map<string, { variable: string; default?: string }>();
  for (const [name, { value }] of Object.entries(file.parameters)) {
    const m = /^\$\{(\w+)(?:=(.*))?\}$/s.exec(String(value));
    assert.ok(m, `${name}: "${String(value)}" is not an azd \${VAR} or \${VAR=default}`);
    mapped.set(name, { variable: m[1]!, default: m[2] });
  }
  return mapped;
}

test('every parameter of main.bicep is mapped in main.parameters.json or deliberately defaulted', async () => {
  const params = bicepParams(await read('infra/main.bicep'));
  const mapped = await mappedParams();
  const defaulted = new Set(Object.keys((await optional()).defaultedParameters));
  assert.ok(params.size > 40, `found ${params.size} params`);
  assert.deepEqual(
    [...params.keys()].filter((p) => !mapped.has(p) && !defaulted.has(p)),
    [],
    'map them in infra/main.parameters.json',
  );
  assert.deepEqual(
    [...mapped.keys()].filter((p) => !params.has(p)),
    [],
    'mapped but not a parameter of main.bicep',
  );
  assert.deepEqual(
    [...defaulted].filter((p) => mapped.has(p) || !params.has(p)),
    [],
    'defaultedParameters must be unmapped parameters',
  );
});

test('a default in main.parameters.json is the Bicep default', async () => {
  const params = bicepParams(await read('infra/main.bicep'));
  const differ: string[] = [];
  for (const [name, { default: given }] of await mappedParams()) {
    const bicep = params.get(name)?.default;
    if (given === undefined || bicep === undefined) continue;
    const expected = bicep.startsWith("'") ? bicep.slice(1, -1) : bicep;
    if (given !== expected) differ.push(`${name}: ${given} ≠ ${expected}`);
  }
  assert.deepEqual(differ, []);
});

// Connections of Azure Database for PostgreSQL Flexible Server per SKU (max_connections), of
// which Azure keeps 15 for replication and monitoring:
// learn.microsoft.com/azure/postgresql/flexible-server/concepts-limits
const PG_MAX_CONNECTIONS: Record<string, number> = {
  Standard_B1ms: 50,
  Standard_B2s: 429,
  Standard_B2ms: 859,
  Standard_B4ms: 1718,
  Standard_D2s_v3: 859,
  Standard_D2ds_v4: 859,
  Standard_D2ds_v5: 859,
  Standard_D4s_v3: 1718,
  Standard_D4ds_v5: 1718,
  Standard_E2ds_v5: 1718,
};
const AZURE_RESERVED = 15;
/** Connections kept for the CLI, migrations and an operator's psql while every instance is busy. */
const OPERATOR_RESERVE = 5;

function poolFits(sku: string, instances: number, poolMax: number): boolean {
  const limit = PG_MAX_CONNECTIONS[sku];
  assert.ok(limit, `max_connections of ${sku} unknown: add it to the table`);
  return instances * poolMax + OPERATOR_RESERVE <= limit - AZURE_RESERVED;
}

test("pool sizing: instances × STAGING_POOL_MAX + reserve ≤ the SKU's user connections", async () => {
  // The earlier template: 40 instances × 10 connections on a B1ms (35 user connections).
  assert.equal(poolFits('Standard_B1ms', 40, 10), false);
  const mapped = await mappedParams();
  const value = (name: string) => mapped.get(name)!.default!;
  assert.ok(poolFits(value('postgresSkuName'), Number(value('maximumInstanceCount')), Number(value('stagingPoolMax'))));
  const params = bicepParams(await read('infra/main.bicep'));
  const bicep = (name: string) => params.get(name)!.default!.replace(/'/g, '');
  assert.ok(poolFits(bicep('postgresSkuName'), Number(bicep('maximumInstanceCount')), Number(bicep('stagingPoolMax'))));
  // The app reads the pool size from the setting the Bicep writes.
  assert.match(await read('infra/resources.bicep'), /STAGING_POOL_MAX: string\(stagingPoolMax\)/);
  assert.match(await read('infra/modules/functionapp.bicep'), /maximumInstanceCount: maximumInstanceCount/);
});
