/**
 * `connecteur agent --role all`: the whole connector on site, no Functions at all. One process
 * (with the Batigest stand-in) runs every job on its schedule against its own staging, serves the
 * dashboard, and posts problems to a webhook once when they appear and once when they clear.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import { chantier } from '../support/chantiers.js';
import { daysAgo, slot, USER_DUPONT, USER_MARTIN } from '../support/slots.js';
import { createStandIn, STANDIN_SCHEMA, suiviMoRows } from '../support/pgBatigest.js';
import { startAgentProcess, type AgentProcess } from '../support/agentRunner.js';
import { until } from '../support/wait.js';
import { useWorld } from '../support/fixture.js';

// Not migrated: the agent's first open migrates it. One story across the file's tests.
const world = useWorld({
  migrate: false,
  resetEach: false,
  sandbox: {
    seed: {
      timeSlots: [
        slot(201, daysAgo(2, '07:00:00'), 120, { project: { id: 1, projectCode: 'CH001' } }),
        slot(202, daysAgo(3, '07:00:00'), 90, {
          project: { id: 1, projectCode: 'CH001' },
          user: { id: USER_MARTIN, firstName: 'Paul', lastName: 'MARTIN' },
        }),
      ],
    },
  },
});
let hook: http.Server;
let hookUrl: string;
let agent: AgentProcess | undefined;
const posts: { text: string; event: string; kind: string; key: string }[] = [];

world.setup(async () => {
  await createStandIn(world.t.url, { chantiers: [chantier('CH001')], salaries: [{ code: 'S001', nom: 'DUPONT', codeBs: USER_DUPONT }] });
  hook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof posts)[number]);
      res.writeHead(200).end('1');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});

world.teardown(async () => {
  if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL');
  await agent?.exited;
  await new Promise<void>((r) => hook.close(() => r()));
});

test('every job on its schedule, the dashboard, and a held slot posted once, then once cleared', async () => {
  agent = startAgentProcess(
    {
      ...world.sandbox.connectorSettings(),
      BATISIMPLY_TIMEOUT_MS: '2000',
      STAGING_DATABASE_URL: world.t.url,
      STANDIN_URL: world.t.url,
      CHANTIERS_SCHEDULE: '*/2 * * * * *',
      HEURES_SCHEDULE: '*/2 * * * * *',
      SYNC_TIMEZONE: 'Europe/Paris',
      ALERT_WEBHOOK_URL: hookUrl,
    },
    ['--role', 'all', '--port', '0'],
  );
  const start = await agent.line(/Agent sur site démarré : rôle all/);
  assert.match(start, /staging PostgreSQL 127\.0\.0\.1:\d+\//);
  const dashboard = (await agent.line(/Tableau de bord : http/)).replace(/^.*Tableau de bord : /, '').trim();
  assert.match(
    agent.output(),
    /chantiers : CHANTIERS_SCHEDULE = \*\/2 \* \* \* \* \* \(Europe\/Paris\), prochaine exécution \d\d\/\d\d\/\d{4}/,
  );

  // Chantiers reach BatiSimply and the resolvable hours SuiviMO, with no Functions host anywhere.
  await until(async () => [...world.sandbox.state.projects.values()].some((p) => p.projectCode === 'CH001'), 'CH001 in BatiSimply');
  await until(async () => (await suiviMoRows(world.t.url)).length === 1, "DUPONT's hours in SuiviMO");
  const held = await until(async () => posts.find((p) => p.kind === 'heures-held' && p.event === 'problem'), 'the held slot posted');
  assert.match(held.text, /^⚠ Connecteur SAGES \(default, .+\) : 1 créneau\(x\) horaire\(s\) retenu\(s\)/);

  const page = await (await fetch(dashboard)).text();
  assert.match(page, /<div id="alerts" class="banner ko" role="alert"><ul><li>⚠ 1 créneau\(x\) horaire\(s\) retenu\(s\)/);
  assert.match(page, /Agent sur site : vu il y a/);

  // Fixed in Batigest: the slot goes through, the problem clears, and that is posted once.
  const admin = new pg.Client({ connectionString: world.t.url });
  await admin.connect();
  await admin.query(`INSERT INTO ${STANDIN_SCHEMA}.salaries VALUES ('S002', 'MARTIN', $1)`, [USER_MARTIN]);
  await admin.end();
  await until(async () => (await suiviMoRows(world.t.url)).length === 2, "MARTIN's hours in SuiviMO");
  await until(async () => posts.find((p) => p.kind === 'heures-held' && p.event === 'cleared'), 'the clearing posted');
  // A few more runs: nothing is posted again.
  const runs = async () =>
    Number((await world.db.query<{ n: number }>("SELECT count(*)::int AS n FROM connecteur_runs WHERE job = 'heures'")).rows[0]!.n);
  const seen = await runs();
  await until(async () => (await runs()) >= seen + 3, 'three more heures runs');
  assert.deepEqual(
    posts.filter((p) => p.kind === 'heures-held').map((p) => p.event),
    ['problem', 'cleared'],
  );
  assert.doesNotMatch(await (await fetch(dashboard)).text(), /id="alerts"/);

  agent.child.kill('SIGTERM');
  assert.equal(await agent.exited, 0, agent.output());
});
