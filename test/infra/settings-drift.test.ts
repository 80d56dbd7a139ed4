/**
 * Settings drift between the code and the Bicep: every setting the code reads is set by the
 * Bicep, kept in Key Vault, or documented in the README as left unset on purpose; every app
 * setting the Bicep sets is read by the code (or by the Functions host).
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
  assert.deepEqual(appSettings.filter((s) => !known.has(s)), []);
});

test('no secret is an app setting; every secret name the code reads is in the vault module', async () => {
  const appSettings = objectKeys(await read('infra/resources.bicep'), 'appSettings: {');
  for (const setting of Object.keys(SECRET_SETTINGS)) assert.ok(!appSettings.includes(setting), `${setting} must come from Key Vault`);
  const vault = await read('infra/modules/keyvault.bicep');
  for (const name of Object.values(SECRET_SETTINGS)) assert.match(vault, new RegExp(`name: '${name}'`), `secret ${name} missing from the vault module`);
});

test('every setting the code reads is set by the Bicep, kept in the vault, or documented as left unset', async () => {
  const appSettings = new Set(objectKeys(await read('infra/resources.bicep'), 'appSettings: {'));
  const documented = new Set<string | undefined>();
  // The README's section, and the same section of a feature's own page under docs/.
  for (const file of ['README.md', 'docs/audit.md']) {
    const text = await read(file);
    const section = text.slice(text.indexOf('### Settings the Bicep leaves unset'));
    assert.ok(section.length > 40, `${file}: section "Settings the Bicep leaves unset" missing`);
    const end = section.indexOf('\n## ') > 0 ? section.indexOf('\n## ') : undefined;
    for (const m of section.slice(0, end).matchAll(/`([A-Z][A-Z0-9_]+)`/g)) documented.add(m[1]);
  }
  const missing = codeSettings().filter((s) => !appSettings.has(s) && !(s in SECRET_SETTINGS) && !documented.has(s));
  assert.deepEqual(missing, []);
});
