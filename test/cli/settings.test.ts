/** Settings from `local.settings.json` (the environment wins), and where each came from, through the CLI. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Env } from '../../src/lib/config.js';
import { connecteur } from '../support/cli.js';
import { useWorld } from '../support/fixture.js';

const world = useWorld({ stagingInEnv: true, env: { BATISIMPLY_MAX_RETRIES: '0' } });
let fileEnv: Env;
let dir: string;

world.setup(async () => {
  fileEnv = world.env;
  dir = await mkdtemp(path.join(os.tmpdir(), 'connecteur-settings-'));
  await writeFile(path.join(dir, 'local.settings.json'), JSON.stringify({ IsEncrypted: false, Values: fileEnv }));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('check with only local.settings.json: BatiSimply and the staging come from the file', async () => {
  const r = await connecteur(['check'], {}, undefined, { cwd: dir });
  assert.match(r.stdout, /✔ PostgreSQL \(staging\)/, r.stderr);
  assert.match(r.stdout, /✔ BatiSimply/);
  assert.match(r.stdout, /BATISIMPLY_API_URL\s+local\.settings\.json/);
  assert.match(r.stdout, /HEURES_WINDOW_DAYS\s+défaut/);
  assert.match(r.stderr, new RegExp(`Staging : PostgreSQL 127\\.0\\.0\\.1:\\d+/${new URL(world.t.url).pathname.slice(1)}`));
  assert.ok(!r.stdout.includes(fileEnv.BATISIMPLY_PASSWORD!), 'no value is shown');
});

test('the environment wins over the file', async () => {
  const r = await connecteur(['check'], { BATISIMPLY_API_URL: 'http://127.0.0.1:9' }, undefined, { cwd: dir });
  assert.match(r.stdout, /✘ BatiSimply/);
  assert.match(r.stdout, /BATISIMPLY_API_URL\s+environnement/);
  assert.equal(r.code, 2, 'SQL Server is not configured: a configuration error outranks the unreachable API');
});

test('status --json lists the source of each setting', async () => {
  const r = await connecteur(['status', '--json'], {}, undefined, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const sources = (JSON.parse(r.stdout) as { settings: { setting: string; source: string }[] }).settings;
  assert.deepEqual(
    sources.find((s) => s.setting === 'STAGING_DATABASE_URL'),
    { setting: 'STAGING_DATABASE_URL', source: 'local.settings.json' },
  );
});

test('a malformed local.settings.json is named', async () => {
  const bad = await mkdtemp(path.join(os.tmpdir(), 'connecteur-settings-'));
  await writeFile(path.join(bad, 'local.settings.json'), '{ "Values": { nope');
  const r = await connecteur(['status'], {}, undefined, { cwd: bad });
  await rm(bad, { recursive: true, force: true });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /local\.settings\.json illisible/);
});
