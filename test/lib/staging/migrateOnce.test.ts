/**
 * A company's schema is migrated once, by one opener, however many open it at once (issue 26):
 * processes (handles with pools of their own) and companies' services in one process alike.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompanyDirectory } from '../../../src/lib/companyServices.js';
import { companyServices } from '../../../src/lib/companyServices.js';
import { listCompanies } from '../../../src/lib/companies.js';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { latestMigration, migrate, recordedVersion } from '../../../src/lib/staging/migrate.js';
import { freshDatabase, type TestDatabase } from '../../support/pg.js';

let t: TestDatabase;
before(async () => (t = await freshDatabase({ migrate: false })));
after(() => t.drop());

test('eight openers of one schema at once, four in this process and four as other processes: exactly one migrates', async () => {
  const env = { COMPANIES: 'acme,beta', STAGING_DATABASE_URL: t.url, STAGING_POOL_MAX: '3' };
  const acme = listCompanies(env).find((c) => c.name === 'acme')!;
  const changes: string[][] = [];
  const inProcess = Array.from({ length: 4 }, () => companyServices(acme, {}, { schemaChanged: (c) => changes.push(c.applied) }));
  const processes = Array.from({ length: 4 }, () => new PostgresDb(t.url, { schema: 'company_acme', max: 1 }));
  try {
    const results = await Promise.all([
      ...inProcess.map((s) => s.staging().then(() => null)),
      ...processes.map(async (db) => (await migrate(db)).applied),
    ]);
    const applied = [...changes, ...results.filter((r): r is string[] => r !== null && r.length > 0)];
    assert.equal(applied.length, 1, `migrations applied by ${applied.length} openers`);
    assert.equal(applied[0]!.length, latestMigration());
    assert.equal(await recordedVersion(processes[0]!), latestMigration());
  } finally {
    for (const s of inProcess) await s.close();
    for (const db of processes) await db.close();
  }
});

test('a schema already at the latest version: opened without taking the migration lock', async () => {
  const directory = new CompanyDirectory({ COMPANIES: 'acme,beta', STAGING_DATABASE_URL: t.url, STAGING_POOL_MAX: '3' });
  try {
    const db = await directory.get('acme').staging();
    const tries: string[] = [];
    const tryLock = db.tryLock.bind(db);
    db.tryLock = (key: string) => (tries.push(key), tryLock(key));
    assert.deepEqual((await migrate(db)).applied, []);
    assert.deepEqual(tries, []);
  } finally {
    await directory.close();
  }
});
