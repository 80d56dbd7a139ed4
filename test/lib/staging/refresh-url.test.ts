/**
 * The staging URL is read again from its source after PostgreSQL refuses the credentials
 * (SQLSTATE 28P01 / 28000), like the Batigest password: a password rotated by a provision is
 * picked up without a restart. A role that does not exist gives 28000 on the local server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecretSetting } from '../../../src/lib/config.js';
import type { SecretStore } from '../../../src/lib/secrets.js';
import { Services } from '../../../src/lib/services.js';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ sandbox: false, migrate: false });
let refusedUrl: string;

world.setup(() => {
  const url = new URL(world.t.url);
  url.username = 'connecteur_no_such_role';
  refusedUrl = url.toString();
});

/** A vault whose staging URL was rotated: the cached value is the old one until invalidated. */
class RotatedVault implements SecretStore {
  readonly kind = 'keyvault' as const;
  invalidations = 0;
  constructor(
    private stale: string,
    private readonly current: string,
  ) {}
  async get(setting: SecretSetting) {
    return setting === 'STAGING_DATABASE_URL' ? this.stale : undefined;
  }
  invalidate() {
    this.invalidations++;
    this.stale = this.current;
  }
  async save() {}
}

describe('staging URL refresh after refused credentials', () => {
  test('without a refresh, refused credentials fail the query with the SQLSTATE', async () => {
    const db = new PostgresDb(refusedUrl);
    try {
      await assert.rejects(db.query('SELECT 1'), (e: Error & { cause?: { code?: string } }) => e.cause?.code === '28000');
    } finally {
      await db.close();
    }
  });

  test('a query after refused credentials runs on the re-read URL', async () => {
    let reads = 0;
    const db = new PostgresDb(refusedUrl, { refreshUrl: async () => (reads++, world.t.url) });
    try {
      const { rows } = await db.query<{ one: number }>('SELECT 1 AS one');
      assert.deepEqual(rows, [{ one: 1 }]);
      assert.equal(reads, 1);
      await db.transaction((tx) => tx.query('SELECT 1'));
      assert.equal(reads, 1, 'the renewed pool is kept');
    } finally {
      await db.close();
    }
  });

  test('a URL that is still refused after the re-read fails once, without looping', async () => {
    let reads = 0;
    const db = new PostgresDb(refusedUrl, { refreshUrl: async () => (reads++, refusedUrl) });
    try {
      await assert.rejects(db.query('SELECT 1'));
      assert.equal(reads, 1);
    } finally {
      await db.close();
    }
  });

  test('Services re-reads STAGING_DATABASE_URL from the vault and opens the staging database', async () => {
    const vault = new RotatedVault(refusedUrl, world.t.url);
    const services = new Services({ KEY_VAULT_URL: 'https://kv.example.vault.azure.net' }, { secrets: vault });
    try {
      const staging = await services.staging();
      const { rows } = await staging.query<{ one: number }>('SELECT 1 AS one');
      assert.deepEqual(rows, [{ one: 1 }]);
      assert.equal(vault.invalidations, 1);
    } finally {
      await services.close();
    }
  });
});
