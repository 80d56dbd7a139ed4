import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompanyDirectory } from '../../src/lib/companyServices.js';
import type { Env } from '../../src/lib/config.js';
import { runJob } from '../../src/lib/sync/runner.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { connecteur } from '../support/cli.js';
import { sandboxEnv, startSandbox } from '../support/sandbox.js';
import type { RunReport } from '../../src/lib/domain/runs.js';
import { useWorld } from '../support/fixture.js';

// Two companies, each with its own sandbox: the world's database only.
const world = useWorld({ sandbox: false });
let acmeApi: Sandbox;
let betaApi: Sandbox;
let env: Env;
let directory: CompanyDirectory;

const prefixed = (prefix: string, settings: Env) => Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${prefix}${k}`, v]));

world.setup(async () => {
  ({ sandbox: acmeApi } = await startSandbox());
  ({ sandbox: betaApi } = await startSandbox());
  const { BATISIMPLY_API_URL: _a, BATISIMPLY_TOKEN_URL: _b, ...shared } = sandboxEnv(acmeApi);
  env = {
    ...shared,
    STAGING_DATABASE_URL: world.t.url,
    COMPANIES: 'acme,beta',
    ...prefixed('COMPANY_ACME__', acmeApi.connectorSettings()),
    ...prefixed('COMPANY_BETA__', betaApi.connectorSettings()),
  };
  directory = new CompanyDirectory(env);
});
world.teardown(async () => {
  await directory.close();
  await acmeApi.stop();
  await betaApi.stop();
});

async function stage(company: string, codes: string[]) {
  const db = await directory.get(company).staging();
  for (const code of codes) await db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ($1, $1, false)`, [code]);
}

test('each company stages in its own schema and pushes to its own BatiSimply: no row crosses', async () => {
  await stage('acme', ['AC001', 'AC002']);
  await stage('beta', ['BE001']);
  const [a, b] = await Promise.all(['acme', 'beta'].map((c) => runJob(directory.get(c), 'transfer-batisimply', { trigger: 'cli' })));
  assert.equal((a!.report as RunReport).counts.created, 2);
  assert.equal((b!.report as RunReport).counts.created, 1);
  assert.deepEqual([...acmeApi.state.projects.values()].map((p) => p.projectCode).sort(), ['AC001', 'AC002']);
  assert.deepEqual(
    [...betaApi.state.projects.values()].map((p) => p.projectCode),
    ['BE001'],
  );
  const { rows } = await world.db.query<{ schema: string; code: string }>(
    `SELECT 'company_acme' AS schema, code FROM company_acme.batigest_chantiers UNION ALL
     SELECT 'company_beta', code FROM company_beta.batigest_chantiers ORDER BY 1, 2`,
  );
  assert.deepEqual(
    rows.map((r) => `${r.schema}:${r.code}`),
    ['company_acme:AC001', 'company_acme:AC002', 'company_beta:BE001'],
  );
  // The flat (public) tables stay empty, and each run is in its company's history only.
  const { rows: pub } = await world.db.query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_chantiers');
  assert.equal(pub[0]!.n, 0);
  const { rows: runs } = await world.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM company_acme.connecteur_runs WHERE run_id = $1`,
    [b!.report.runId],
  );
  assert.equal(runs[0]!.n, 0);
});

test('locks are per company: a job running for acme does not hold beta back', async () => {
  const held = await (await directory.get('acme').staging()).tryLock('connecteur:job:update-code-projet');
  assert.ok(held);
  try {
    const beta = await runJob(directory.get('beta'), 'update-code-projet', { trigger: 'cli' });
    assert.equal((beta.report as RunReport).status, 'succeeded');
    await assert.rejects(runJob(directory.get('acme'), 'update-code-projet', { trigger: 'cli' }), /déjà en cours/);
  } finally {
    await held.release();
  }
});

test('one company unreachable never fails another’s run', async () => {
  const broken = new CompanyDirectory({
    ...env,
    COMPANY_ACME__BATISIMPLY_TOKEN_URL: 'http://127.0.0.1:9/token',
    BATISIMPLY_MAX_RETRIES: '0',
  });
  try {
    await stage('acme', ['AC003']);
    await stage('beta', ['BE002']);
    const [a, b] = await Promise.all(['acme', 'beta'].map((c) => runJob(broken.get(c), 'recup-heures', { trigger: 'timer' })));
    assert.equal((a!.report as RunReport).status, 'failed');
    assert.equal((b!.report as RunReport).status, 'succeeded');
  } finally {
    await broken.close();
  }
});

test('CLI: a run needs --company when several are configured; companies lists them', async () => {
  const refused = await connecteur(['run', 'update-code-projet'], env);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /Plusieurs sociétés configurées \(acme, beta\)/);
  const ran = await connecteur(['run', 'update-code-projet', '--company', 'beta', '--json'], env);
  assert.equal(ran.code, 0, ran.stderr);
  const listed = await connecteur(['companies', '--json'], env);
  const companies = JSON.parse(listed.stdout) as { name: string; schema: string }[];
  assert.deepEqual(
    companies.map((c) => `${c.name}:${c.schema}`),
    ['acme:company_acme', 'beta:company_beta'],
  );
});

test("a company's staging opens no pool of its own: the process's one pool, one connection for the schema check, nothing warmed", async () => {
  const fresh = new CompanyDirectory(env);
  try {
    type Db = import('../../src/lib/staging/db.js').PostgresDb;
    const { poolsOpened } = await import('../../src/lib/staging/pool.js');
    const pools = poolsOpened();
    const beta = (await fresh.get('beta').staging()) as Db;
    const acme = (await fresh.get('acme').staging()) as Db;
    assert.equal(beta.pool, acme.pool);
    // At most the process's one pool, when no other handle of this file had it open.
    assert.ok(poolsOpened() - pools <= 1);
    assert.ok(beta.pool.totalCount <= 10);
  } finally {
    await fresh.close();
  }
});
