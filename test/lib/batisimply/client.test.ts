import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createBatisimplyClient, type BatisimplyClient } from '../../../src/lib/batisimply/client.js';
import { KeycloakTokens } from '../../../src/lib/batisimply/auth.js';
import { batisimplySchema, parseSection } from '../../../src/lib/config.js';
import { EnvironmentSecrets } from '../../../src/lib/secrets.js';
import type { Sandbox } from '../../../src/sandbox/server.js';
import { startRecordingProxy } from '../../support/recordingProxy.js';
import { startSandbox } from '../../support/sandbox.js';
import type { Env } from '../../../src/lib/config.js';

let sandbox: Sandbox;
let env: Env;
let client: BatisimplyClient;

const makeClient = (overrides: Env = {}) => {
  const e = { ...env, ...overrides };
  return createBatisimplyClient(parseSection(batisimplySchema, e, 'BatiSimply'), new EnvironmentSecrets(e));
};

before(async () => {
  ({ sandbox, env } = await startSandbox({ maxPageSize: 3 }));
});
after(() => sandbox.stop());
beforeEach(async () => {
  sandbox.state.load({});
  sandbox.faults.clear();
  sandbox.stats.clear();
  await client?.close();
  client = makeClient();
});

const project = (code: string) => ({
  projectCode: code,
  projectName: code,
  startEstimated: null,
  endEstimated: null,
  headQuarter: { id: 1 },
});

describe('tokens', () => {
  test('one token serves many calls', async () => {
    await client.listProjects();
    await client.listProjects();
    assert.equal(sandbox.count('POST /token'), 1);
  });
  test('a token close to expiry is renewed before use', async () => {
    let now = 0;
    const tokens = new KeycloakTokens(
      sandbox.tokenUrl,
      async () => ({ grantType: 'client_credentials', clientId: 'bridge-data', clientSecret: 'sandbox-secret' }),
      {
        timeoutMs: 2000,
        now: () => now,
      },
    );
    const first = await tokens.token();
    now = 250_000; // 300 s lifetime, renewed 30 s before the end
    assert.equal(await tokens.token(), first);
    now = 271_000;
    assert.notEqual(await tokens.token(), first);
    assert.equal(tokens.requests, 2);
  });
  test('401 on an expired token: renewed once and the call succeeds', async () => {
    await client.listProjects();
    sandbox.state.expireTokens();
    await client.listProjects();
    assert.equal(sandbox.count('POST /token'), 2);
  });
  test('refused login names the Keycloak error, not the password', async () => {
    const bad = makeClient({ BATISIMPLY_PASSWORD: 'wrong-password-123' });
    await assert.rejects(bad.listProjects(), (e: Error) => {
      assert.match(e.message, /invalid_grant/);
      assert.doesNotMatch(e.message, /wrong-password-123/);
      return true;
    });
    await bad.close();
  });
});

describe('retries', () => {
  test('429 with Retry-After: 2 is waited out and retried', async () => {
    // The gap is measured where the server sees the requests. The backoff alone waits at most
    // 400 ms before the first retry: only honouring the header can reach 1.9 s.
    const proxy = await startRecordingProxy(sandbox.url);
    const viaProxy = makeClient({ BATISIMPLY_API_URL: proxy.url });
    try {
      sandbox.faults.add([{ route: 'GET /api/project', fault: '429', times: 1, retryAfterSeconds: 2 }]);
      assert.deepEqual(await viaProxy.listProjects(), []);
      const attempts = proxy.arrivals.filter((a) => a.method === 'GET' && a.path === '/api/project');
      assert.equal(attempts.length, 2);
      const gap = attempts[1]!.at - attempts[0]!.at;
      assert.ok(gap >= 1_900, `retried after ${Math.round(gap)} ms`);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });
  test('5xx on a GET is retried', async () => {
    sandbox.faults.add([{ route: 'GET /api/project', fault: '503', times: 2 }]);
    assert.deepEqual(await client.listProjects(), []);
    assert.equal(sandbox.count('GET /api/project'), 3);
  });
  test('a timeout on a GET is retried', async () => {
    const quick = makeClient({ BATISIMPLY_TIMEOUT_MS: '300' });
    sandbox.faults.add([{ route: 'GET /api/project', fault: 'latency', times: 1, latencyMs: 600 }]);
    assert.deepEqual(await quick.listProjects(), []);
    await quick.close();
  });
  test('a 503 after a POST is not retried blindly: ambiguous', async () => {
    sandbox.faults.add([{ route: 'POST /api/project', fault: '503', times: 1 }]);
    await assert.rejects(client.createProject(project('P1')), (e: { ambiguous?: boolean }) => e.ambiguous === true);
    assert.equal(sandbox.count('POST /api/project'), 1);
  });
  test('a 429 on a POST is retried: nothing was applied', async () => {
    sandbox.faults.add([{ route: 'POST /api/project', fault: '429', times: 1, retryAfterSeconds: 0 }]);
    const created = await client.createProject(project('P2'));
    assert.equal(created.projectCode, 'P2');
    assert.equal(sandbox.state.projects.size, 1);
  });
  test('gives up after BATISIMPLY_MAX_RETRIES', async () => {
    sandbox.faults.add([{ route: 'GET /api/project', fault: '500', times: 10 }]);
    await assert.rejects(client.listProjects(), /500/);
    assert.equal(sandbox.count('GET /api/project'), 4);
  });
});

describe('answers', () => {
  test('paging follows totalPages when the server caps the size', async () => {
    for (let i = 1; i <= 7; i++) sandbox.state.createProject(project(`C${i}`));
    const all = await client.listProjects();
    assert.equal(all.length, 7);
    assert.equal(sandbox.count('GET /api/project'), 3);
  });
  test('an HTML page with status 200 fails with status, type and first bytes', async () => {
    sandbox.faults.add([{ route: 'GET /api/project', fault: 'html', times: 1 }]);
    await assert.rejects(client.listProjects(), (e: Error) => {
      assert.match(e.message, /statut 200/);
      assert.match(e.message, /text\/html/);
      assert.match(e.message, /<!DOCTYPE html>/);
      return true;
    });
  });
  test('a slot of the wrong shape is refused on its own, naming the field', async () => {
    sandbox.state.timeSlots.set('1', {
      id: 1,
      startDate: '2026-05-04T06:00:00Z',
      endDate: '2026-05-04T10:00:00Z',
      user: { id: 'pas-un-uuid' },
    } as never);
    const list = await client.listTimeSlots(new Date('2026-05-01T00:00:00Z'), new Date('2026-06-01T00:00:00Z'));
    assert.deepEqual(list, { slots: [], refused: [{ id: '1', field: 'user.id', message: 'UUID attendu' }] });
  });
  test('a slot list of the wrong shape fails as a whole', async () => {
    sandbox.faults.add([{ route: 'GET /api/timeSlotManagement/allUsers', fault: 'html', times: 1 }]);
    await assert.rejects(client.listTimeSlots(new Date('2026-05-01T00:00:00Z'), new Date('2026-06-01T00:00:00Z')), /text\/html/);
  });
});
