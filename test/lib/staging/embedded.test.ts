/** The PGlite default (no STAGING_DATABASE_URL): the chantiers flow and the run lock work on it too. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ConflictError } from '../../../src/lib/errors.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import type { Sandbox } from '../../../src/sandbox/server.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { startSandbox } from '../../support/sandbox.js';
import type { Env } from '../../../src/lib/config.js';
import type { ChainReport } from '../../../src/lib/domain/runs.js';
import { transferAndPush } from '../../support/reports.js';

let dir: string;
let sandbox: Sandbox;
let env: Env;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'connecteur-pglite-'));
  ({ sandbox, env } = await startSandbox());
  env = { ...env, STAGING_EMBEDDED_DIR: path.join(dir, 'staging') };
});
after(async () => {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
});

test('chantiers on the embedded staging database, kept on disk between processes', async () => {
  const batigest = new MemoryBatigest();
  batigest.chantiers = [chantier('CH001'), chantier('CH002')];
  let services = new Services(env, { batigest });
  const first = (await runJob(services, 'chantiers', { trigger: 'cli' })).report as ChainReport;
  assert.equal((await services.staging()).kind, 'embedded');
  assert.deepEqual(
    transferAndPush(first).map((s) => s.counts.created),
    [2, 2],
  );
  await services.close();

  services = new Services(env, { batigest });
  const second = (await runJob(services, 'chantiers', { trigger: 'cli' })).report as ChainReport;
  assert.deepEqual(
    transferAndPush(second).map((s) => s.counts.unchanged),
    [2, 0],
  );
  assert.equal(sandbox.state.projects.size, 2);
  await services.close();
});

test('one run per job at a time on the embedded database too', async () => {
  const batigest = new MemoryBatigest();
  batigest.chantiers = [chantier('CH010')];
  const services = new Services(env, { batigest });
  try {
    // The run holds its lock while Batigest is being read: that read waits until the test lets it go.
    let reading!: () => void;
    let letGo!: () => void;
    const started = new Promise<void>((r) => (reading = r));
    const gate = new Promise<void>((r) => (letGo = r));
    const read = batigest.readChantiers.bind(batigest);
    batigest.readChantiers = async (etats) => {
      reading();
      await gate;
      return read(etats);
    };
    const running = runJob(services, 'chantiers', { trigger: 'cli' });
    await started;
    await assert.rejects(runJob(services, 'chantiers', { trigger: 'http' }), ConflictError);
    letGo();
    await running;
  } finally {
    await services.close();
  }
});

test('a new folder is restored from the build’s archive, already migrated, said once, and kept on disk', async () => {
  const { EmbeddedDb } = await import('../../../src/lib/staging/db.js');
  const { TEMPLATE_ARCHIVE } = await import('../../../src/lib/staging/embedded.js');
  const { latestMigration } = await import('../../../src/lib/staging/migrate.js');
  const { existsSync } = await import('node:fs');
  assert.ok(existsSync(TEMPLATE_ARCHIVE), 'npm run build made the archive');
  const folder = path.join(dir, 'from-template');
  let created = 0;
  const db = await EmbeddedDb.open(folder, { onCreate: () => created++ });
  try {
    const { rows } = await db.query<{ version: number }>('SELECT max(version)::int AS version FROM connecteur_schema_version');
    assert.equal(rows[0]?.version, latestMigration(), 'the archive holds the current schema: nothing to migrate');
    await db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('T1', 'x', false)`);
  } finally {
    await db.close();
  }
  const again = await EmbeddedDb.open(folder, { onCreate: () => created++ });
  try {
    assert.deepEqual((await again.query<{ code: string }>('SELECT code FROM batigest_chantiers')).rows, [{ code: 'T1' }]);
  } finally {
    await again.close();
  }
  assert.equal(created, 1, 'said at the first start only');
});
