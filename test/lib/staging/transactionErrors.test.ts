/** A transaction whose connection is lost answers the staging error (502), not an internal one (500): issue 22.1. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UpstreamError } from '../../../src/lib/errors.js';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { freshDatabase, type TestDatabase } from '../../support/pg.js';

let t: TestDatabase;
let db: PostgresDb;
before(async () => {
  t = await freshDatabase({ migrate: false });
  db = new PostgresDb(t.url, { max: 1 });
});
after(async () => {
  await db.close();
  await t.drop();
});

test('the server ends the connection inside the transaction: STAGING_UNREACHABLE, and the next query runs on a new connection', async () => {
  await assert.rejects(
    db.transaction((tx) => tx.query('SELECT pg_terminate_backend(pg_backend_pid())')),
    (e: unknown) => e instanceof UpstreamError && e.code === 'STAGING_UNREACHABLE' && /injoignable/.test(e.message),
  );
  assert.deepEqual((await db.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

test('an SQL error inside the transaction: the staging error naming it, rolled back', async () => {
  await assert.rejects(
    db.transaction((tx) => tx.query('SELECT * FROM no_such_table')),
    (e: unknown) => e instanceof UpstreamError && e.code === 'STAGING_ERROR' && /no_such_table/.test(e.message),
  );
});

test('a query whose connection is terminated: STAGING_UNREACHABLE too, and the process goes on', async () => {
  await assert.rejects(
    db.query('SELECT pg_terminate_backend(pg_backend_pid())'),
    (e: unknown) => e instanceof UpstreamError && e.code === 'STAGING_UNREACHABLE',
  );
  assert.deepEqual((await db.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
});
