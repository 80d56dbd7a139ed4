import assert from 'node:assert/strict';
import { test } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import type { AuditReport } from '../../../src/lib/audit/types.js';
import { Services } from '../../../src/lib/services.js';
import { connecteur } from '../../support/cli.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { handlersFor, type TestHandlers } from '../../support/handlers.js';
import { useWorld } from '../../support/fixture.js';

const { HttpRequest } = functions;
let h: TestHandlers;
const batigest = new MemoryBatigest();
const world = useWorld({ stagingInEnv: true, resetEach: false });

world.setup(async () => {
  h = handlersFor(new Services(world.env, { staging: world.db, batigest }));
  batigest.suiviMo = [{ codeChantier: 'CH001', codeSalarie: 'DUPJ', date: '2026-10-05T08:00', nbh0: 3, trajet: 0, panier: 0 }];
});

const get = async (query: string) =>
  (await h.auditHandler(new HttpRequest({ method: 'GET', url: `http://localhost/api/audit?${query}` }))) as HttpResponseInit;

test('GET /api/audit answers the report as JSON', async () => {
  const res = await get('from=2026-10-01&to=2026-11-01');
  assert.equal(res.status, 200);
  const report = res.jsonBody as AuditReport;
  assert.deepEqual(report.window, { from: '2026-10-01', to: '2026-11-01', timeZone: 'Europe/Paris' });
  assert.equal(report.findings[0]?.kind, 'SAISIE_MAIN');
  assert.equal(report.summary.heures.inexpliquees, 0);
});

test('?format=csv answers a CSV a French spreadsheet opens', async () => {
  const res = await get('from=2026-10-01&to=2026-11-01&format=csv');
  assert.equal(res.status, 200);
  assert.match(String((res.headers as Record<string, string>)['content-type']), /^text\/csv/);
  assert.match(String(res.body), /^\uFEFFtype;libelle;cle;/);
  assert.match(String(res.body), /SAISIE_MAIN;saisies à la main dans SuiviMO;CH001\|DUPJ\|2026-10-05T08:00/);
});

test('?company= names the company audited; an unknown one is a 400', async () => {
  assert.equal((await get('from=2026-10-01&to=2026-11-01&company=default')).status, 200);
  const unknown = await get('from=2026-10-01&to=2026-11-01&company=inconnue');
  assert.equal(unknown.status, 400);
  assert.match(String((unknown.jsonBody as { message: string }).message), /inconnue/);
});

test('a bad date or format is a 400 with a French message', async () => {
  assert.equal((await get('from=2026-13-45')).status, 400);
  // The route's own words: a query parameter, not the CLI's option.
  assert.match(String(((await get('from=yesterday')).jsonBody as { message: string }).message), /^Paramètre from invalide/);
  assert.doesNotMatch(String(((await get('from=yesterday')).jsonBody as { message: string }).message), /--from/);
  // A day that does not exist is refused, not read as 2 March.
  const february = await get('from=2026-02-30&to=2026-03-05');
  assert.equal(february.status, 400);
  assert.match(String((february.jsonBody as { message: string }).message), /« 2026-02-30 »/);
  assert.equal((await get('from=2026-11-01&to=2026-10-01')).status, 400);
  assert.equal((await get('format=xml')).status, 400);
});

test('connecteur audit: --json with --csv is a usage error, exit 2', async () => {
  const r = await connecteur(['audit', '--json', '--csv'], world.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /s’excluent/);
});

test('connecteur audit without Batigest settings names them, exit 2', async () => {
  const r = await connecteur(['audit'], world.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /BATIGEST_SQL_SERVER manquant/);
});

test('the dashboard has an audit section that runs on demand', async () => {
  const res = (await h.dashboardHandler(new HttpRequest({ method: 'GET', url: 'http://localhost/api/dashboard' }))) as HttpResponseInit;
  const html = String(res.body);
  assert.match(html, /<h2>Audit Batigest ⇄ BatiSimply<\/h2>/);
  assert.match(html, /<button id="audit-run">Lancer l'audit<\/button>/);
  assert.match(html, /url\('audit'\)/);
  assert.doesNotMatch(html, /Heures inexpliquées : \d/, 'not run on page load');
});
