/**
 * The split deployment end to end, on one real PostgreSQL and the sandbox: the cloud side through
 * the Functions handlers with BATIGEST_ACCESS=agent (in this process), the agent in processes of
 * its own with the Batigest stand-in (its SuiviMO in a schema of the same database, so that it
 * survives a killed agent). Every wait is for something the database or the output shows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import functions, { type HttpResponseInit, type Timer } from '@azure/functions';
import type { Env } from '../../src/lib/config.js';
import { Services } from '../../src/lib/services.js';
import { CompanyDirectory } from '../../src/lib/companyServices.js';
import { createHandlers, type Handlers } from '../../src/functions/handlers/index.js';
import { RUN_BY_AGENT, STOP_REQUESTED } from '../../src/lib/domain/runs.js';
import { chantier } from '../support/chantiers.js';
import { daysAgo, slot, USER_DUPONT } from '../support/slots.js';
import { agentBlocked, BLOCK_KEY, createStandIn, suiviMoRows } from '../support/pgBatigest.js';
import { startAgentProcess, type AgentProcess } from '../support/agentRunner.js';
import { connecteur } from '../support/cli.js';
import { until } from '../support/wait.js';
import { useWorld } from '../support/fixture.js';

const { HttpRequest, InvocationContext } = functions;

// Not migrated: the cloud side's first open migrates it and grants the agent's role. One story
// across the file's tests, so nothing is emptied between them.
const world = useWorld({
  migrate: false,
  resetEach: false,
  sandbox: {
    seed: {
      timeSlots: [1, 2, 3, 4, 5, 6].map((d) => slot(100 + d, daysAgo(d, '07:00:00'), 60 * d, { project: { id: 1, projectCode: 'CH001' } })),
    },
  },
});
let cloud: Services;
let handlers: Handlers;
let admin: pg.Client;
let agentEnv: Env;
const logs: string[] = [];
const agents: AgentProcess[] = [];
const PASSWORD = 'agent-password-e2e-1';

function context() {
  return new InvocationContext({
    invocationId: 'e2e',
    functionName: 'timer',
    logHandler: (_l, ...args) => logs.push(args.map(String).join(' ')),
  });
}
const tick = (name: 'chantiersTimer' | 'heuresTimer') =>
  (handlers.timerFunctions[name]!.handler as (t: Timer, c: unknown) => Promise<void>)({} as Timer, context());
const body = (res: HttpResponseInit) => res.jsonBody as Record<string, any>;
const count = async (sql: string, params: unknown[] = []) => Number((await world.db.query<{ n: number }>(sql, params)).rows[0]!.n);
const pendingHeures = () => count('SELECT count(*)::int AS n FROM batigest_heures WHERE NOT sync');

function start(extra: Env = {}): AgentProcess {
  const agent = startAgentProcess({ ...agentEnv, ...extra });
  agents.push(agent);
  return agent;
}

world.setup(async () => {
  await createStandIn(world.t.url, {
    chantiers: [chantier('CH001'), chantier('CH002')],
    salaries: [{ code: 'S001', nom: 'DUPONT', codeBs: USER_DUPONT }],
  });
  const cloudEnv: Env = {
    ...world.sandbox.connectorSettings(),
    BATISIMPLY_TIMEOUT_MS: '2000',
    SYNC_TIMEZONE: 'Europe/Paris',
    STAGING_DATABASE_URL: world.t.url,
    BATIGEST_ACCESS: 'agent',
    AGENT_STAGING_PASSWORD: PASSWORD,
    AGENT_SILENCE_PERIODS: '1',
  };
  cloud = new Services(cloudEnv);
  // The Functions handlers as the host calls them, without a queue: runs go in the invocation.
  handlers = createHandlers({ directory: new CompanyDirectory(cloudEnv, cloud), queue: null });
  // The cloud side owns the staging: its first open migrates it and grants the agent's role.
  await cloud.staging();
  const agentUrl = new URL(world.t.url);
  agentUrl.username = 'connecteur_agent';
  agentUrl.password = PASSWORD;
  agentEnv = {
    STAGING_DATABASE_URL: agentUrl.toString(),
    STANDIN_URL: world.t.url,
    CHANTIERS_SCHEDULE: '*/2 * * * * *',
    HEURES_SCHEDULE: '*/2 * * * * *',
    HEURES_BATCH_SIZE: '2',
    SYNC_TIMEZONE: 'Europe/Paris',
  };
  admin = new pg.Client({ connectionString: world.t.url });
  await admin.connect();
});

