/**
 * A run with every secret set to a recognisable value, then a scan of everything it logged, its
 * report and its run history: no secret value appears anywhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import functions from '@azure/functions';
import { UpstreamError } from '../../src/lib/errors.js';
import { createLogger, redact, registerSecret, type Sink } from '../../src/lib/log.js';
import { gatherStatus } from '../../src/lib/ops/status.js';
import { markChantierFailed } from '../../src/lib/staging/chantiers.js';
import { recordOutcomes } from '../../src/lib/staging/runs.js';
import { ReportBuilder } from '../../src/lib/sync/report.js';
import { dumpTables, findSecrets, NASTY_SECRETS } from '../support/secretScan.js';
import { Services } from '../../src/lib/services.js';
import { recentRuns } from '../../src/lib/staging/runs.js';
import { runJob } from '../../src/lib/sync/runner.js';
import { checkAll } from '../../src/lib/ops/checks.js';
import { startSandbox } from '../support/sandbox.js';
import { handlersFor } from '../support/handlers.js';
import { useWorld } from '../support/fixture.js';

const { HttpRequest, InvocationContext } = functions;

const SECRETS = {
  BATIGEST_SQL_PASSWORD: 'SECRET-sql-7f3a9b',
  BATISIMPLY_CLIENT_SECRET: 'SECRET-client-4c1d2e',
  BATISIMPLY_PASSWORD: 'SECRET-user-8e5f6a',
  // '@' is percent-encoded inside the URL: the password is masked in its decoded form too.
  STAGING_PASSWORD: 'SECRET-pg-2b7c@9d',
};

const world = useWorld({
  sandbox: {
    seed: {
      clients: [{ clientId: 'bridge-data', clientSecret: SECRETS.BATISIMPLY_CLIENT_SECRET }],
      users: [{ username: 'demo', password: SECRETS.BATISIMPLY_PASSWORD }],
    },
  },
});

test('no secret value in logs, reports, checks or run history', async () => {
  const lines: string[] = [];
  const sink: Sink = (level, message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  // The staging URL carries a password the server does not need (trust auth): it must still be hidden.
  const url = new URL(world.t.url);
  url.password = SECRETS.STAGING_PASSWORD;
  const env = {
    STAGING_DATABASE_URL: url.toString(),
    BATIGEST_SQL_SERVER: '127.0.0.1',
    BATIGEST_SQL_PORT: '9',
    BATIGEST_SQL_DATABASE: 'batigest',
    BATIGEST_SQL_USER: 'connecteur',
    BATIGEST_SQL_PASSWORD: SECRETS.BATIGEST_SQL_PASSWORD,
    BATISIMPLY_API_URL: world.sandbox.url,
    BATISIMPLY_TOKEN_URL: world.sandbox.tokenUrl,
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
    assert.ok(
      lines.some((l) => l.includes('connexion refusée pour le mot de passe ***')),
      'the staging password is masked on its own',
    );
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

test('redact masks a secret in every wire encoding, and the password of a URL secret', () => {
  const secret = 'cs&k=v"%41\\+x y';
  registerSecret(secret);
  registerSecret('postgresql://app:pg%26%3D%25%22%5C%2B%20pwd@db.example:5432/staging');
  const basic = Buffer.from(`bridge-data:${secret}`).toString('base64');
  const texts = [
    `raw ${secret} end`,
    `form client_secret=${new URLSearchParams({ v: secret }).toString().slice(2)}&x=1`,
    `uri ${encodeURIComponent(secret)} and lower ${encodeURIComponent(secret).toLowerCase()}`,
    `json {"client_secret":${JSON.stringify(secret)}}`,
    `json twice ${JSON.stringify(JSON.stringify({ s: secret }))}`,
    `authorization: Basic ${basic}`,
    `password alone: pg&=%"\\+ pwd`,
  ];
  for (const text of texts) {
    const masked = redact(text);
    assert.match(masked, /\*\*\*/, text);
    assert.deepEqual(findSecrets(masked, { secret, pg: 'pg&=%"\\+ pwd' }, 'bridge-data'), [], masked);
  }
  // Most of the Basic value is masked whatever the client id's length puts before the secret.
  assert.ok(!redact(`Basic ${basic}`).includes(basic.slice(16, 28)));
});

test('a token endpoint that echoes the posted form: no secret in report, history, logs, answers, checks or stored errors', async () => {
  const { sandbox: echo } = await startSandbox({
    seed: {
      clients: [{ clientId: 'bridge-data', clientSecret: NASTY_SECRETS.BATISIMPLY_CLIENT_SECRET }],
      users: [{ username: 'demo', password: NASTY_SECRETS.BATISIMPLY_PASSWORD }],
    },
    faults: [{ route: 'POST /token', fault: 'echo-form' }],
  });
  const lines: string[] = [];
  const sink: Sink = (level, message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  const url = new URL(world.t.url);
  url.password = NASTY_SECRETS.STAGING_PASSWORD;
  const env = {
    STAGING_DATABASE_URL: url.toString(),
    BATISIMPLY_API_URL: echo.url,
    BATISIMPLY_TOKEN_URL: echo.tokenUrl,
    BATISIMPLY_CLIENT_ID: 'bridge-data',
    BATISIMPLY_CLIENT_SECRET: NASTY_SECRETS.BATISIMPLY_CLIENT_SECRET,
    BATISIMPLY_USERNAME: 'demo',
    BATISIMPLY_PASSWORD: NASTY_SECRETS.BATISIMPLY_PASSWORD,
    BATISIMPLY_HEADQUARTER_ID: '1',
    BATISIMPLY_MAX_RETRIES: '0',
    BATIGEST_SQL_PASSWORD: NASTY_SECRETS.BATIGEST_SQL_PASSWORD,
  };
  const services = new Services(env);
  const h = handlersFor(services);
  try {
    const db = await services.staging();
    await db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('ECHO1', 'x', false)`);
    const log = createLogger(sink);
    const outcome = await runJob(services, 'recup-heures', { trigger: 'cli', log });
    assert.equal(outcome.report.status, 'failed');
    const answer = await h.jobHandler('transfer-batisimply')(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/transfer-batisimply' }),
      new InvocationContext({ invocationId: 'echo', functionName: 'echo' }),
    );
    const connect = await h.connectHandler('batisimply')(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/connect-batisimply', body: { string: '{}' } }),
    );
    const checks = await checkAll(services);
    // The echo reached the text that the stores are handed: each masks it where it enters.
    const echoed = new UpstreamError(
      'batisimply',
      `BatiSimply a répondu 400 : ${JSON.stringify({ echo: NASTY_SECRETS })} ${new URLSearchParams(NASTY_SECRETS)}`,
    );
    const report = new ReportBuilder();
    report.fail('ECHO1', echoed);
    report.hold('ECHO2', 'SALARIE_INCONNU', echoed.message);
    await recordOutcomes(db, 'transfer-batisimply', randomUUID(), report.outcomes, []);
    await markChantierFailed(db, 'ECHO1', echoed.message);
    const status = await gatherStatus(services, { checkConnections: false });
    const everything = [
      lines.join('\n'),
      JSON.stringify(outcome.report),
      JSON.stringify(answer.jsonBody),
      JSON.stringify(connect.jsonBody),
      JSON.stringify(checks),
      JSON.stringify(status),
      JSON.stringify(report.errors),
      await dumpTables(db),
    ].join('\n');
    assert.match(everything, /invalid_request/, 'the echo was received and reported');
    assert.deepEqual(findSecrets(everything, NASTY_SECRETS, 'bridge-data'), []);
  } finally {
    await services.close();
    await echo.stop();
  }
});
