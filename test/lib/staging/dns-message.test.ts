/** A staging server name that does not resolve says what to check on the VNet's DNS servers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PostgresDb } from '../../../src/lib/staging/db.js';

test('an Azure PostgreSQL name that does not resolve names the DNS forwarding to check', async () => {
  const db = new PostgresDb('postgresql://u:p@connecteur-no-such-server.private.postgres.database.azure.com:5432/staging');
  try {
    await assert.rejects(db.query('SELECT 1'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'STAGING_UNREACHABLE');
      assert.match(e.message, /168\.63\.129\.16/);
      return true;
    });
  } finally {
    await db.close();
  }
});
