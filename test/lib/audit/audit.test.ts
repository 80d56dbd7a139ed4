import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAudit } from '../../../src/lib/audit/runAudit.js';
import { formatAuditCsv, formatAuditText } from '../../../src/lib/audit/format.js';
import type { AuditReport, FindingKind } from '../../../src/lib/audit/types.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { daysAgo, slot, USER_MARTIN, USER_UNKNOWN } from '../../support/slots.js';
import { useWorld } from '../../support/fixture.js';

// One state, built once in the before hook, that every test audits.
const world = useWorld({ env: { CHANTIERS_ETATS: 'E' }, resetEach: false });
let services: Services;
const batigest = new MemoryBatigest();
let report: AuditReport;
let writesBefore: number;

const martin = { id: USER_MARTIN, firstName: 'Paul', lastName: 'MARTIN' };
const key = (code: string, salarie: string, instant: string) => {
  // Europe/Paris wall clock of a "…T06:00:00Z" slot start: 07:00 or 08:00 depending on DST.
  const wall = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' }).format(
    new Date(instant),
  );
  return { codeChantier: code, codeSalarie: salarie, date: wall.replace(' ', 'T') };
};

world.setup(async () => {
  services = new Services(world.env, { staging: world.db, batigest });
  batigest.salaries = [
    { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c' },
    { code: 'MART', nom: 'MARTIN Paul', codeBs: USER_MARTIN },
  ];
  batigest.chantiers = ['CH001', 'CH002', 'CH007', 'CH008', 'CH009'].map((c) => chantier(c)).concat(chantier('CH003', { etat: 'T' }));
  const slots = [
    slot(101, daysAgo(3), 240),
    slot(102, daysAgo(3, '12:00:00'), 120),
    slot(103, daysAgo(4), 180, { project: { id: 2, projectCode: 'CH002' } }),
    slot(104, daysAgo(4), 60, { user: martin }),
    slot(105, daysAgo(5), 90, { user: martin, project: { id: 2, projectCode: 'CH002' } }),
    slot(106, daysAgo(5), 30, { user: { id: USER_UNKNOWN, firstName: 'Inconnu', lastName: 'X' } }),
  ];
  world.sandbox.state.load({ timeSlots: slots });
  await runJob(services, 'all', { trigger: 'cli' });

  // Chantiers: one arrives after the transfer, one is deleted, fields edited in BatiSimply, a
  // project made there directly, a duplicate, a project deleted there, one pending, one failed.
  batigest.chantiers.push(chantier('CH004'));
  batigest.chantiers = batigest.chantiers.filter((c) => c.code !== 'CH008');
  const byCode = (code: string) => [...world.sandbox.state.projects.values()].find((p) => p.projectCode === code)!;
  byCode('CH007').customerName = 'Changé dans BatiSimply';
  world.sandbox.state.createProject({ projectCode: 'XX01', projectName: 'Fait dans BatiSimply' });
  world.sandbox.state.createProject({ projectCode: 'CH002', projectName: 'Doublon' });
  world.sandbox.state.projects.delete(byCode('CH009').id);
  batigest.chantiers.push(chantier('CH005'), chantier('CH006'));
  await world.db
    .query(`INSERT INTO batigest_chantiers (code, description, nom_client, date_debut, date_fin, adr_chantier, cp_chantier, ville_chantier, etat, total_mo, sync, last_error)
    SELECT code, 'Chantier ' || code, 'Client', '2026-03-01', '2026-06-30', '1 rue de la Paix', '34000', 'Montpellier', 'E', 120, false, e
    FROM (VALUES ('CH005', NULL), ('CH006', 'headQuarter.id inconnu')) AS v(code, e)`);

  // SuiviMO: a connector row edited by hand, one deleted by hand, a hand entry elsewhere.
  const row102 = batigest.suiviMo.find((r) => r.nbh0 === 2)!;
  row102.nbh0 = 2.5;
  batigest.suiviMo = batigest.suiviMo.filter((r) => r.codeChantier !== 'CH002' || r.codeSalarie !== 'DUPJ');
  batigest.suiviMo.push({ ...key('CH001', 'MART', daysAgo(6)), nbh0: 7, trajet: 0, panier: 0 });

  // Hours: one fetched but not exported; then, unseen by the connector: a slot deleted, one
  // un-validated, a new one, and a new one whose key already holds a hand entry.
  world.sandbox.state.timeSlots.set('108', slot(108, daysAgo(2), 45));
  await runJob(services, 'recup-heures', { trigger: 'cli' });
  world.sandbox.state.timeSlots.delete('104');
  world.sandbox.state.timeSlots.set('105', { ...world.sandbox.state.timeSlots.get('105')!, managementStatus: 'REFUSED' });
  world.sandbox.state.timeSlots.set('107', slot(107, daysAgo(1), 60));
  world.sandbox.state.timeSlots.set('109', slot(109, daysAgo(7), 60, { user: martin, project: { id: 2, projectCode: 'CH002' } }));
  batigest.suiviMo.push({ ...key('CH002', 'MART', daysAgo(7)), nbh0: 1, trajet: 0, panier: 0 });

  world.sandbox.stats.clear();
  batigest.reads.suiviMoBetween = 0;
  writesBefore = batigest.commits;
  report = await runAudit(services);
});

world.teardown(() => services.close());

const found = (kind: FindingKind) => report.findings.filter((f) => f.kind === kind);

test('each planted difference is found once, with an explanation and an action', () => {
  const expected: [FindingKind, string][] = [
    ['CHANTIER_FILTRE_ETAT', 'CH003'],
    ['CHANTIER_NON_TRANSFERE', 'CH004'],
    ['CHANTIER_EN_ATTENTE', 'CH005'],
    ['CHANTIER_EN_ECHEC', 'CH006'],
    ['CHAMPS_DIFFERENTS', 'CH007'],
    ['CHANTIER_FIN_EN_ATTENTE', 'CH008'],
    ['PROJET_DISPARU', 'CH009'],
    ['PROJET_SANS_CHANTIER', 'XX01'],
    ['PROJET_EN_DOUBLE', 'CH002'],
    ['LIGNE_MODIFIEE_A_LA_MAIN', '102'],
    ['LIGNE_SUPPRIMEE_A_LA_MAIN', '103'],
    ['LIGNE_SANS_CRENEAU', 'CH001|MART|'],
    ['LIGNE_CRENEAU_NON_VALIDE', '105'],
    ['HEURE_RETENUE', '106'],
    ['HEURE_NON_RECUPEREE', '107'],
    ['HEURE_EN_ATTENTE', '108'],
    ['HEURE_NON_RECUPEREE', '109'],
    ['SAISIE_MAIN_A_CLE_CONNECTEUR', 'CH002|MART|'],
    ['SAISIE_MAIN', 'CH001|MART|'],
  ];
  for (const [kind, key] of expected) {
    const hits = found(kind).filter((f) => f.key.startsWith(key));
    assert.ok(hits.length >= 1, `${kind} ${key} missing: ${JSON.stringify(report.findings.map((f) => `${f.kind} ${f.key}`))}`);
    for (const f of hits) assert.ok(f.message.length > 20 && f.action.length > 10, `${kind}: ${f.message} / ${f.action}`);
  }
  assert.equal(report.findings.length, expected.length, JSON.stringify(report.findings.map((f) => `${f.kind} ${f.key}`)));
  assert.equal(
    report.findings.some((f) => f.key === '101'),
    false,
    'the slot that agrees is no difference',
  );
});

test('explanations name the cause in French', () => {
  assert.match(found('CHANTIER_FILTRE_ETAT')[0]!.message, /Etat « T » n'est pas dans CHANTIERS_ETATS \(E\)/);
  assert.match(found('CHANTIER_EN_ECHEC')[0]!.message, /headQuarter\.id inconnu/);
  assert.match(found('CHAMPS_DIFFERENTS')[0]!.message, /customerName : Batigest « Client », BatiSimply « Changé dans BatiSimply »/);
  assert.match(found('HEURE_RETENUE')[0]!.message, /Salarié introuvable/);
  assert.match(found('HEURE_RETENUE')[0]!.action, /CodeBS/);
  assert.match(found('LIGNE_MODIFIEE_A_LA_MAIN')[0]!.message, /NbH0 2\.5, le connecteur avait écrit 2/);
  assert.match(found('SAISIE_MAIN_A_CLE_CONNECTEUR')[0]!.message, /créneau 109/);
});

test('totals on both sides; every hour of difference is explained', () => {
  const h = report.summary.heures;
  // BatiSimply validated: 101 4h, 102 2h, 103 3h, 106 0.5h, 107 1h, 108 0.75h, 109 1h.
  assert.equal(h.batisimply, 12.25);
  // SuiviMO: 101 4h, 102 2.5h, 104 1h, 105 1.5h, hand 7h, hand 1h.
  assert.equal(h.batigest, 17);
  assert.equal(h.difference, -4.75);
  assert.equal(h.expliquees, -4.75);
  assert.equal(h.inexpliquees, 0);
  const ch001 = report.totals.parChantier.filter((r) => r.key === 'CH001');
  assert.ok(ch001.length >= 1 && ch001.every((r) => Math.abs(r.difference - r.expliquee) < 0.01));
  assert.ok(report.totals.parSalarie.some((r) => r.key === 'MART'));
});

test('each system is read once, in the jobs’ batches, and nothing is written', () => {
  assert.equal(batigest.reads.suiviMoBetween, 1);
  assert.equal(batigest.commits, writesBefore);
  // 36 days (HEURES_WINDOW_DAYS and today) + a day each side, in 7-day chunks.
  assert.equal(world.sandbox.count('GET /api/timeSlotManagement/allUsers'), Math.ceil(38 / 7));
  assert.equal(world.sandbox.count('POST /api/project') + world.sandbox.count('PUT /api/project'), 0);
});

test('text, CSV', () => {
  const text = formatAuditText(report);
  assert.match(text, /Heures inexpliquées : 0/);
  assert.match(text, /→ Lancez « connecteur run heures »/);
  const csv = formatAuditCsv(report).split('\r\n');
  assert.equal(csv[0], 'type;libelle;cle;chantier;salarie;date;heures_batisimply;heures_batigest;explication;action');
  assert.equal(csv.length, report.findings.length + 2);
});
