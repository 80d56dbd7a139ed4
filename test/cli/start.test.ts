/** `npm start` without Azure Functions Core Tools: it says so at once and what to do, before building. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHECK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/check-func.js');

test('func missing: a French message naming Core Tools and connecteur serve, exit 1', async () => {
  // A PATH with node only: no func anywhere.
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CHECK], { env: { PATH: path.dirname(process.execPath) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Azure Functions Core Tools \(commande « func »\) introuvable/);
  assert.match(r.stderr, /connecteur\.js serve/);
});

test('connecteur --version prints the package version', async () => {
  const { connecteur } = await import('../support/cli.js');
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(path.resolve(path.dirname(CHECK), '../package.json'), 'utf8')) as { version: string };
  const r = await connecteur(['--version'], {});
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});
