/**
 * The dashboard of the operator's day, in headless Chromium: every section refreshes when a run
 * ends, a job's buttons are disabled while it runs and show its progress with its unit, runs say
 * why they did not succeed, the audit's failure says so, the page holds at 800 px, the company
 * picker, an HTML answer to a bad company, and the picture of the hours, whose figures (and
 * pixels, on a screenshot) match the audit's totals.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runAudit } from '../../src/lib/audit/runAudit.js';
import { Services } from '../../src/lib/services.js';
import { finishRun, insertRun } from '../../src/lib/staging/runs.js';
import { runJob } from '../../src/lib/sync/runner.js';
import { HOUR_SERIES } from '../../src/lib/ops/dashboard/chart.js';
import { chantier } from '../support/chantiers.js';
import { MemoryBatigest } from '../support/memoryBatigest.js';
import { startFunctionsServer, TEST_KEY } from '../support/functionsServer.js';
import { handlersFor } from '../support/handlers.js';
import { daysAgo, slot, USER_DUPONT, USER_UNKNOWN } from '../support/slots.js';
import { skipUnless } from '../support/required.js';
import { useWorld } from '../support/fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-output');
const SKIP = skipUnless(
  'CHROMIUM',
  existsSync(CHROMIUM),
  `operator's day browser test: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`,
);

// One operator's day across the file's tests: nothing is emptied between them.
const world = useWorld({ stagingInEnv: true, resetEach: false });
let services: Services;
const batigest = new MemoryBatigest();
let server: { url: string; close(): Promise<void> };
let browser: Browser | undefined;

world.setup(async () => {
  if (SKIP) return;
  services = new Services(world.env, { staging: world.db, batigest });
  server = await startFunctionsServer(handlersFor(services));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
});

world.teardown(async () => {
  if (SKIP) return;
  await browser?.close();
  await server?.close();
});

const dashboard = (query = '') => `${server.url}/api/dashboard?code=${TEST_KEY}${query}`;
async function open(width = 1280, query = ''): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width, height: 1200 } });
  await page.goto(dashboard(query));
  return page;
}

test('after a run from its button, every section is true again without a reload', { skip: SKIP }, async () => {
  world.sandbox.state.load({ timeSlots: [slot(501, daysAgo(2), 60), slot(502, daysAgo(2, '10:00:00'), 90)] });
  const page = await open();
  assert.match(await page.locator('#runs').innerText(), /Aucune exécution/);
  assert.equal(await page.locator('#pending-heures').innerText(), '0');
  await page.locator('button[data-job="recup-heures"]:not([data-dry])').click();
  await page
    .locator('#result')
    .filter({ hasText: /recup-heures : réussi/ })
    .waitFor({ timeout: 20_000 });
  await page.locator('body:not([data-refreshes="0"])').waitFor({ timeout: 10_000 });
  await page
    .locator('#runs')
    .filter({ hasText: /recup-heures/ })
    .waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#runs').innerText(), /réussi/);
  assert.equal(await page.locator('#pending-heures').innerText(), '2');
  await page.close();
});

test('a job’s buttons are disabled while it runs, its progress shown with its unit', { skip: SKIP }, async () => {
  world.sandbox.faults.add([{ route: 'GET /api/timeSlotManagement/allUsers', fault: 'latency', latencyMs: 600, rate: 1 }]);
  const page = await open();
  try {
    await page.locator('button[data-job="recup-heures"]:not([data-dry])').click();
    assert.equal(await page.locator('button[data-job="recup-heures"][data-dry]').isDisabled(), true, 'its dry run too');
    assert.equal(await page.locator('button[data-job="transfer"]').first().isDisabled(), false, 'other jobs stay available');
    await page
      .locator('[data-progress="recup-heures"]')
      .filter({ hasText: /en cours : \d+ %/ })
      .waitFor({ timeout: 15_000 });
    await page
      .locator('#result')
      .filter({ hasText: /recup-heures : réussi/ })
      .waitFor({ timeout: 30_000 });
    await page.locator('button[data-job="recup-heures"]:not([data-dry]):enabled').waitFor({ timeout: 10_000 });
  } finally {
    world.sandbox.faults.clear();
    await page.close();
  }
});

test(
  'runs say why: an interrupted run its reason, a skipped turn does not hide the real last run, all reads French',
  { skip: SKIP },
  async () => {
    const finished = async (runId: string, job: string, status: 'interrupted' | 'succeeded' | 'skipped', message?: string) => {
      await insertRun(world.db, { runId, job, parentRunId: null, trigger: 'timer', dryRun: false, status: 'running' });
      await finishRun(world.db, runId, {
        status,
        counts: { read: 1, created: 0, updated: 0, deleted: 0, unchanged: 1, failed: 0, held: 0 },
        errors: [],
        message,
      });
    };
    await finished(
      '00000000-0000-4000-8000-00000000a001',
      'heures-to-sqlserver',
      'interrupted',
      'Exécution interrompue (processus arrêté avant la fin).',
    );
    await finished('00000000-0000-4000-8000-00000000a002', 'update-code-projet', 'succeeded');
    await finished(
      '00000000-0000-4000-8000-00000000a003',
      'update-code-projet',
      'skipped',
      'Le job « update-code-projet » est déjà en cours.',
    );
    const page = await open();
    const runs = await page.locator('#runs').innerText();
    assert.match(runs, /heures-to-sqlserver\s+interrompu[\s\S]*processus arrêté avant la fin/);
    assert.match(runs, /update-code-projet\s+réussi/);
    assert.doesNotMatch(runs, /update-code-projet\s+ignoré/);
    const jobs = await page.locator('#jobs').innerText();
    assert.doesNotMatch(jobs, /Lancer all|Lancer [a-z-]+/, 'a button reads « Lancer », the job is named beside it in French');
    assert.match(jobs, /Tout \(chantiers puis heures\) all/);
    await page.close();
  },
);

test('an audit that cannot run says « Audit impossible : » and why', { skip: SKIP }, async () => {
  // No Batigest settings behind this server: the audit cannot read SuiviMO.
  const bare = await startFunctionsServer(handlersFor(new Services(world.env)));
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${bare.url}/api/dashboard?code=${TEST_KEY}`);
    await page.locator('#audit-run').click();
    await page.locator('#audit-summary.error').waitFor({ timeout: 15_000 });
    assert.match(await page.locator('#audit-summary').innerText(), /^Audit impossible : .*BATIGEST_SQL_SERVER manquant/);
  } finally {
    await page.close();
    await bare.close();
  }
});

test('at 800 px nothing is cut off: no horizontal scroll, the runs table and the pictures within the window', { skip: SKIP }, async () => {
  const page = await open(800);
  const widths = (await page.evaluate(`(() => {
    const right = (sel) => Math.max(0, ...[...document.querySelectorAll(sel)].map((el) => el.getBoundingClientRect().right));
    return { page: document.documentElement.scrollWidth, runs: right('#runs table'), charts: right('svg.chart'), held: right('#held-section table') };
  })()`)) as Record<string, number>;
  for (const [what, width] of Object.entries(widths)) assert.ok(width <= 800, `${what} reaches ${width} px`);
  await mkdir(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, 'dashboard-800.png'), fullPage: true });
  await page.close();
});

test('several companies: a picker, and a bad company answered as a page to a browser', { skip: SKIP }, async () => {
  const several = handlersFor(new Services({ ...world.env, COMPANIES: 'default,beta' }, { staging: world.db }));
  const multi = await startFunctionsServer(several);
  const page = await browser!.newPage({ viewport: { width: 1000, height: 900 } });
  try {
    await page.goto(`${multi.url}/api/dashboard?code=${TEST_KEY}`);
    assert.match(await page.locator('body').innerText(), /Plusieurs sociétés sont configurées : choisissez/);
    assert.deepEqual(await page.locator('#company-picker option:not([disabled])').allInnerTexts(), ['default', 'beta']);
    await page.locator('#company-picker').selectOption('default');
    await page.waitForURL(/company=default/);
    assert.match(await page.locator('body').innerText(), /société default/);
    assert.equal(await page.locator('#company-picker').inputValue(), 'default');
    assert.ok(new URL(page.url()).searchParams.get('code'), 'the token is kept');

    const bad = await page.goto(`${multi.url}/api/dashboard?code=${TEST_KEY}&company=zzz`);
    assert.equal(bad?.status(), 400);
    assert.match(String(bad?.headers()['content-type']), /^text\/html/);
    assert.match(await page.locator('#dashboard-error').innerText(), /Société inconnue « zzz »/);
    assert.equal(await page.locator('#company-picker').count(), 1, 'the picker leads to a good one');
  } finally {
    await page.close();
    await multi.close();
    await several.directory.close();
  }
});

test('the guide is one link away, and every code of the page is explained there', { skip: SKIP }, async () => {
  const page = await open();
  await page.locator('#guide-link').click();
  await page.waitForURL(/\/api\/guide/);
  assert.match(await page.title(), /guide de l’intégrateur/);
  assert.match(await page.locator('body').innerText(), /SALARIE_INCONNU/);
  await page.close();
});

test(
  'the picture of the hours: per week, exported, waiting and held, the figures and the screenshot matching the audit',
  { skip: SKIP },
  async () => {
    await world.empty();
    batigest.salaries = [{ code: 'DUPJ', nom: 'DUPONT Jean', codeBs: USER_DUPONT }];
    batigest.chantiers = [chantier('CH001')];
    batigest.suiviMo = [];
    // Two weeks apart: 8 h and 6 h exported, 3 h held (a salarié Batigest does not know), then 2 h validated after the export.
    world.sandbox.state.load({
      timeSlots: [
        slot(601, daysAgo(10), 480),
        slot(602, daysAgo(3), 360),
        slot(603, daysAgo(3, '14:00:00'), 180, { user: { id: USER_UNKNOWN, firstName: 'Inconnu', lastName: 'X' } }),
      ],
    });
    await runJob(services, 'all', { trigger: 'cli' });
    world.sandbox.state.timeSlots.set('604', slot(604, daysAgo(2), 120));
    await runJob(services, 'recup-heures', { trigger: 'cli' });
    const audit = await runAudit(services);
    const hoursOf = (kind: string) => audit.findings.filter((f) => f.kind === kind).reduce((n, f) => n + (f.heuresBatisimply ?? 0), 0);
    const expected = { exported: audit.summary.heures.batigest, waiting: hoursOf('HEURE_EN_ATTENTE'), held: hoursOf('HEURE_RETENUE') };
    assert.deepEqual(expected, { exported: 14, waiting: 2, held: 3 }, 'the scenario, as the audit sees it');

    const page = await open(800);
    const figure = async (series: string) =>
      Number(await page.locator(`#hours-total [data-series="${series}"]`).getAttribute('data-hours'));
    for (const [series, hours] of Object.entries(expected)) assert.equal(await figure(series), hours, series);
    assert.equal(await figure('total'), audit.summary.heures.batisimply, 'the window’s validated hours are the audit’s');
    // The audit run from the page says the same total.
    await page.locator('#audit-run').click();
    await page
      .locator('#audit-summary')
      .filter({ hasText: /Heures validées BatiSimply/ })
      .waitFor({ timeout: 20_000 });
    assert.match(
      await page.locator('#audit-summary').innerText(),
      new RegExp(`Heures validées BatiSimply ${audit.summary.heures.batisimply} h`),
    );

    // What is drawn: on a screenshot of the picture, each series' colour covers an area in proportion to its hours.
    const chart = page.locator('#hours-chart');
    await mkdir(OUTPUT, { recursive: true });
    const png = await chart.screenshot({ path: path.join(OUTPUT, 'hours-chart.png') });
    const pixels = (await page.evaluate(
      `(async ({ data, colors }) => {
      // A blob, not a data: URL, which the page's content security policy refuses.
      const bytes = Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0));
      const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = document.createElement('canvas');
      canvas.width = img.width; canvas.height = img.height;
      const g = canvas.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, img.width, img.height).data;
      const rgb = colors.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
      const counts = colors.map(() => 0);
      for (let i = 0; i < d.length; i += 4)
        rgb.forEach((c, k) => { if (Math.abs(d[i] - c[0]) + Math.abs(d[i + 1] - c[1]) + Math.abs(d[i + 2] - c[2]) < 12) counts[k]++; });
      return counts;
    })(${JSON.stringify({ data: png.toString('base64'), colors: HOUR_SERIES.map((s) => s.color) })})`,
    )) as number[];
    const perHour = pixels.map((n, i) => n / expected[HOUR_SERIES[i]!.key]);
    for (const ratio of perHour) assert.ok(ratio > 0, `every series is drawn: ${pixels.join(', ')}`);
    const mean = perHour.reduce((a, b) => a + b, 0) / perHour.length;
    for (const [i, ratio] of perHour.entries())
      assert.ok(
        Math.abs(ratio / mean - 1) < 0.15,
        `${HOUR_SERIES[i]!.key}: ${pixels[i]} px for ${expected[HOUR_SERIES[i]!.key]} h (${perHour.join(', ')})`,
      );
    // Print keeps the pictures and drops the buttons.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#jobs').isVisible(), false);
    assert.equal(await chart.isVisible(), true);
    await page.close();
  },
);
