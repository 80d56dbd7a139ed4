/**
 * Loading the Functions entry files registers the routes and nothing more: the drivers and Azure
 * SDKs load with the first request that uses them. A child process loads every entry file with a
 * loader hook that reports each ES module, then lists the CommonJS ones it required.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const FUNCTIONS = new URL('../../src/functions/', import.meta.url);
const HEAVY = [
  'mssql',
  'tedious',
  '@azure/identity',
  '@azure/keyvault-secrets',
  '@azure/storage-queue',
  'pg',
  '@electric-sql/pglite',
  'undici',
  'postgrator',
];

const hook = `
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  writeSync(2, 'LOADED ' + result.url + '\\n');
  return result;
}`;

function packagesOf(urls: string[]): Set<string> {
  const names = new Set<string>();
  for (const u of urls) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(u);
    if (m) names.add(m[1]!);
  }
  return names;
}

test('loading the entry files loads no driver and no Azure SDK but the Functions library', async () => {
  const files = readdirSync(FUNCTIONS)
    .filter((f) => f.endsWith('.js'))
    .map((f) => fileURLToPath(new URL(f, FUNCTIONS)));
  assert.ok(files.length >= 5);
  const script = `
    import { register, createRequire } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
    for (const f of ${JSON.stringify(files)}) await import(f);
    const cache = createRequire(import.meta.url).cache;
    for (const k of Object.keys(cache)) process.stderr.write('LOADED ' + k + '\\n');
    process.stderr.write('DONE\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr.slice(-2000));
  assert.match(stderr, /^DONE$/m);
  const loaded = packagesOf(stderr.split('\n').filter((l) => l.startsWith('LOADED ')));
  assert.ok(loaded.has('@azure/functions'), [...loaded].join(', '));
  assert.deepEqual(
    HEAVY.filter((p) => loaded.has(p)),
    [],
  );
});
