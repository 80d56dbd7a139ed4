/** `connecteur sandbox` inputs: the seed checked with its file and field named, options checked, a busy port explained. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, connecteur } from '../support/cli.js';

let dir: string;
before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'connecteur-seed-'))));
after(() => rm(dir, { recursive: true, force: true }));

async function seedFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

test('a malformed seed names its file', async () => {
  const file = await seedFile('casse.json', '{ projects: [] }');
  const r = await connecteur(['sandbox', '--port', '0', '--seed', file], {});
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`Fichier de départ ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} : JSON invalide`));
});

test('a seed of the wrong shape names the field at fault', async () => {
  const file = await seedFile('forme.json', JSON.stringify({ projects: 5, timeSlots: [{ id: 1 }] }));
  const r = await connecteur(['sandbox', '--port', '0', '--seed', file], {});
  assert.equal(r.code, 2);
  assert.match(r.stderr, /mal formé : projects : /);
  assert.match(r.stderr, /timeSlots\.0\.startDate/);
  assert.doesNotMatch(r.stderr, /is not a function/);
});

test('a busy port says to choose another with --port', async () => {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const r = await connecteur(['sandbox', '--port', String(port)], {});
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`port ${port} est déjà utilisé.*--port`));
  } finally {
    server.close();
  }
});

test('a good seed: what was loaded is said', async () => {
  const slot = {
    id: 'S1',
    startDate: '2026-11-02T07:00:00Z',
    endDate: '2026-11-02T11:00:00Z',
    user: { id: '11111111-1111-4111-8111-111111111111' },
    project: { id: 1 },
    managementStatus: 'VALIDATED',
    totalTimeMinutes: 240,
    hasPackedLunch: false,
    hasHomeToWorkJourney: false,
  };
  const file = await seedFile(
    'bon.json',
    JSON.stringify({ projects: [{ id: 1, projectCode: 'CH001', projectName: 'Un' }], timeSlots: [slot] }),
  );
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--seed', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const loaded = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Chargé[^\n]*\n/.exec(out);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
  });
  child.removeAllListeners('exit');
  await new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM')));
  assert.match(loaded, /1 projet\(s\), 1 créneau\(x\) horaire\(s\)/);
});
