/** `--role all` alerts on real PostgreSQL: a failed run and a silent schedule posted once, again after a failed post, once cleared. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Alerts } from '../../../src/lib/agent/alerts.js';
import { parseSchedule } from '../../../src/lib/agent/schedule.js';
import { createLogger, silentSink } from '../../../src/lib/log.js';
import { Services } from '../../../src/lib/services.js';
import { openAlerts } from '../../../src/lib/staging/agent.js';
import { useWorld } from '../../support/fixture.js';

// The alerts' state (silences, what was sent) carries from one test to the next.
const world = useWorld({ sandbox: false, resetEach: false });
let hook: http.Server;
let services: Services;
let answer = 500;
const posts: { text: string; event: string; kind: string; key: string }[] = [];

world.setup(async () => {
  hook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (answer === 200) posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof posts)[number]);
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  services = new Services({
    STAGING_DATABASE_URL: world.t.url,
    ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
    AGENT_SILENCE_PERIODS: '2',
  });
});

world.teardown(async () => {
  await services.close();
  await new Promise<void>((r) => hook.close(() => r()));
});

test('a failed run and a silent schedule: posted once, after the receiver failed once; cleared once', async () => {
  const planned = [{ company: 'default', job: 'heures' as const, schedule: parseSchedule('HEURES_SCHEDULE', '0 * * * * *', 'UTC') }];
  // The agent started ten minutes ago and the heures chain (every minute) never ran since.
  const alerts = new Alerts(planned, createLogger(silentSink), new Date(Date.now() - 10 * 60_000));
  await world.db.query(
    `INSERT INTO connecteur_runs (run_id, job, trigger, status, message, finished_at)
     VALUES (gen_random_uuid(), 'transfer-batisimply', 'agent', 'failed', 'BatiSimply injoignable', now())`,
  );

  await alerts.evaluate('default', services);
  assert.equal(posts.length, 0, 'the receiver answered 500');
  assert.deepEqual((await openAlerts(world.db)).map((a) => a.key).sort(), ['run-failed:transfer-batisimply', 'schedule-silent:heures']);

  answer = 200;
  await alerts.evaluate('default', services);
  await alerts.evaluate('default', services);
  assert.deepEqual(posts.map((p) => `${p.event} ${p.key}`).sort(), [
    'problem run-failed:transfer-batisimply',
    'problem schedule-silent:heures',
  ]);
  assert.match(
    posts.find((p) => p.kind === 'run-failed')!.text,
    /^⚠ Connecteur SAGES \(default, .+\) : Échec du job transfer-batisimply : BatiSimply injoignable$/,
  );
  assert.match(
    posts.find((p) => p.kind === 'schedule-silent')!.text,
    /Aucune exécution de heures depuis 10 min \(HEURES_SCHEDULE = 0 \* \* \* \* \*\)/,
  );

  // Both go away: the push went through, the chain ran.
  await world.db.query(
    `INSERT INTO connecteur_runs (run_id, job, trigger, status, finished_at) VALUES
     (gen_random_uuid(), 'transfer-batisimply', 'agent', 'succeeded', now()), (gen_random_uuid(), 'heures', 'agent', 'succeeded', now())`,
  );
  await alerts.evaluate('default', services);
  await alerts.evaluate('default', services);
  assert.deepEqual(
    posts
      .filter((p) => p.event === 'cleared')
      .map((p) => p.key)
      .sort(),
    ['run-failed:transfer-batisimply', 'schedule-silent:heures'],
  );
  assert.equal(posts.length, 4);
  assert.deepEqual(await openAlerts(world.db), []);
});
