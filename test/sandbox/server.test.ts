import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { request } from 'undici';
import { Sandbox } from '../../src/sandbox/server.js';

let sandbox: Sandbox;

async function token(body: Record<string, string>) {
  const res = await request(sandbox.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

const passwordGrant = {
  grant_type: 'password',
  client_id: 'bridge-data',
  client_secret: 'sandbox-secret',
  username: 'demo',
  password: 'demo',
};

async function api(method: string, path: string, body?: unknown, bearer?: string) {
  const t = bearer ?? ((await token(passwordGrant)).json.access_token as string);
  const res = await request(`${sandbox.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: text && /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : undefined,
  };
}

const project = (code: string) => ({
  projectCode: code,
  projectName: `Chantier ${code}`,
  headQuarter: { id: 1 },
  startEstimated: '2026-01-01',
  endEstimated: null,
});

before(async () => {
  sandbox = new Sandbox({ maxPageSize: 2, seed: { timeSlots: [] } });
  await sandbox.start();
});
after(() => sandbox.stop());
beforeEach(() => {
  sandbox.state.load({});
  sandbox.faults.clear();
});

describe('token endpoint', () => {
  test('password grant answers a bearer token with expires_in', async () => {
    const { status, json } = await token(passwordGrant);
    assert.equal(status, 200);
    assert.equal(json.token_type, 'Bearer');
    assert.equal(json.expires_in, 300);
  });
  test('client_credentials grant', async () => {
    const { status } = await token({ grant_type: 'client_credentials', client_id: 'bridge-data', client_secret: 'sandbox-secret' });
    assert.equal(status, 200);
  });
  test('wrong password: Keycloak-shaped 401', async () => {
    const { status, json } = await token({ ...passwordGrant, password: 'nope' });
    assert.equal(status, 401);
    assert.equal(json.error, 'invalid_grant');
  });
  test('unknown grant: 400 unsupported_grant_type', async () => {
    const { status, json } = await token({ ...passwordGrant, grant_type: 'implicit' });
    assert.equal(status, 400);
    assert.equal(json.error, 'unsupported_grant_type');
  });
});

describe('bearer checks', () => {
  test('missing token: 401', async () => {
    const res = await request(`${sandbox.url}/api/project`);
    assert.equal(res.statusCode, 401);
    await res.body.dump();
  });
  test('expired token: 401', async () => {
    const t = (await token(passwordGrant)).json.access_token as string;
    sandbox.state.expireTokens();
    assert.equal((await api('GET', '/api/project', undefined, t)).status, 401);
  });
});

describe('projects', () => {
  test('create answers 201 with a new id, paging caps the size', async () => {
    for (const code of ['A1', 'A2', 'A3']) assert.equal((await api('POST', '/api/project', project(code))).status, 201);
    const page0 = (await api('GET', '/api/project?page=0&size=100')).json;
    assert.equal(page0.elements.length, 2);
    assert.equal(page0.totalPages, 2);
    const page1 = (await api('GET', '/api/project?page=1&size=100')).json;
    assert.deepEqual(
      page1.elements.map((p: { projectCode: string }) => p.projectCode),
      ['A3'],
    );
  });
  test('body without projectCode: 400 with the reason', async () => {
    const res = await api('POST', '/api/project', { projectName: 'x', headQuarter: { id: 1 } });
    assert.equal(res.status, 400);
    assert.match(res.json.detail, /projectCode/);
  });
  test('unknown headQuarter: 400', async () => {
    const res = await api('POST', '/api/project', { ...project('B1'), headQuarter: { id: 99 } });
    assert.equal(res.status, 400);
    assert.match(res.json.detail, /headQuarter/);
  });
  test('PUT updates by id; unknown id is 404', async () => {
    const created = (await api('POST', '/api/project', project('C1'))).json;
    const updated = await api('PUT', '/api/project', { ...created, projectName: 'Nouveau nom' });
    assert.equal(updated.status, 200);
    assert.equal((await api('GET', `/api/project/${created.id}`)).json.projectName, 'Nouveau nom');
    assert.equal((await api('PUT', '/api/project', { ...created, id: 999 })).status, 404);
  });
});

describe('time slots', () => {
  test('date without time and Z: 400', async () => {
    const res = await api('GET', '/api/timeSlotManagement/allUsers?startDate=2026-05-01&endDate=2026-05-31');
    assert.equal(res.status, 400);
  });
  test('slots of the window, as a bare array', async () => {
    sandbox.state.load({
      timeSlots: [
        {
          id: 1,
          startDate: '2026-05-04T06:00:00Z',
          endDate: '2026-05-04T10:00:00Z',
          user: { id: '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c' },
          project: null,
          managementStatus: 'VALIDATED',
          totalTimeMinutes: 240,
          hasPackedLunch: false,
          hasHomeToWorkJourney: false,
        },
        {
          id: 2,
          startDate: '2026-06-04T06:00:00Z',
          endDate: '2026-06-04T10:00:00Z',
          user: { id: '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c' },
          project: null,
          managementStatus: 'VALIDATED',
          totalTimeMinutes: 240,
          hasPackedLunch: false,
          hasHomeToWorkJourney: false,
        },
      ],
    });
    const res = await api('GET', '/api/timeSlotManagement/allUsers?startDate=2026-05-01T00:00:00Z&endDate=2026-05-31T00:00:00Z');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.map((s: { id: number }) => s.id),
      [1],
    );
  });
});

describe('fault injection', () => {
  test('429 carries Retry-After, then the route answers again', async () => {
    sandbox.faults.add([{ route: 'GET /api/project', fault: '429', times: 1, retryAfterSeconds: 3 }]);
    const first = await api('GET', '/api/project');
    assert.equal(first.status, 429);
    assert.equal(first.headers['retry-after'], '3');
    assert.equal((await api('GET', '/api/project')).status, 200);
  });
  for (const status of ['500', '503'] as const) {
    test(`${status} once`, async () => {
      sandbox.faults.add([{ route: 'GET /api/project', fault: status, times: 1 }]);
      assert.equal((await api('GET', '/api/project')).status, Number(status));
    });
  }
  test('html page with status 200', async () => {
    sandbox.faults.add([{ route: 'GET /api/project', fault: 'html', times: 1 }]);
    const res = await api('GET', '/api/project');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /text\/html/);
  });
  test('latency delays the answer', async () => {
    sandbox.faults.add([{ route: 'GET /api/project', fault: 'latency', times: 1, latencyMs: 300 }]);
    const t = (await token(passwordGrant)).json.access_token as string;
    const started = Date.now();
    await api('GET', '/api/project', undefined, t);
    assert.ok(Date.now() - started >= 290);
  });
  test('connection reset: no answer, nothing written', async () => {
    sandbox.faults.add([{ route: 'POST /api/project', fault: 'reset', times: 1 }]);
    await assert.rejects(api('POST', '/api/project', project('R1')));
    assert.equal(sandbox.state.projects.size, 0);
  });
  test('lost response after a write: no answer, but the project exists', async () => {
    sandbox.faults.add([{ route: 'POST /api/project', fault: 'lost-response', times: 1 }]);
    await assert.rejects(api('POST', '/api/project', project('L1')));
    assert.deepEqual(
      [...sandbox.state.projects.values()].map((p) => p.projectCode),
      ['L1'],
    );
  });
  test('delayed apply: the client gives up, the write lands once the hold ends', async () => {
    sandbox.faults.add([{ route: 'POST /api/project', fault: 'delayed-apply', times: 1, latencyMs: 1 }]);
    const t = (await token(passwordGrant)).json.access_token as string;
    const res = await request(`${sandbox.url}/api/project`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify(project('D0')),
    });
    assert.equal(res.statusCode, 201);
    await res.body.text();
    assert.deepEqual([sandbox.delayedWrites.held, sandbox.delayedWrites.applied], [0, 1]);
  });
  test('delayed apply until released: held while the client gives up, applied by the admin call', async () => {
    sandbox.faults.add([{ route: 'POST /api/project', fault: 'delayed-apply', times: 1, release: 'manual' }]);
    const t = (await token(passwordGrant)).json.access_token as string;
    const abort = new AbortController();
    const posted = request(`${sandbox.url}/api/project`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify(project('D1')),
      signal: abort.signal,
    });
    while (sandbox.delayedWrites.held === 0) await new Promise((r) => setImmediate(r));
    abort.abort();
    await assert.rejects(posted);
    assert.equal(sandbox.state.projects.size, 0, 'not applied while held');
    const released = await request(`${sandbox.url}/__admin/release-writes`, { method: 'POST' });
    assert.deepEqual(await released.body.json(), { released: 1 });
    while (sandbox.delayedWrites.applied === 0) await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      [...sandbox.state.projects.values()].map((p) => p.projectCode),
      ['D1'],
    );
    assert.equal(sandbox.delayedWrites.held, 0);
  });
  test('lying paging: totals say one page, the next pages still answer', async () => {
    for (const code of ['P1', 'P2', 'P3', 'P4', 'P5']) sandbox.state.createProject(project(code));
    sandbox.faults.add([{ route: 'GET /api/project', fault: 'lying-paging' }]);
    const page0 = (await api('GET', '/api/project?page=0&size=2')).json;
    assert.deepEqual([page0.totalPages, page0.totalElements], [1, 2]);
    const page2 = (await api('GET', '/api/project?page=2&size=2')).json;
    assert.deepEqual(
      page2.elements.map((p: { projectCode: string }) => p.projectCode),
      ['P5'],
    );
  });
  test('admin API sets faults and edits slots', async () => {
    let res = await request(`${sandbox.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: '*', fault: '503', times: 1 }),
    });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal((await api('GET', '/api/project', undefined, 'whatever')).status, 503);
    res = await request(`${sandbox.url}/__admin/time-slots`, {
      method: 'POST',
      body: JSON.stringify({
        id: 9,
        startDate: '2026-05-04T06:00:00Z',
        endDate: '2026-05-04T07:00:00Z',
        user: { id: '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c' },
        project: null,
        managementStatus: 'VALIDATED',
        totalTimeMinutes: 60,
        hasPackedLunch: true,
        hasHomeToWorkJourney: false,
      }),
    });
    await res.body.dump();
    res = await request(`${sandbox.url}/__admin/time-slots/9`, { method: 'PATCH', body: JSON.stringify({ totalTimeMinutes: 90 }) });
    await res.body.dump();
    assert.equal(sandbox.state.timeSlots.get('9')?.totalTimeMinutes, 90);
    res = await request(`${sandbox.url}/__admin/time-slots/9`, { method: 'DELETE' });
    await res.body.dump();
    assert.equal(sandbox.state.timeSlots.size, 0);
  });
});

describe('seed files', () => {
  test('relative dates ("-3d 06:00") are resolved against today', async () => {
    const { resolveSeedDate } = await import('../../src/sandbox/state.js');
    const now = Date.parse('2026-11-27T10:00:00Z');
    assert.equal(resolveSeedDate('-3d 06:00', now), '2026-11-24T06:00:00Z');
    assert.equal(resolveSeedDate('-1d 07:00:57', now), '2026-11-26T07:00:57Z');
    assert.equal(resolveSeedDate('2026-05-04T06:00:00Z', now), '2026-05-04T06:00:00Z');
  });
  test('`connecteur sandbox --seed examples/…` serves the example seed', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../support/cli.js');
    const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--seed', 'examples/sandbox-seed.json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          const m = /BATISIMPLY_API_URL=(\S+)/.exec(d.toString());
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
      });
      const res = await request(`${url}/__admin/state`);
      const state = (await res.body.json()) as { projects: unknown[]; timeSlots: unknown[] };
      assert.equal(state.projects.length, 1);
      assert.equal(state.timeSlots.length, 3);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
