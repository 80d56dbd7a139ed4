/**
 * The CLI starts from its bundle (dist/cli/main.cjs, bin/bundle-cli.js): a run with nothing to do
 * loads that one file and no package from node_modules, and none of the work that used to make
 * up most of its start (zod's 95 modules with every locale, pg building a `Response` that loads
 * Node's fetch). The child process reports, as it exits, every ES module it imported (a loader
 * hook), every CommonJS module it required and Node's own modules it loaded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIN } from '../support/cli.js';
import { useWorld } from '../support/fixture.js';

const BUNDLE = fileURLToPath(new URL('../../cli/main.cjs', import.meta.url));
const META = fileURLToPath(new URL('../../cli/meta.json', import.meta.url));

const hook = `
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  writeSync(2, 'LOADED ' + result.url + '\\n');
  return result;
}`;

const preload = `
import { register, createRequire } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
const cache = createRequire(process.cwd() + '/').cache;
process.on('exit', () => {
  for (const k of Object.keys(cache)) process.stderr.write('LOADED ' + k + '\\n');
  for (const m of process.moduleLoadList) process.stderr.write('NODE ' + m + '\\n');
});`;

const world = useWorld({ stagingInEnv: true });

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(preload)}`, BIN, ...args], {
      env: { PATH: process.env.PATH, ...world.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the build bundles the CLI into one file, with zod’s French locale only', () => {
  assert.ok(existsSync(BUNDLE), 'npm run build makes dist/cli/main.cjs');
  // What the bundle holds: the inputs with bytes in it (tree-shaking reads every locale, keeps two).
  const meta = JSON.parse(readFileSync(META, 'utf8')) as { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
  const inputs = Object.values(meta.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, i]) => i.bytesInOutput > 0)
      .map(([name]) => name),
  );
  assert.ok(inputs.includes('dist/src/cli/main.js'), inputs.slice(0, 5).join(', '));
  const locales = inputs.filter((i) => /zod\/v4\/locales\/(?!index)/.test(i)).map((i) => i.replace(/.*\//, ''));
  assert.deepEqual(locales.sort(), ['en.js', 'fr.js']);
});

test('run with nothing to do loads the bundle, no package from node_modules and not Node’s fetch', async () => {
  const r = await run(['run', 'transfer-batisimply']);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  assert.match(r.stdout, /transfer-batisimply : réussi/);
  const loaded = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice('LOADED '.length));
  assert.ok(
    loaded.some((l) => l.endsWith('/dist/cli/main.cjs')),
    loaded.join('\n'),
  );
  assert.deepEqual(
    loaded.filter((l) => l.includes('/dist/src/')),
    [],
    'the compiled modules are not loaded one by one',
  );
  assert.deepEqual(
    loaded.filter((l) => /node_modules/.test(l)),
    [],
    'zod, pg and commander come from the bundle; nothing else is needed',
  );
  const builtins = r.stderr.split('\n').filter((l) => l.startsWith('NODE '));
  assert.ok(builtins.length > 0);
  assert.deepEqual(
    builtins.filter((l) => /internal\/deps\/undici/.test(l)),
    [],
    'pg made no Response',
  );
});
