/**
 * The dashboard's buttons on the queue, in headless Chromium: a click enqueues the run (202), the
 * page follows it through GET /api/runs/{runId} while the queue handler executes it, and shows
 * its report. The Functions host cannot run here: the routes are mounted as `connecteur serve`
 * mounts them, and a loop takes the messages from Azurite to the queue handler.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import functions from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { chromium, type Browser } from 'playwright-core';
import { Services } from '../../src/lib/services.js';
import { RUNS_QUEUE, runQueueFrom } from '../../src/lib/queue/client.js';
import type { LocalServer } from '../../src/cli/serve.js';
import { startFunctionsServer, TEST_KEY } from '../support/functionsServer.js';
import { handlersFor, type TestHandlers } from '../support/handlers.js';
import { startAzurite, type Azurite } from './azurite.js';
import { skipUnless } from '../support/required.js';
import { useWorld } from '../support/fixture.js';

const { InvocationContext } = functions;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = skipUnless(
  'CHROMIUM',
  existsSync(CHROMIUM),
  `queue dashboard browser test: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`,
);

// The state the dashboard shows is made in the before hook and followed across the tests.
const world = useWorld({ stagingInEnv: true, resetEach: false });
let azurite: Azurite;
let browser: Browser | undefined;
let handlers: TestHandlers;
let server: LocalServer;
let stopping = false;
let consumer: Promise<void>;

world.setup(async () => {
  if (SKIP) return;
  azurite = await startAzurite();
  const env = { ...(await openEnv()), AzureWebJobsStorage: azurite.connectionString };
  handlers = handlersFor(new Services(env), runQueueFrom(env));
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Chantier 1', false)`);
  server = await startFunctionsServer(handlers);
  // What the host does: take each message and hand it to the queue trigger.
  const queue = new QueueClient(azurite.connectionString, RUNS_QUEUE);
  await queue.createIfNotExists();
  consumer = (async () => {
    while (!stopping) {
      const {
        receivedMessageItems: [item],
      } = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
      if (!item) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const body = JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8'));
      await handlers.runQueueHandler(
        body,
        new InvocationContext({ functionName: 'runQueue', triggerMetadata: { dequeueCount: item.dequeueCount } }),
      );
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  })();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});

async function openEnv() {
  return { ...world.sandbox.connectorSettings(), STAGING_DATABASE_URL: world.t.url, SYNC_TIMEZONE: 'Europe/Paris' };
}

world.teardown(async () => {
  if (SKIP) return;
  stopping = true;
  await consumer;
  await browser?.close();
  await server.close();
  await handlers.directory.close();
  await azurite.stop();
});

test('a dashboard button enqueues the run and follows it to its report', { skip: SKIP }, async () => {
  const page = await browser!.newPage();
  await page.goto(`${server.url}/api/dashboard?code=${TEST_KEY}`);
  await page.locator('button[data-job="transfer-batisimply"]:not([data-dry])').click();
  await page
    .locator('#result')
    .filter({ hasText: /transfer-batisimply : réussi/ })
    .waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#result').innerText(), /créés 1/);
  const { rows } = await world.db.query<{ queued: boolean }>(
    `SELECT queued_at IS NOT NULL AS queued FROM connecteur_runs WHERE job = 'transfer-batisimply'`,
  );
  assert.deepEqual(rows, [{ queued: true }], 'the run went through the queue');
  assert.equal(world.sandbox.state.projects.size, 1);
});
