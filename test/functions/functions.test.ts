import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';

// @azure/functions is CommonJS: its classes come from the default export under ESM.
const { HttpRequest, InvocationContext } = functions;
import { Services } from '../../src/lib/services.js';
import { until } from '../support/wait.js';
import { recentRuns } from '../../src/lib/staging/runs.js';
import { JOB_NAMES } from '../../src/lib/sync/registry.js';
import { handlersFor, type TestHandlers } from '../support/handlers.js';
import { useWorld } from '../support/fixture.js';

let h: TestHandlers;

const world = useWorld({ stagingInEnv: true });
beforeEach(() => void (h = handlersFor(new Services(world.env))));

const post = (route: string, body?: unknown) =>
  new HttpRequest({
    method: 'POST',
    url: `http://localhost/api/${route}`,
    body: body === undefined ? undefined : { string: JSON.stringify(body) },
  });
const get = (route: string) => new HttpRequest({ method: 'GET', url: `http://localhost/api/${route}` });
const context = () => new InvocationContext({ invocationId: 'test', functionName: 'test' });
const body = (res: HttpResponseInit) => res.jsonBody as Record<string, unknown>;

describe('registration', () => {
  test('one POST route per job, named after it', () => {
    assert.deepEqual(
      Object.values(h.jobFunctions)
        .map((f) => f.route)
        .sort(),
      [...JOB_NAMES].sort(),
    );
    for (const f of Object.values(h.jobFunctions)) assert.deepEqual(f.methods, ['POST']);
  });
  test('every HTTP route requires a function key', () => {
    for (const [name, f] of Object.entries({ ...h.jobFunctions, ...h.operatorFunctions })) assert.equal(f.authLevel, 'function', name);
  });
  test('timers run on the schedule settings', () => {
    assert.equal(h.timerFunctions.chantiersTimer?.schedule, '%CHANTIERS_SCHEDULE%');
    assert.equal(h.timerFunctions.heuresTimer?.schedule, '%HEURES_SCHEDULE%');
  });
});

describe('job routes', () => {
  test('dryRun in the query: 200 with the report, nothing written', async () => {
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'x', false)`);
    const res = await h.jobHandler('transfer-batisimply')(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/transfer-batisimply?dryRun=true' }),
      context(),
    );
    assert.equal(res.status, 200);
    assert.equal(body(res).dryRun, true);
    assert.equal((body(res).counts as { created: number }).created, 1);
    assert.equal(world.sandbox.state.projects.size, 0);
  });
  test('dryRun in the body: 200 with the report, nothing written in staging or BatiSimply', async () => {
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'x', false)`);
    const writes = () => world.sandbox.count('POST /api/project') + world.sandbox.count('PUT /api/project');
    const before = writes();
    const res = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply', { dryRun: true }), context());
    assert.equal(res.status, 200);
    assert.equal(body(res).dryRun, true);
    assert.equal((body(res).counts as { created: number }).created, 1);
    assert.equal(world.sandbox.state.projects.size, 0);
    assert.equal(writes(), before);
    const { rows } = await world.db.query('SELECT sync, batisimply_id, sync_date FROM batigest_chantiers');
    assert.deepEqual(rows, [{ sync: false, batisimply_id: null, sync_date: null }]);
  });
  test('a malformed dryRun: 400 with a French message', async () => {
    const res = await h.jobHandler('transfer')(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/transfer?dryRun=peut-etre' }),
      context(),
    );
    assert.equal(res.status, 400);
    assert.match(String(body(res).message), /dryRun invalide/);
  });
  test('a body that is not JSON: 400', async () => {
    const res = await h.jobHandler('transfer')(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/transfer', body: { string: '{oops' } }),
      context(),
    );
    assert.equal(res.status, 400);
  });
  test('Batigest not configured: 400 naming the missing settings', async () => {
    const res = await h.jobHandler('transfer')(post('transfer'), context());
    assert.equal(res.status, 400);
    assert.match(String(body(res).message), /BATIGEST_SQL_SERVER manquant/);
  });
  test('BatiSimply unreachable: 502', async () => {
    h = handlersFor(new Services({ ...world.env, BATISIMPLY_TOKEN_URL: 'http://127.0.0.1:9/token', BATISIMPLY_MAX_RETRIES: '0' }));
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'x', false)`);
    const res = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context());
    assert.equal(res.status, 200, 'the run finished: the record failed, its status says so');
    assert.equal(body(res).status, 'partial');
    const res2 = await h.jobHandler('recup-heures')(post('recup-heures'), context());
    assert.equal(res2.status, 502);
    assert.match(String(body(res2).message), /injoignable/);
  });
  test('the same job already running: 409 with its run id', async () => {
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'x', false)`);
    // The first run waits on the locked chantiers table once it recorded itself as running.
    const gate = await world.db.pool.connect();
    await gate.query('BEGIN');
    await gate.query('LOCK TABLE batigest_chantiers IN ACCESS EXCLUSIVE MODE');
    const first = h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context());
    await until(async () => (await recentRuns(world.db)).some((r) => r.status === 'running'), 'the first run to be running');
    const second = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context());
    await gate.query('COMMIT');
    gate.release();
    assert.equal(second.status, 409);
    const firstRes = await first;
    assert.equal(body(second).runningRunId, body(firstRes).runId);
  });
});