world.teardown(async () => {
  for (const a of agents) if (a.child.exitCode === null) a.child.kill('SIGKILL');
  await Promise.all(agents.map((a) => a.exited));
  await admin.end();
  await cloud.close();
});

test('chantiers reach BatiSimply and validated hours SuiviMO once, through a killed agent, two agents, and a stopped one', async () => {
  // The agent (role batigest) blocks in its second SuiviMO transaction, before the commit, on a lock this test holds.
  await admin.query('SELECT pg_advisory_lock($1)', [BLOCK_KEY]);
  const first = start({ STANDIN_BLOCK_AT: '2' });
  await first.line(/Agent sur site démarré : rôle batigest/);
  assert.doesNotMatch(first.output(), new RegExp(PASSWORD), 'the start line names the staging host, never the password');
  await until(async () => (await count('SELECT count(*)::int AS n FROM batigest_chantiers')) === 2, 'the agent staging the chantiers');

  // The cloud side's timers: transfer and heures-to-sqlserver are the agent's.
  await tick('chantiersTimer');
  assert.deepEqual([...world.sandbox.state.projects.values()].map((p) => p.projectCode).sort(), ['CH001', 'CH002']);
  const skipped = await world.db.query<{ job: string; message: string }>(
    "SELECT job, message FROM connecteur_runs WHERE status = 'skipped' AND parent_run_id IS NOT NULL ORDER BY job",
  );
  assert.deepEqual(skipped.rows, [{ job: 'transfer', message: RUN_BY_AGENT }]);
  await tick('heuresTimer');
  assert.ok((await pendingHeures()) > 0 || (await suiviMoRows(world.t.url)).length > 0);

  // Killed in the middle of heures-to-sqlserver: its first batch committed, the second waiting before its commit.
  await until(() => agentBlocked(admin), 'the agent waiting inside its second SuiviMO transaction');
  assert.equal((await suiviMoRows(world.t.url)).length, 2);
  first.child.kill('SIGKILL');
  await first.exited;
  await admin.query('SELECT pg_advisory_unlock($1)', [BLOCK_KEY]);
  assert.equal((await suiviMoRows(world.t.url)).length, 2, 'the uncommitted batch left nothing');

  // Restarted: the rest goes through, nothing doubled, nothing lost.
  const second = start();
  await until(async () => (await pendingHeures()) === 0, 'the restarted agent exporting the remaining hours');
  const rows = await suiviMoRows(world.t.url);
  assert.equal(rows.length, 6);
  assert.equal(new Set(rows.map((r) => `${r.codeChantier}|${r.codeSalarie}|${r.date}`)).size, 6);
  assert.deepEqual(rows.map((r) => r.nbh0).sort(), [1, 2, 3, 4, 5, 6]);
  await until(
    async () =>
      (await count(`SELECT count(*)::int AS n FROM connecteur_runs WHERE job = 'heures-to-sqlserver' AND status = 'interrupted'`)) === 1,
    'the killed run marked interrupted',
  );

  // Two agents started by mistake: each occurrence of each step runs once.
  const since = new Date();
  const third = start();
  await third.line(/Agent sur site démarré/);
  await until(
    async () =>
      (await count(`SELECT count(*)::int AS n FROM connecteur_runs WHERE job = 'transfer' AND status = 'succeeded' AND started_at > $1`, [
        since,
      ])) >= 4,
    'both agents running several occurrences',
  );
  const perOccurrence = await world.db.query<{ job: string; n: number }>(
    `SELECT job, count(*)::int AS n FROM connecteur_runs WHERE started_at > $1 AND status IN ('succeeded', 'partial', 'running')
     GROUP BY job, floor(extract(epoch FROM started_at) / 2) HAVING count(*) > 1`,
    [since],
  );
  assert.deepEqual(perOccurrence.rows, [], 'no occurrence ran twice');
  assert.equal((await suiviMoRows(world.t.url)).length, 6);

  // Stopped: the cloud keeps running its side, and sees the agent silent.
  second.child.kill('SIGTERM');
  third.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
  assert.equal(await third.exited, 0);
  const silent = await until(async () => {
    const status = body(await handlers.statusHandler(new HttpRequest({ method: 'GET', url: 'http://localhost/api/status' })));
    return status.agent?.silent ? status : null;
  }, 'the status showing the agent silent');
  assert.match(silent.agent.message, /^Agent sur site : silencieux depuis/);
  const page = (await handlers.dashboardHandler(new HttpRequest({ method: 'GET', url: 'http://localhost/api/dashboard' }))).body as string;
  assert.match(page, /Agent sur site : silencieux depuis/);
  const before = logs.length;
  // A chantier to send again (as `transfer` or a hand edit leaves it): the cloud side still pushes it.
  await world.db.query("UPDATE batigest_chantiers SET sync = false, description = 'modifié' WHERE code = 'CH001'");
  await tick('chantiersTimer');
  const push = await world.db.query<{ status: string; updated: number }>(
    `SELECT status, (counts->>'updated')::int AS updated FROM connecteur_runs WHERE job = 'transfer-batisimply' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.deepEqual(push.rows[0], { status: 'succeeded', updated: 1 }, 'the cloud side still pushes the chantiers');
  const line = logs.slice(before).find((l) => l.includes('"event":"agent.silent"'));
  assert.ok(line, `the alert's log line:\n${logs.slice(before).join('\n')}`);
  assert.match(line, /"company":"default"/);
  assert.match(line, /"silentMinutes":\d+/);
});

test('a step asked for by name on the cloud side is refused in French', async () => {
  const res = await handlers.jobHandler('heures-to-sqlserver')(
    new HttpRequest({ method: 'POST', url: 'http://localhost/api/heures-to-sqlserver' }),
    context(),
  );
  assert.equal(res.status, 400);
  assert.match(body(res).message, /exécuté par l'agent sur site/);
  assert.equal(body(res).code, 'RUN_BY_AGENT');
});

test('a stop ends the step between two batches, recorded interrupted with « arrêt demandé »', async () => {
  world.sandbox.state.timeSlots.get('101')!.totalTimeMinutes = 90;
  world.sandbox.state.timeSlots.get('102')!.totalTimeMinutes = 150;
  world.sandbox.state.timeSlots.get('103')!.totalTimeMinutes = 200;
  await tick('heuresTimer');
  assert.equal(await pendingHeures(), 3);
  await admin.query('SELECT pg_advisory_lock($1)', [BLOCK_KEY]);
  const agent = start({ STANDIN_BLOCK_AT: '1' });
  await until(() => agentBlocked(admin), 'the agent inside its first SuiviMO transaction');
  agent.child.kill('SIGTERM');
  await until(async () => /Arrêt demandé/.test(agent.output()), 'the agent saying it stops');
  await admin.query('SELECT pg_advisory_unlock($1)', [BLOCK_KEY]);
  assert.equal(await agent.exited, 0);
  assert.match(agent.output(), /Agent arrêté\./);
  const run = await world.db.query<{ status: string; message: string }>(
    `SELECT status, message FROM connecteur_runs WHERE job = 'heures-to-sqlserver' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.deepEqual(run.rows[0], { status: 'interrupted', message: STOP_REQUESTED });
  assert.equal(await pendingHeures(), 1, 'the first batch went through, the second never started');
  assert.equal((await suiviMoRows(world.t.url)).length, 6);
});

test("without the cloud's staging URL the agent says so and exits 2", async () => {
  const r = await connecteur(['agent'], { CHANTIERS_SCHEDULE: '0 */15 * * * *' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /STAGING_DATABASE_URL manquant : l’agent \(rôle batigest\)/);
  const wrong = new URL(world.t.url);
  wrong.hostname = '127.0.0.1';
  wrong.pathname = '/connecteur_absente_e2e';
  const missing = await connecteur(['agent'], {
    STAGING_DATABASE_URL: wrong.toString(),
    BATIGEST_SQL_SERVER: 'x',
    BATIGEST_SQL_DATABASE: 'x',
    BATIGEST_SQL_USER: 'x',
  });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /BATIGEST_SQL_PASSWORD manquant/);
});
