/**
 * BatiSimply answering wrong, through the sandbox's real HTTP server (its faults bend the answers
 * the way a paging bug or a gateway does): each stops nothing it should not, and says what it saw.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { Services } from '../../../src/lib/services.js';
import { insertRun, finishRun } from '../../../src/lib/staging/runs.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import type { SandboxProject } from '../../../src/sandbox/state.js';
import { useWorld } from '../../support/fixture.js';
import { daysAgo, slot } from '../../support/slots.js';
import { emptyCounts } from '../../../src/lib/domain/runs.js';

const PROJECTS: SandboxProject[] = Array.from({ length: 250 }, (_, i) => ({
  id: i + 1,
  projectCode: `P${String(i + 1).padStart(4, '0')}`,
  projectName: `Projet ${i + 1}`,
}));

const world = useWorld({
  sandbox: { seed: { projects: PROJECTS } },
  stagingInEnv: true,
  env: { BATISIMPLY_PAGE_SIZE: '100' },
  services: (w) => new Services(w.env),
});
beforeEach(() => world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Chantier 1', false)`));

const push = async () => (await runJob(world.services, 'transfer-batisimply', { trigger: 'cli' })).report as RunReport;
const codes = (list: { code: string }[] | undefined) => (list ?? []).map((e) => e.code);
const listRequests = () => world.sandbox.stats.get('GET /api/project') ?? 0;

test('a server ignoring the paging (every page the whole list): the read stops at the repeat, the run fails once with BATISIMPLY_PAGES_REPETEES', async () => {
  world.sandbox.faults.add([{ route: 'GET /api/project', fault: 'repeat-page' }]);
  const before = listRequests();
  const report = await push();
  assert.equal(report.status, 'failed');
  assert.deepEqual(codes(report.errors), ['BATISIMPLY_PAGES_REPETEES']);
  assert.match(report.errors[0]!.message, /même page de projets \(page 1 identique à la page 0, 250 projets\)/);
  assert.equal(listRequests() - before, 2, 'two pages read, not forever');
  assert.equal(world.sandbox.state.projects.size, 250, 'nothing created');
});

test('one project listed on two pages, the list unmoved: told apart from a moving list, the chantier is created, PROJET_REPETE said', async () => {
  world.sandbox.faults.add([{ route: 'GET /api/project', fault: 'repeat-item' }]);
  const report = await push();
  assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
  assert.equal(report.counts.created, 1);
  assert.deepEqual(codes(report.warnings), ['PROJET_REPETE']);
  assert.match(report.warnings![0]!.message, /5 projet\(s\) deux fois \(n° 50, 100, 150, 200, 250\)/);
});

test('a list that moved while it was read: LISTE_INSTABLE, nothing created', async () => {
  world.sandbox.faults.add([{ route: 'GET /api/project', fault: 'moving-list' }]);
  const report = await push();
  assert.deepEqual(codes(report.errors), ['LISTE_INSTABLE']);
  assert.equal(report.counts.created, 0);
  assert.equal(codes(report.warnings).includes('LISTE_INSTABLE_PERSISTANTE'), false, 'once is not lasting');
});

test('a list moving on three runs in a row: the third report says LISTE_INSTABLE_PERSISTANTE', async () => {
  world.sandbox.faults.add([{ route: 'GET /api/project', fault: 'moving-list' }]);
  await push();
  await push();
  const third = await push();
  assert.deepEqual(codes(third.errors), ['LISTE_INSTABLE']);
  assert.deepEqual(codes(third.warnings), ['LISTE_INSTABLE_PERSISTANTE']);
  assert.match(third.warnings![0]!.message, /depuis 3 exécutions de suite/);
});

test('a steady run between two moving ones breaks the streak', async () => {
  for (const [n, code] of [
    [1, 'LISTE_INSTABLE'],
    [2, 'OK'],
    [3, 'LISTE_INSTABLE'],
  ] as const) {
    const runId = `00000000-0000-4000-8000-00000000000${n}`;
    await insertRun(world.db, { runId, job: 'transfer-batisimply', parentRunId: null, trigger: 'timer', dryRun: false, status: 'running' });
    await finishRun(world.db, runId, {
      status: 'partial',
      counts: emptyCounts(),
      errors: code === 'OK' ? [] : [{ key: 'CH9', code, message: 'm' }],
    });
    await world.db.query(`UPDATE connecteur_runs SET started_at = now() - make_interval(mins => $2) WHERE run_id = $1`, [runId, 10 - n]);
  }
  world.sandbox.faults.add([{ route: 'GET /api/project', fault: 'moving-list' }]);
  const report = await push();
  assert.equal(codes(report.warnings).includes('LISTE_INSTABLE_PERSISTANTE'), false);
});

test('a project list without `elements`: the failure names the missing field', async () => {
  world.sandbox.faults.add([{ route: 'GET /api/project', fault: 'no-elements' }]);
  const report = await push();
  assert.equal(report.counts.created, 0);
  assert.match(report.errors[0]!.message, /elements : champ « elements » manquant/);
});

test('a slot on 30 February: that slot refused as CRENEAU_INVALIDE naming startDate, the others staged, the run partial', async () => {
  world.sandbox.state.load({
    projects: PROJECTS,
    timeSlots: [slot(501, daysAgo(3, '06:00:00'), 60), slot(502, daysAgo(3, '09:00:00'), 90)],
  });
  world.sandbox.faults.add([{ route: 'GET /api/timeSlotManagement/allUsers', fault: 'impossible-date' }]);
  const report = (await runJob(world.services, 'recup-heures', { trigger: 'cli' })).report as RunReport;
  assert.equal(report.status, 'partial', JSON.stringify(report.errors));
  const refused = report.errors.filter((e) => e.code === 'CRENEAU_INVALIDE');
  assert.equal(refused.length, 1);
  assert.match(refused[0]!.message, /startDate/);
  assert.match(refused[0]!.message, /date impossible \(\d{4}-02-30\)/);
  const { rows } = await world.db.query<{ id_heure: string }>('SELECT id_heure FROM batigest_heures ORDER BY id_heure');
  assert.equal(rows.length, 1);
});