describe('operator routes', () => {
  test('status: pending records and last runs', async () => {
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'x', false)`);
    const res = await h.statusHandler(get('status'));
    assert.equal(res.status, 200);
    assert.deepEqual((body(res).pending as { chantiers: number }).chantiers, 1);
  });
  test('dashboard: HTML in French, values escaped', async () => {
    await world.db.query(
      `INSERT INTO connecteur_record_issues (job, record_key, kind, code, message) VALUES ('transfer', '<img src=x onerror=alert(1)>', 'failed', 'X', 'm')`,
    );
    const res = await h.dashboardHandler(get('dashboard'));
    const html = String(res.body);
    assert.match(html, /<html lang="fr">/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(html, /<img src=x/);
  });
  test('connect-batisimply with a wrong password: the login step failed, the password is not echoed', async () => {
    const res = await h.connectHandler('batisimply')(post('connect-batisimply', { password: 'Mauvais-Secret-42' }));
    assert.equal(res.status, 502);
    assert.equal(body(res).step, 'login');
    assert.doesNotMatch(JSON.stringify(res.jsonBody), /Mauvais-Secret-42/);
  });
  test('connect-postgres with the configured URL: ok', async () => {
    const res = await h.connectHandler('postgres')(post('connect-postgres', {}));
    assert.equal(res.status, 200);
    assert.equal(body(res).ok, true);
  });
  test('connect-postgres to a closed port: the TCP step failed', async () => {
    const res = await h.connectHandler('postgres')(post('connect-postgres', { url: 'postgresql://postgres:Pg-Secret-99@127.0.0.1:9/x' }));
    assert.equal(res.status, 502);
    assert.equal(body(res).step, 'tcp');
    assert.doesNotMatch(JSON.stringify(res.jsonBody), /Pg-Secret-99/);
  });
  test('save without a Key Vault: 400', async () => {
    const res = await h.connectHandler('batisimply')(post('connect-batisimply', { save: true }));
    assert.equal(res.status, 400);
    assert.match(String(body(res).message), /Key Vault/);
  });
});

describe('internal failure', () => {
  test('a run that fails for an unexpected reason: 500 with the report, in French', async () => {
    const broken = new Services(world.env, {
      batisimply: {
        listTimeSlots: async () => {
          throw new TypeError('boom');
        },
      } as never,
    });
    h = handlersFor(broken);
    const res = await h.jobHandler('recup-heures')(post('recup-heures'), context());
    assert.equal(res.status, 500);
    assert.equal(body(res).status, 'failed');
    assert.match(String(body(res).message), /Erreur interne/);
  });
});
