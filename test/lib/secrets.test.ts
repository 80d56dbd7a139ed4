/**
 * A run with every secret set to a recognisable value, then a scan of everything it logged, its
 * report and its run history: no secret value appears anywhere.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger, type Sink } from '../../src/lib/log.js';
import { Services } from '../../src/lib/services.js';
import { recentRuns } from '../../src/lib/staging/runs.js';
import { runJob } from '../../src/lib/sync/runner.js';
import { checkAll } from '../../src/lib/ops/checks.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { freshDatabase, type TestDatabase } from '../support/pg.js';
import { startSandbox } from '../support/sandbox.js';

const SECRETS = {
  BATIGEST_SQL_PASSWORD: 'SECRET-sql-7f3a9b',
  BATISIMPLY_CLIENT_SECRET: 'SECRET-client-4c1d2e',
  BATISIMPLY_PASSWORD: 'SECRET-user-8e5f6a',
  // '@' is percent-encoded inside the URL: the password is masked in its decoded form too.
  STAGING_PASSWORD: 'SECRET-pg-2b7c@9d',
};

let t: TestDatabase;
let sandbox: Sandbox;

before(async () => {
  t = await freshDatabase();
  ({ sandbox } = await startSandbox({
    seed: { clients: [{ clientId: 'bridge-data', clientSecret: SECRETS.BATISIMPLY_CLIENT_SECRET }], users: [{ username: 'demo', password: SECRETS.BATISIMPLY_PASSWORD }] },
  }));
});
after(async () => {
  await sandbox.stop();
  await t.drop();
});

test('no secret value in logs, reports, checks or run history', async () => {
  const lines: string[] = [];
  const sink: Sink = (level, message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  // The staging URL carries a password the server does not need (trust auth): it must still be hidden.
  const url = new URL(t.url);
  url.password = SECRETS.STAGING_PASSWORD;
  const env = {
    STAGING_DATABASE_URL: url.toString(),
    BATIGEST_SQL_SERVER: '127.0.0.1',
    BATIGEST_SQL_PORT: '9',
    BATIGEST_SQL_DATABASE: 'batigest',
    BATIGEST_SQL_USER: 'connecteur',
    BATIGEST_SQL_PASSWORD: SECRETS.BATIGEST_SQL_PASSWORD,
    BATISIMPLY_API_URL: sandbox.url,
    BATISIMPLY_TOKEN_URL: sandbox.tokenUrl,
    BATISIMPLY_CLIENT_ID: 'bridge-data',
    BATISIMPLY_CLIENT_SECRET: SECRETS.BATISIMPLY_CLIENT_SECRET,
    BATISIMPLY_USERNAME: 'demo',
    BATISIMPLY_PASSWORD: SECRETS.BATISIMPLY_PASSWORD,
    BATISIMPLY_HEADQUARTER_ID: '1',
    BATISIMPLY_MAX_RETRIES: '0',
  };
  const services = new Services(env);
  try {
    const log = createLogger(sink);
    const outcome = await runJob(services, 'all', { trigger: 'cli', log });
    // Make sure the password reached a log line path too: a message that quotes it is redacted.
    log.warn(`diagnostic: ${SECRETS.BATIGEST_SQL_PASSWORD}`);
    // The staging password alone (not the whole URL), as a driver error quoting it would print it.
    log.error(`connexion refusée pour le mot de passe ${SECRETS.STAGING_PASSWORD}`, { password: SECRETS.STAGING_PASSWORD });
    assert.ok(lines.some((l) => l.includes('connexion refusée pour le mot de passe ***')), 'the staging password is masked on its own');
    const checks = await checkAll(services);
    const history = await recentRuns(await services.staging());
    const everything = [lines.join('\n'), JSON.stringify(outcome.report), JSON.stringify(checks), JSON.stringify(history)].join('\n');
    assert.ok(lines.length > 5, 'the run logged');
    assert.match(everything, /SQL Server/, 'the Batigest failure is reported');
    for (const [name, value] of Object.entries(SECRETS)) assert.ok(!everything.includes(value), `${name} leaked`);
  } finally {
    await services.close();
  }
});
