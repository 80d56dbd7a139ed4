/**
 * The single executable (npm run build:sea → dist/sea/connecteur): it starts without node_modules
 * or sources around it. .ci/run builds it after the suite and runs this file with REQUIRE_SEA=1;
 * elsewhere, without the executable, this file says it skipped and why.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { skipUnless } from '../support/required.js';
import { useWorld } from '../support/fixture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const EXE = path.join(ROOT, 'dist/sea', process.platform === 'win32' ? 'connecteur.exe' : 'connecteur');
const present = existsSync(EXE);
const SKIP = skipUnless(
  'SEA',
  present,
  `single executable: ${EXE} absent (npm run build:sea builds it; .ci/run does, then runs this file)`,
);

/** Runs the executable from an empty folder, with only the given settings. */
function sea(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(EXE, args, { cwd: mkdtempSync(path.join(tmpdir(), 'sea-')), env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const world = useWorld({ sandbox: false });

test('--version', { skip: SKIP }, async () => {
  const r = await sea(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
});

test('agent --help, in French', { skip: SKIP }, async () => {
  const r = await sea(['agent', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Utilisation : connecteur agent \[options\] \[commande\]/);
  assert.match(r.stdout, /check \[options\]/);
});

test(
  'agent check against the test PostgreSQL: staging, schema and heartbeat pass, SQL Server unreachable (exit 3)',
  { skip: SKIP },
  async () => {
    const r = await sea(['agent', 'check', '--json'], {
      STAGING_DATABASE_URL: world.t.url,
      BATIGEST_SQL_SERVER: '127.0.0.1',
      BATIGEST_SQL_PORT: '1',
      BATIGEST_SQL_DATABASE: 'BATIGEST',
      BATIGEST_SQL_USER: 'connecteur',
      BATIGEST_SQL_PASSWORD: 'pas-un-vrai-mot-de-passe',
    });
    assert.equal(r.code, 3, r.stderr);
    const results = JSON.parse(r.stdout) as { system: string; ok: boolean; step: string }[];
    assert.deepEqual(
      results.map((x) => [x.system, x.ok]),
      [
        ['sqlserver', false],
        ['postgres', true],
        ['schema', true],
        ['heartbeat', true],
      ],
    );
    assert.doesNotMatch(r.stdout + r.stderr, /pas-un-vrai-mot-de-passe/);
  },
);

test('agent without the staging URL: exit 2', { skip: SKIP }, async () => {
  const r = await sea(['agent']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /STAGING_DATABASE_URL manquant/);
});
