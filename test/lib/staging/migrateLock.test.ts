/**
 * The migration lock: taken only when the schema is behind, waited for while another instance
 * holds it, given up on with a conflict, and always released. Each case migrates its own company
 * schema of one database, so that no case pays for a database of its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError } from '../../../src/lib/errors.js';
import { PostgresDb, type HeldLock, type Queryable, type StagingDb } from '../../../src/lib/staging/db.js';
import { latestMigration, migrate } from '../../../src/lib/staging/migrate.js';
import { useWorld } from '../../support/fixture.js';

const opened: PostgresDb[] = [];
const world = useWorld({ sandbox: false, migrate: false });
world.teardown(async () => {
  for (const db of opened) await db.close();
});

/** A staging database whose lock is refused `refusals` times; tries and releases are counted. */
class CountedLocks implements StagingDb {
  readonly kind = 'postgres' as const;
  tries = 0;
  releases = 0;
  failExec = false;
  constructor(
    private readonly inner: StagingDb,
    private refusals = 0,
  ) {}
  get schema() {
    return this.inner.schema;
  }
  query<R>(text: string, params?: unknown[]) {
    return this.inner.query<R>(text, params);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>) {
    return this.inner.transaction(fn);
  }
  async exec(script: string) {
    if (this.failExec) throw new Error('script refused');
    await this.inner.exec(script);
  }
  async tryLock(key: string): Promise<HeldLock | null> {
    this.tries++;
    if (this.refusals > 0) {
      this.refusals--;
      return null;
    }
    const held = await this.inner.tryLock(key);
    return held && { release: async () => (this.releases++, held.release()) };
  }
  close() {
    return this.inner.close();
  }
}

/** A company schema of the test database, behind a lock that is refused `refusals` times. */
function company(schema: string, refusals = 0) {
  const db = new PostgresDb(world.t.url, { schema, max: 2 });
  opened.push(db);
  return new CountedLocks(db, refusals);
}

test('an up-to-date schema: answered without the lock', async () => {
  const db = company('uptodate');
  await migrate(db);
  const tries = db.tries;
  assert.deepEqual(await migrate(db), { from: latestMigration(), to: latestMigration(), applied: [] });
  assert.equal(db.tries, tries);
});

test('a schema ahead of the files (a newer build migrated it): left alone, without the lock', async () => {
  const db = company('ahead');
  await migrate(db);
  await db.query(
    `INSERT INTO ahead.connecteur_schema_version (version, name, md5, run_at) VALUES (${latestMigration() + 1}, 'newer', 'x', now())`,
  );
  const tries = db.tries;
  assert.deepEqual(await migrate(db), { from: latestMigration() + 1, to: latestMigration() + 1, applied: [] });
  assert.equal(db.tries, tries);
});

test('a version table with no row yet: every migration applied', async () => {
  const db = company('emptyversion');
  await db.query('CREATE SCHEMA emptyversion');
  await db.query(
    'CREATE TABLE emptyversion.connecteur_schema_version (version bigint PRIMARY KEY, name text, md5 text, run_at timestamptz)',
  );
  const result = await migrate(db);
  assert.equal(result.applied.length, latestMigration());
});

test('the lock held by another instance twice: waited for, then the migration runs and releases it', async () => {
  const db = company('waited', 2);
  const result = await migrate(db);
  assert.equal(result.applied.length, latestMigration());
  assert.equal(db.tries, 3);
  assert.equal(db.releases, 1);
});

test('the lock never free: a conflict after 100 more tries, nothing migrated', async () => {
  const db = company('busy', Number.POSITIVE_INFINITY);
  await assert.rejects(migrate(db), (e: Error) => {
    assert.ok(e instanceof ConflictError);
    assert.equal(e.message, 'Une migration du schéma de staging est déjà en cours.');
    return true;
  });
  assert.equal(db.tries, 101);
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'busy'");
  assert.deepEqual(rows, [{ n: 0 }]);
});

test('a migration that fails still releases the lock', async () => {
  const db = company('failing');
  db.failExec = true;
  await assert.rejects(migrate(db), /script refused/);
  assert.equal(db.releases, 1);
});
