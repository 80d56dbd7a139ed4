/**
 * The dashboard in headless Chromium (Debian's package, driven by playwright-core): it loads,
 * shows runs and held records from a seeded database, a button runs a dry run and shows its
 * report, and a chantier named like an XSS payload renders as text. Screenshot in test-output/.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { Services } from '../../src/lib/services.js';
import { recordOutcomes, insertRun, finishRun } from '../../src/lib/staging/runs.js';
import { startFunctionsServer, TEST_KEY } from '../support/functionsServer.js';
import { handlersFor } from '../support/handlers.js';
import { startServe } from '../support/serve.js';
import { runJob } from '../../src/lib/sync/runner.js';
import { daysAgo, slot } from '../support/slots.js';
import { skipUnless } from '../support/required.js';
import { startAzurite } from '../queue/azurite.js';
import { useWorld } from '../support/fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const XSS = '<img src=x onerror=alert(1)>';
export const SCREENSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-output/dashboard.png');

// The workflow and .ci/run provide Chromium and set REQUIRE_CHROMIUM=1: there, a missing browser fails.
const SKIP = skipUnless(
  'CHROMIUM',
  existsSync(CHROMIUM),
  `dashboard browser test: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`,
);

// The state the dashboard shows is made once in the before hook.
const world = useWorld({ stagingInEnv: true, resetEach: false });
let server: { url: string; close(): Promise<void> };
let browser: Browser | undefined;

world.setup(async () => {
  if (SKIP) return;
  server = await startFunctionsServer(handlersFor(new Services(world.env)));
  // A chantier to push (named like an attack), a finished run and a held record.
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, nom_client, sync) VALUES ('CH001', $1, $1, false)`, [XSS]);
  const runId = '00000000-0000-4000-8000-000000000001';
  await insertRun(world.db, { runId, job: 'heures-to-sqlserver', parentRunId: null, trigger: 'timer', dryRun: false, status: 'running' });
  const counts = { read: 3, created: 1, updated: 0, deleted: 0, unchanged: 1, failed: 0, held: 1 };
  const held = {
    key: '4711',
    kind: 'held' as const,
    code: 'SALARIE_INCONNU',
    message: `Salarié introuvable : aucun Salarie.CodeBS = 99999999-9999-4999-8999-999999999999 (${XSS} dans BatiSimply).`,
  };
  await finishRun(world.db, runId, { status: 'partial', counts, errors: [{ key: held.key, code: held.code, message: held.message }] });
  await recordOutcomes(world.db, 'heures-to-sqlserver', runId, [held], []);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

world.teardown(async () => {
  if (SKIP) return;
  await browser?.close();
  await server?.close();
});

test('dashboard: runs, held records, a dry run from its button, XSS as text', { skip: SKIP }, async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1400 } });
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`${server.url}/api/dashboard?code=${TEST_KEY}`);
  assert.equal(await page.title(), 'Connecteur SAGES — tableau de bord');
  const runs = await page.locator('#runs').innerText();
  assert.match(runs, /heures-to-sqlserver/);
  assert.match(runs, /partiel/);
  const held = await page.locator('#held').innerText();
  assert.match(held, /Salarié introuvable/);
  assert.ok(held.includes(XSS), 'the payload shows as text');
  assert.equal(await page.locator('img').count(), 0, 'no element was injected');
  assert.equal(await page.locator('#pending-chantiers').innerText(), '1');
  // Connection health arrives after the page: PostgreSQL and the world.sandbox answer, SQL Server is not configured.
  await page.locator('#connections li.ok').nth(1).waitFor({ timeout: 15_000 });
  const connections = await page.locator('#connections').innerText();
  assert.match(connections, /PostgreSQL \(staging\) : connexion réussie/);
  assert.match(connections, /BatiSimply : connexion réussie/);
  assert.match(connections, /SQL Server \(Batigest\) : échec à l'étape « configuration »/);

  await page.locator('button[data-job="transfer-batisimply"][data-dry]').click();
  await page
    .locator('#result')
    .filter({ hasText: /créés 1/ })
    .waitFor({ timeout: 15_000 });
  const result = await page.locator('#result').innerText();
  assert.match(result, /transfer-batisimply \(simulation\) : réussi/);
  assert.equal(world.sandbox.state.projects.size, 0, 'a dry run writes nothing');

  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Live progress: a slow BatiSimply makes recup-heures last a few seconds; the page shows where it is.
  world.sandbox.faults.add([{ route: 'GET /api/timeSlotManagement/allUsers', fault: 'latency', latencyMs: 700, rate: 1 }]);
  await page.locator('button[data-job="recup-heures"]:not([data-dry])').click();
  await page
    .locator('#progress')
    .filter({ hasText: /recup-heures en cours : \d+ %/ })
    .waitFor({ timeout: 10_000 });
  await page
    .locator('#result')
    .filter({ hasText: /recup-heures : réussi/ })
    .waitFor({ timeout: 20_000 });
  world.sandbox.faults.clear();

  assert.deepEqual(dialogs, [], 'no script from the data ran');
});

test(
  'connecteur serve: the same dashboard behind its token, French times, coloured statuses, planned actions; it consumes the queue',
  { skip: SKIP },
  async () => {
    // A host storage in the settings (as local.settings.json has it): serve consumes the run queue itself, no `func` needed.
    const azurite = await startAzurite();
    const serve = await startServe({ ...world.env, SYNC_TIMEZONE: 'Europe/Paris', AzureWebJobsStorage: azurite.connectionString });
    try {
      assert.match(serve.output().out, /File d’attente des exécutions \(AzureWebJobsStorage\) : consommée ici/);
      const denied = await fetch(`${serve.base}/api/status`);
      assert.equal(denied.status, 401);
      assert.match(((await denied.json()) as { message: string }).message, /Jeton/);
      // The run history route of the Functions app is mounted too.
      const token = new URL(serve.dashboard).searchParams.get('code')!;
      const history = await fetch(`${serve.base}/api/runs?code=${encodeURIComponent(token)}`);
      assert.equal(history.status, 200);
      assert.match(JSON.stringify(await history.json()), /heures-to-sqlserver/);

      const page = await browser!.newPage({ viewport: { width: 1280, height: 1400 } });
      await page.goto(serve.dashboard);
      assert.equal(await page.title(), 'Connecteur SAGES — tableau de bord');
      // The seeded run: its status is a coloured badge that reads as text, its time French, in Paris time.
      const badge = page.locator('#runs .st-partial');
      assert.equal(await badge.innerText(), 'partiel');
      assert.notEqual(await badge.evaluate('(el) => getComputedStyle(el).backgroundColor'), 'rgba(0, 0, 0, 0)');
      const runs = await page.locator('#runs').innerText();
      assert.match(runs, /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}/, 'a French date and time');
      assert.doesNotMatch(runs, /\d{4}-\d{2}-\d{2}T/, 'no ISO timestamp');

      // Through the queue: the button's run is queued, consumed by serve, followed until it ends.
      await page.locator('button[data-job="transfer-batisimply"][data-dry]').click();
      await page
        .locator('#result')
        .filter({ hasText: /transfer-batisimply \(simulation\) : réussi — lus 1, créés 1/ })
        .waitFor({ timeout: 30_000 });
      assert.equal(world.sandbox.state.projects.size, 0, 'a dry run writes nothing');
      await page.close();
      // Only French: none of the Functions library's English lines, no library line on stdout.
      const { out, err } = serve.output();
      assert.doesNotMatch(out + err, /WARNING|Failed to detect|Skipping|Executing|Executed/);
      for (const line of err.trim().split('\n')) {
        const message = (JSON.parse(line) as { message: string }).message;
        assert.match(message, /[àâçéèêëîïôûùüÿœ«»’]|^(Staging|Début|Fin|Job) /, `not French: ${message}`);
      }
      assert.deepEqual(
        out
          .trim()
          .split('\n')
          .map((l) => l.trim().split(' ')[0]),
        ['Connecteur', 'Tableau', 'Jeton', 'File', 'Ctrl+C'],
      );
    } finally {
      await serve.stop();
      await azurite.stop();
    }
  },
);

test('held mass deletion: the dashboard shows why and its button confirms them', { skip: SKIP }, async () => {
  const slots = Array.from({ length: 30 }, (_, i) => slot(9_000 + i, daysAgo(2, `0${i % 9}:${String(i).padStart(2, '0')}:00`), 60));
  world.sandbox.state.load({ timeSlots: slots });
  const services = new Services(world.env);
  try {
    await runJob(services, 'recup-heures', { trigger: 'cli' });
    // A window that comes back empty (an outage, a wrong account): the deletions are held.
    world.sandbox.state.load({});
    const held = await runJob(services, 'recup-heures', { trigger: 'cli' });
    assert.equal(held.report.status, 'partial');
  } finally {
    await services.close();
  }
  const live = async () =>
    (
      await world.db.query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_heures WHERE id_heure LIKE $1 AND deleted_at IS NULL', [
        '9%',
      ])
    ).rows[0]!.n;
  assert.equal(await live(), 30);

  const page = await browser!.newPage({ viewport: { width: 1280, height: 1400 } });
  await page.goto(`${server.url}/api/dashboard?code=${TEST_KEY}`);
  assert.match(await page.locator('#mass-delete').innerText(), /30 des 30 créneaux/);
  await page.locator('button[data-allow-mass-delete]').click();
  await page
    .locator('#result')
    .filter({ hasText: /recup-heures : réussi/ })
    .waitFor({ timeout: 20_000 });
  assert.equal(await live(), 0, 'the confirmed deletions went through');
  await page.reload();
  assert.equal(await page.locator('#mass-delete').count(), 0, 'nothing left to confirm');
  await page.close();
});
