/** Token requests: a transient failure of the token endpoint is retried like the API's. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { createBatisimplyClient, type BatisimplyClient } from '../../../src/lib/batisimply/client.js';
import { batisimplySchema, parseSection, type Env } from '../../../src/lib/config.js';
import { EnvironmentSecrets } from '../../../src/lib/secrets.js';
import type { FaultRule } from '../../../src/sandbox/faults.js';
import type { Sandbox } from '../../../src/sandbox/server.js';
import { startSandbox } from '../../support/sandbox.js';

let sandbox: Sandbox;
let env: Env;
let client: BatisimplyClient | undefined;

before(async () => ({ sandbox, env } = await startSandbox()));
after(async () => {
  await client?.close();
  await sandbox.stop();
});
beforeEach(async () => {
  sandbox.faults.clear();
  sandbox.stats.clear();
  await client?.close();
  client = createBatisimplyClient(parseSection(batisimplySchema, env, 'BatiSimply'), new EnvironmentSecrets(env));
});

for (const fault of ['503', '500', '429', 'reset'] as FaultRule['fault'][]) {
  test(`token endpoint ${fault} twice, then a token: the call succeeds`, async () => {
    sandbox.faults.add([{ route: 'POST /token', fault, times: 2, retryAfterSeconds: 0 }]);
    await client!.ping();
    assert.equal(sandbox.count('POST /token'), 3);
  });
}

test('a refused login is not retried blindly: asked once, then once more with fresh secrets', async () => {
  await client?.close();
  const wrong = { ...env, BATISIMPLY_PASSWORD: 'pas-le-bon' };
  client = createBatisimplyClient(parseSection(batisimplySchema, wrong, 'BatiSimply'), new EnvironmentSecrets(wrong));
  await assert.rejects(client.ping(), { code: 'BATISIMPLY_LOGIN_FAILED' });
  assert.equal(sandbox.count('POST /token'), 2);
});

test('a token endpoint down for longer than the retries: unreachable after BATISIMPLY_MAX_RETRIES', async () => {
  sandbox.faults.add([{ route: 'POST /token', fault: '503' }]);
  await assert.rejects(client!.ping(), { code: 'BATISIMPLY_SSO_BAD_RESPONSE' });
  assert.equal(sandbox.count('POST /token'), 4);
});
