/** A staging database whose name holds quotes and a space migrates like any other (real server). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { migrate } from '../../../src/lib/staging/migrate.js';
import { ADMIN_URL } from '../../support/pg.js';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

test(`a database named with ' and " and a space: every migration applied, then none`, async () => {
  const name = `connecteur_test_o'b "q_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${encodeURIComponent(name)}`;
  const db = new PostgresDb(url.toString(), { max: 2 });
  try {
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
    assert.equal(rows[0]!.name, name);
    const first = await migrate(db);
    assert.equal(first.from, 0);
    assert.ok(first.applied.length >= 3);
    const second = await migrate(db);
    assert.deepEqual(second.applied, []);
    assert.equal(second.to, first.to);
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.end();
  }
});
