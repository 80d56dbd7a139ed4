/** The embedded staging's data folder has one process at a time; the second names the first and exits 3. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EmbeddedDb } from '../../src/lib/staging/db.js';
import { connecteur } from '../support/cli.js';

let dir: string;
before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'connecteur-embedded-'))));
after(() => rm(dir, { recursive: true, force: true }));

test('a second process on a held data folder exits 3 naming the holder; once free it runs', async () => {
  const folder = path.join(dir, 'staging');
  const holder = await EmbeddedDb.open(folder);
  let r;
  let run;
  try {
    r = await connecteur(['status'], { STAGING_EMBEDDED_DIR: folder });
    run = await connecteur(['run', 'update-code-projet'], { STAGING_EMBEDDED_DIR: folder });
  } finally {
    await holder.close();
  }
  assert.equal(r.code, 3, r.stderr);
  // When the holder started, in SYNC_TIMEZONE (Paris by default) and French format, as every time an operator reads.
  assert.match(r.stderr, /depuis le \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}\)/);
  assert.doesNotMatch(r.stderr, /depuis le \d{4}-/);
  // A run refused by the lock says it did not start, not that it ended in failure.
  assert.equal(run.code, 3);
  assert.match(run.stderr, /"message":"Job update-code-projet non lancé : Le dossier de staging embarqué/);
  assert.doesNotMatch(run.stderr, /Fin du job/);
  assert.match(r.stderr, new RegExp(`Staging : PostgreSQL embarqué \\(dossier ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  assert.match(r.stderr, new RegExp(`utilisé par le processus ${process.pid} `));
  const free = await connecteur(['status'], { STAGING_EMBEDDED_DIR: folder });
  assert.equal(free.code, 0, free.stderr);
  assert.equal(free.stderr.match(/Staging :/g)?.length, 1, 'the staging is named once');
});
