/**
 * `connecteur run --queue` works locally without `func`: with AzureWebJobsStorage set (Azurite),
 * `connecteur serve` consumes the run queue, as the Functions host's queue trigger would.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Env } from '../../src/lib/config.js';
import { startAzurite, type Azurite } from '../queue/azurite.js';
import { connecteur } from '../support/cli.js';
import { startServe, type ServeProcess } from '../support/serve.js';
import { until } from '../support/wait.js';
import { useWorld } from '../support/fixture.js';

const world = useWorld();
let azurite: Azurite;
let env: Env;
let serve: ServeProcess;

world.setup(async () => {
  azurite = await startAzurite();
  env = { ...world.sandbox.connectorSettings(), STAGING_DATABASE_URL: world.t.url, AzureWebJobsStorage: azurite.connectionString };
  serve = await startServe(env);
});
world.teardown(async () => {
  await serve?.stop();
  await azurite?.stop();
});

test('a run queued from the CLI is executed by connecteur serve', async () => {
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Un', false)`);
  const queued = await connecteur(['run', 'transfer-batisimply', '--queue', '--json'], env);
  assert.equal(queued.code, 0, queued.stderr);
  const { runId, status } = JSON.parse(queued.stdout) as { runId: string; status: string };
  assert.equal(status, 'queued');
  const run = await until(async () => {
    const r = (await (await fetch(`${serve.base}/api/runs/${runId}?code=${serve.token}`)).json()) as { status: string };
    return r.status === 'succeeded' || r.status === 'failed' ? r : null;
  }, 'the queued run to finish');
  assert.equal(run.status, 'succeeded');
  assert.equal(world.sandbox.state.projects.size, 1, 'the chantier was pushed by the consumer');
  assert.doesNotMatch(serve.output().out + serve.output().err, /WARNING|Failed to detect/);
});

test('Azurite started without --skipApiVersionCheck: the refusal is named, with the command to start it right', async () => {
  const strict = await startAzurite({ strict: true });
  try {
    const r = await connecteur(['run', 'recup-heures', '--queue'], { ...env, AzureWebJobsStorage: strict.connectionString });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Azurite refuse la version d’API .*npx azurite-queue --skipApiVersionCheck --disableTelemetry/);
    assert.doesNotMatch(r.stderr, /is not supported by Azurite/);
  } finally {
    await strict.stop();
  }
});
