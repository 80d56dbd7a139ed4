/**
 * A run whose job lock is lost with its session (a PostgreSQL restart or failover) stops at its
 * next step and is recorded `interrupted`, with the lock it lost; the process goes on (issue 22.1).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { Env } from '../../../src/lib/config.js';
import { Services } from '../../../src/lib/services.js';
import { LOCK_SESSION_NAME } from '../../../src/lib/staging/lockSession.js';
import { getRun } from '../../../src/lib/staging/runs.js';
import { stopIfRequested } from '../../../src/lib/sync/context.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { ADMIN_URL, freshDatabase, type TestDatabase } from '../../support/pg.js';
import { until } from '../../support/wait.js';
import type { ChainReport, RunReport } from '../../../src/lib/domain/runs.js';

// Settings the stand-in steps validate; nothing is called at these addresses.
const ENV: Env = {
  SYNC_TIMEZONE: 'Europe/Paris',
  BATISIMPLY_API_URL: 'http://127.0.0.1:9/api',
  BATISIMPLY_TOKEN_URL: 'http://127.0.0.1:9/token',
  BATISIMPLY_CLIENT_ID: 'lock-test-client',
  BATISIMPLY_USERNAME: 'lock-test-user',
  BATISIMPLY_PASSWORD: 'lock-test-password-7c2e',
};

let t: TestDatabase;
let admin: pg.Client;
before(async () => {
  t = await freshDatabase();
  admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
});
after(async () => {
  await admin.end();
  await t.drop();
});

async function terminateLockSession() {
  const { rows } = await admin.query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
    [new URL(t.url).pathname.slice(1), LOCK_SESSION_NAME],
  );
  assert.equal(rows[0]!.n, 1);
}

test('the lock session terminated during a chain: the step ends interrupted naming its lock, the chain starts no further step', async () => {
  const services = new Services(ENV, { staging: t.db });
  let started = false;
  let later = 0;
  const outcome = runJob(services, 'chantiers', {
    trigger: 'http',
    work: {
      transfer: async (ctx) => {
        started = true;
        await until(async () => ctx.signal?.aborted, 'the step to be told its lock is lost');
        stopIfRequested(ctx);
      },
      'transfer-batisimply': async () => void later++,
    },
  });
  await until(async () => started, 'the first step to run');
  await terminateLockSession();
  const { report } = await outcome;
  const chain = report as ChainReport;
  assert.equal(chain.status, 'interrupted');
  assert.equal(later, 0);
  const step = chain.steps[0] as RunReport;
  assert.equal(step.status, 'interrupted');
  assert.equal(step.errors[0]?.code, 'STAGING_VERROU_PERDU');
  assert.match(step.errors[0]!.message, /^Verrou « connecteur:job:transfer » perdu/);
  const recorded = await getRun(t.db, chain.runId);
  assert.equal(recorded?.status, 'interrupted');
  assert.match(String(recorded?.message), /Verrou « connecteur:job:chantiers » perdu/);
  const stepRow = await getRun(t.db, step.runId);
  assert.match(String(stepRow?.message), /Verrou « connecteur:job:transfer » perdu/);
  // The process is still here, and the next run takes the lock again on a new session.
  const next = await runJob(services, 'transfer', { trigger: 'http', work: { transfer: async () => {} } });
  assert.equal(next.report.status, 'succeeded');
});
