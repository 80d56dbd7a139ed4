/** Opening the staging database the settings name: PostgreSQL with its pool size and schema, or embedded. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { redact } from '../../../src/lib/log.js';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { lockDataFolder } from '../../../src/lib/staging/embeddedLock.js';
import { parseSection, stagingSchema, type Env } from '../../../src/lib/config.js';
import { openStaging as openSettings } from '../../../src/lib/staging/open.js';

/** The staging of these settings, validated as the services validate them. */
const openStaging = (env: Env, schema?: string) => openSettings(parseSection(stagingSchema, env, 'staging'), schema);

test("a PostgreSQL URL: a pool of STAGING_POOL_MAX on the company's schema, its password masked in logs", async () => {
  // Never connected to: opening a pool makes no connection.
  const db = await openStaging(
    { STAGING_DATABASE_URL: 'postgresql://alice:open-test-pw-4821@127.0.0.1:9/stage', STAGING_POOL_MAX: '3' },
    'acme',
  );
  try {
    assert.ok(db instanceof PostgresDb);
    assert.equal(db.schema, 'acme');
    assert.equal((db.pool as unknown as { options: { max: number } }).options.max, 3);
    assert.equal(redact('password open-test-pw-4821 sent'), 'password *** sent');
  } finally {
    await db.close();
  }
});

test('no URL: the embedded database in STAGING_EMBEDDED_DIR (here held by another holder, so it is refused)', async () => {
  // The folder lock answers before PGlite starts: it shows the embedded path was taken without
  // paying for an embedded database.
  const dir = await mkdtemp(path.join(tmpdir(), 'connecteur-open-'));
  const folder = path.join(dir, 'staging');
  const held = await lockDataFolder(folder);
  try {
    await assert.rejects(openStaging({ STAGING_EMBEDDED_DIR: folder }), (e: Error & { code?: string }) => e.code === 'STAGING_LOCKED');
  } finally {
    await held.release();
    await rm(dir, { recursive: true, force: true });
  }
});
