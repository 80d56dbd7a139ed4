/** The test world itself: what useWorld empties, and when a new template database is made. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { latestMigration, MIGRATIONS_DIR, recordedVersion } from '../../src/lib/staging/migrate.js';
import { useWorld } from './fixture.js';
import { templateName } from './pg.js';

describe('useWorld', () => {
  const world = useWorld({ sandbox: false });
  const count = async (table: string) =>
    Number((await world.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);

  test('a cloned database is migrated: the template recorded the latest migration', async () => {
    assert.equal(await recordedVersion(world.db), latestMigration());
  });

  test('every table is emptied, a company schema and a table made after the migrations too; the versions stay', async () => {
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'x', false)`);
    await world.db.query('CREATE SCHEMA IF NOT EXISTS company_acme');
    await world.db.query('CREATE TABLE IF NOT EXISTS company_acme.extra (id int)');
    await world.db.query('INSERT INTO company_acme.extra VALUES (1)');
    await world.empty();
    assert.deepEqual(
      [await count('batigest_chantiers'), await count('company_acme.extra'), (await count('connecteur_schema_version')) > 0],
      [0, 0, true],
    );
  });
});

describe('the template database', () => {
  test('its name follows the migration files: a changed file makes a new one', () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'connecteur-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, copy, { recursive: true });
      assert.equal(templateName(copy), templateName());
      writeFileSync(path.join(copy, '001.do.chantiers.sql'), '-- changed\n', { flag: 'a' });
      assert.notEqual(templateName(copy), templateName());
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
