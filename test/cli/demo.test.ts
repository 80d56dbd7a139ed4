/** `npm run demo` counts time slots as slots and says why they stay in staging. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/demo.js');

test('the demo ends with slots to export and why they were not exported', async () => {
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\d+ créneau\(x\) horaire\(s\) à exporter vers SuiviMO/);
  assert.doesNotMatch(r.stdout, /heure\(s\) à exporter/);
  assert.match(r.stdout, /restent en staging : la démo n'a pas de Batigest/);
  assert.match(r.stdout, /Staging embarqué : création de la base locale…/, 'it says what it does while the local database is made');
});

test('Ctrl+C during the demo’s start leaves no temporary folder', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'connecteur-demo-sigint-'));
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [DEMO], { env: { PATH: process.env.PATH, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
        // Its first line names the folder: the staging is being opened now.
        if (/staging embarqué : /.test(stdout) && !child.killed) child.kill('SIGINT');
      });
      child.on('error', reject);
      child.on('close', (c) => resolve(c));
    });
    assert.equal(code, 130);
    assert.deepEqual(
      (await readdir(tmp)).filter((f) => f.startsWith('connecteur-demo-')),
      [],
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
