/**
 * GET /api/runs without a company and the dashboard's company choice with 200 companies (issue
 * 26): one connection, no company's schema opened or migrated, each company's own rows only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { CompanyDirectory } from '../../../src/lib/companyServices.js';
import { companySummaries } from '../../../src/lib/ops/companySummary.js';
import { runHistory } from '../../../src/lib/ops/runs.js';
import { renderCompanyChoice } from '../../../src/lib/ops/dashboard.js';
import { stagingConnections } from '../../../src/lib/staging/pool.js';
import { freshDatabase, type TestDatabase } from '../../support/pg.js';

const COUNT = 200;
const NAMES = Array.from({ length: COUNT }, (_, i) => `societe${String(i).padStart(3, '0')}`);

let t: TestDatabase;
let admin: pg.Client;
let directory: CompanyDirectory;

before(async () => {
  t = await freshDatabase();
  admin = new pg.Client({ connectionString: t.url });
  await admin.connect();
  // The run history's two tables in each schema, as the migrations made them in public: the reads are what is measured.
  const tables = NAMES.map(
    (n) => `CREATE SCHEMA company_${n};
      CREATE TABLE company_${n}.connecteur_runs (LIKE public.connecteur_runs INCLUDING ALL);
      CREATE TABLE company_${n}.connecteur_record_issues (LIKE public.connecteur_record_issues INCLUDING ALL);`,
  );
  await admin.query(tables.join('\n'));
  const run = (n: string, job: string, status: string, minutesAgo: number) =>
    `INSERT INTO company_${n}.connecteur_runs (run_id, job, trigger, dry_run, status, started_at, finished_at)
     VALUES (gen_random_uuid(), '${job}', 'timer', false, '${status}', now() - interval '${minutesAgo} minutes', now() - interval '${minutesAgo} minutes')`;
  await admin.query(
    [
      run('societe000', 'chantiers', 'succeeded', 30),
      run('societe000', 'chantiers', 'failed', 20),
      run('societe000', 'heures', 'interrupted', 10),
      run('societe001', 'heures', 'succeeded', 5),
      `INSERT INTO company_societe001.connecteur_record_issues (job, record_key, kind, code, message, last_run_id)
       VALUES ('heures-to-sqlserver', 'slot-1', 'held', 'SALARIE_INCONNU', 'x', gen_random_uuid()),
              ('heures-to-sqlserver', 'slot-2', 'held', 'SALARIE_INCONNU', 'x', gen_random_uuid())`,
    ].join(';\n'),
  );
  directory = new CompanyDirectory({ COMPANIES: NAMES.join(','), STAGING_DATABASE_URL: t.url, STAGING_POOL_MAX: '5' });
});
after(async () => {
  await directory.close();
  await admin.end();
  await t.drop();
});

test('200 companies: the history and the per-company summary from one connection, each company its own rows', async () => {
  // The time each read takes is the benchmark's row (npm run bench): on a shared, loaded test machine it says nothing.
  const runs = await runHistory(directory.select(), { limit: 50 });
  assert.equal(stagingConnections(), 1, 'GET /api/runs read from one connection');
  const summaries = await companySummaries(directory.select());
  assert.deepEqual(
    runs.map((r) => `${r.company}:${r.job}:${r.status}`),
    ['societe001:heures:succeeded', 'societe000:heures:interrupted', 'societe000:chantiers:failed', 'societe000:chantiers:succeeded'],
  );
  assert.equal(summaries.length, COUNT);
  const [first, second, third] = summaries;
  assert.deepEqual([first!.company, first!.failures, first!.heldHours, typeof first!.lastSuccess], ['societe000', 2, 0, 'string']);
  assert.deepEqual([second!.company, second!.failures, second!.heldHours], ['societe001', 0, 2]);
  assert.deepEqual(third, { company: 'societe002', lastSuccess: null, failures: 0, heldHours: 0 });
  // The two reads ran one after the other on the one connection the process opened for them.
  assert.equal(stagingConnections(), 1);
  const page = renderCompanyChoice(
    directory.companies().map((c) => c.name),
    summaries,
  );
  assert.match(page, /<a href="\?company=societe001">societe001<\/a><\/td><td>[^<]+<\/td><td class="num">0<\/td><td class="num">2<\/td>/);
});

test('a company whose schema was never opened: listed with nothing yet, and still not created by the read', async () => {
  const more = new CompanyDirectory({ COMPANIES: 'societe000,nouvelle', STAGING_DATABASE_URL: t.url, STAGING_POOL_MAX: '3' });
  try {
    const summaries = await companySummaries(more.select());
    assert.deepEqual(summaries[1], { company: 'nouvelle', lastSuccess: null, failures: 0, heldHours: 0 });
    assert.equal((await runHistory(more.select(), { limit: 10 })).length, 3);
    const { rows } = await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'company_nouvelle'`);
    assert.deepEqual(rows, []);
  } finally {
    await more.close();
  }
});
