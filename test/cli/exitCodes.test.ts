/**
 * The exit-code rule, through the built CLI in a child process, one row per case of the issue:
 * 0 done, 1 failed or held records, 2 usage or configuration (refused credentials included),
 * 3 could not run (locked, or an outside system unreachable).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Env } from '../../src/lib/config.js';
import { connecteur } from '../support/cli.js';
import { useWorld } from '../support/fixture.js';

const world = useWorld({ stagingInEnv: true, env: { BATISIMPLY_MAX_RETRIES: '0' } });

const pending = (code: string) =>
  world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ($1, 'x', false)`, [code]);
const unreachable = 'http://127.0.0.1:9';
const sqlServerDown = {
  BATIGEST_SQL_SERVER: '127.0.0.1',
  BATIGEST_SQL_PORT: '9',
  BATIGEST_SQL_DATABASE: 'b',
  BATIGEST_SQL_USER: 'u',
  BATIGEST_SQL_PASSWORD: 'p',
  BATIGEST_SQL_ENCRYPT: 'false',
};
const stagingAt = (database: string, user = 'postgres') => {
  const u = new URL(world.t.url);
  u.username = user;
  u.pathname = `/${database}`;
  return u.toString();
};

const CASES: {
  name: string;
  args: string[];
  env: () => Env;
  setup?: () => Promise<unknown>;
  code: number;
  stderr?: RegExp;
  stdout?: RegExp;
}[] = [
  {
    name: 'run: everything went through',
    args: ['run', 'transfer-batisimply'],
    env: () => world.env,
    setup: () => pending('OK1'),
    code: 0,
  },
  { name: 'run: a record failed', args: ['run', 'transfer-batisimply'], env: () => world.env, setup: () => pending('TROPLONG9'), code: 1 },
  {
    name: 'run: BatiSimply unreachable during a push (every record failed for it)',
    args: ['run', 'transfer-batisimply'],
    env: () => ({ ...world.env, BATISIMPLY_API_URL: unreachable }),
    setup: () => pending('DOWN1'),
    code: 3,
    stdout: /BatiSimply injoignable sur 127\.0\.0\.1:9 /,
  },
  {
    name: 'run: BatiSimply unreachable for recup-heures',
    args: ['run', 'recup-heures'],
    env: () => ({ ...world.env, BATISIMPLY_TOKEN_URL: `${unreachable}/t` }),
    code: 3,
    stderr: /injoignable sur 127\.0\.0\.1:9 \(BATISIMPLY_TOKEN_URL/,
  },
  {
    name: 'run: a refused password',
    args: ['run', 'recup-heures'],
    env: () => ({ ...world.env, BATISIMPLY_PASSWORD: 'mauvais-mot-de-passe' }),
    code: 2,
    stderr: /BatiSimply refuse le compte : vérifiez BATISIMPLY_USERNAME et BATISIMPLY_PASSWORD/,
  },
  { name: 'run: a missing setting', args: ['run', 'transfer'], env: () => world.env, code: 2, stderr: /BATIGEST_SQL_SERVER manquant/ },
  {
    name: 'run: a missing setting with nothing pending',
    args: ['run', 'transfer-batisimply'],
    env: () => ({ STAGING_DATABASE_URL: world.t.url, BATISIMPLY_API_URL: world.env.BATISIMPLY_API_URL }),
    code: 2,
    stderr: /BATISIMPLY_TOKEN_URL manquant.*BATISIMPLY_PASSWORD manquant/,
  },
  { name: 'run: an unknown job', args: ['run', 'tout'], env: () => world.env, code: 2, stderr: /job inconnu « tout »/ },
  {
    name: 'run: an unknown option',
    args: ['run', 'transfer', '--vite'],
    env: () => world.env,
    code: 2,
    stderr: /option inconnue « --vite »/,
  },
  { name: 'check: a missing setting', args: ['check'], env: () => world.env, code: 2 },
  {
    name: 'check: SQL Server unreachable',
    args: ['check'],
    env: () => ({ ...world.env, ...sqlServerDown }),
    code: 3,
    stdout: /SQL Server injoignable sur 127\.0\.0\.1:9 /,
  },
  { name: 'status: no connection test', args: ['status'], env: () => world.env, code: 0 },
  { name: 'status --check: a connection fails', args: ['status', '--check'], env: () => ({ ...world.env, ...sqlServerDown }), code: 3 },
  { name: 'migrate: up to date', args: ['migrate'], env: () => ({ STAGING_DATABASE_URL: world.t.url }), code: 0 },
  {
    name: 'migrate: staging unreachable',
    args: ['migrate'],
    env: () => ({ STAGING_DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/x' }),
    code: 3,
    stderr: /127\.0\.0\.1:9/,
  },
  {
    name: 'migrate: the database does not exist',
    args: ['migrate'],
    env: () => ({ STAGING_DATABASE_URL: stagingAt('connecteur_absente') }),
    code: 2,
    stderr: /createdb/,
  },
  {
    name: 'migrate: an unknown user',
    args: ['migrate'],
    env: () => ({ STAGING_DATABASE_URL: stagingAt('postgres', 'inconnu_xyz') }),
    code: 2,
    stderr: /inconnu_xyz/,
  },
  {
    name: 'migrate: a URL without a database',
    args: ['migrate'],
    env: () => ({ STAGING_DATABASE_URL: 'postgres://' }),
    code: 2,
    stderr: /STAGING_DATABASE_URL invalide/,
  },
  { name: 'sandbox: a bad option', args: ['sandbox', '--token-lifetime', 'abc'], env: () => ({}), code: 2, stderr: /entier entre/ },
];

for (const c of CASES) {
  test(`${c.name} → exit ${c.code}`, async () => {
    await c.setup?.();
    const r = await connecteur(c.args, c.env());
    assert.equal(r.code, c.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    if (c.stderr) assert.match(r.stderr, c.stderr);
    if (c.stdout) assert.match(r.stdout, c.stdout);
  });
}

test('--json prints a JSON report on stdout even when the run cannot start', async () => {
  const r = await connecteur(['run', 'transfer', '--json'], { STAGING_DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/x' });
  assert.equal(r.code, 3);
  const report = JSON.parse(r.stdout) as { job: string; status: string; errors: { code: string }[] };
  assert.equal(report.job, 'transfer');
  assert.equal(report.status, 'failed');
  assert.equal(report.errors[0]?.code, 'STAGING_UNREACHABLE');
});
