/**
 * The hours half of the audit on hand-made inputs (no database, no sandbox): each rule's finding,
 * the hours it carries and where, and the totals they explain, hours moved by hand included.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { slotFields } from '../../../src/lib/batisimply/slotFields.js';
import type { TimeSlot } from '../../../src/lib/batisimply/schemas.js';
import { auditHours } from '../../../src/lib/audit/hours.js';
import type { AuditInputs } from '../../../src/lib/audit/read.js';
import { auditTotals } from '../../../src/lib/audit/totals.js';
import type { Finding } from '../../../src/lib/audit/types.js';
import { holdAction } from '../../../src/lib/domain/holds.js';
import type { SuiviMoRow } from '../../../src/lib/domain/suiviMo.js';
import type { AuditStagedSlot } from '../../../src/lib/staging/audit.js';

const DUPONT = '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c';
const MARTIN = '1f0e2d3c-4b5a-4697-8887-766554433221';
const SALARIES = [
  { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: DUPONT },
  { code: 'MART', nom: 'MARTIN Paul', codeBs: MARTIN },
];

function timeSlot(id: number, o: { start?: string; minutes?: number; user?: string; code?: string; status?: string } = {}): TimeSlot {
  const start = o.start ?? '2026-03-02T08:00:00Z';
  const minutes = o.minutes ?? 240;
  return {
    id: String(id),
    startDate: start,
    endDate: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
    user: { id: o.user ?? DUPONT, firstName: 'Jean', lastName: o.user === MARTIN ? 'MARTIN' : 'DUPONT' },
    project: { id: o.code === 'CH002' ? 2 : 1, projectCode: o.code ?? 'CH001' },
    managementStatus: o.status ?? 'VALIDATED',
    totalTimeMinutes: minutes,
    hasPackedLunch: false,
    hasHomeToWorkJourney: false,
  };
}

/** The row the connector writes for a slot (UTC wall clock, DUPJ or MART). */
function rowOf(s: TimeSlot): SuiviMoRow {
  return {
    codeChantier: s.project!.projectCode!,
    codeSalarie: s.user.id === MARTIN ? 'MART' : 'DUPJ',
    date: s.startDate.slice(0, 16),
    nbh0: s.totalTimeMinutes / 60,
    trajet: 0,
    panier: 0,
  };
}

/** The slot staged as read, exported, with the ledger naming `written` (default: its row). */
function staged(s: TimeSlot, o: Partial<AuditStagedSlot> & { written?: SuiviMoRow | null } = {}): AuditStagedSlot {
  const f = slotFields(s, 'UTC');
  const { written = rowOf(s), ...rest } = o;
  return {
    idHeure: f.idHeure,
    dateDebut: f.dateDebut,
    dateFin: f.dateFin,
    idUtilisateur: f.idUtilisateur,
    idProjet: f.idProjet,
    projectCodeInSlot: f.projectCodeInSlot,
    codeProjet: f.projectCodeInSlot,
    status: f.status,
    totalHeure: f.totalHeure,
    panier: f.panier,
    trajet: f.trajet,
    userName: f.userName,
    deleted: false,
    staged: true,
    sync: true,
    heldCode: null,
    heldReason: null,
    updatedAt: '2026-03-02T12:00:00Z',
    ledger: written ? { ...written, idUtilisateur: null } : null,
    intent: false,
    intentTarget: null,
    ...rest,
  };
}

function inputs(slots: TimeSlot[], stagedSlots: AuditStagedSlot[], suiviMo: SuiviMoRow[]): AuditInputs {
  return {
    window: { from: '2026-03-01', to: '2026-04-01', timeZone: 'UTC' },
    batigest: { chantiers: [], salaries: SALARIES, suiviMo },
    staging: { chantiers: [], slots: stagedSlots },
    batisimply: { projects: [], slots },
    etats: undefined,
  };
}

function audit(slots: TimeSlot[], stagedSlots: AuditStagedSlot[], suiviMo: SuiviMoRow[]) {
  const i = inputs(slots, stagedSlots, suiviMo);
  const { findings, buckets } = auditHours(i);
  return { findings, buckets, totals: auditTotals(i, findings, (id) => buckets.get(id)) };
}

const kinds = (findings: Finding[]) => findings.map((f) => `${f.kind} ${f.key}`);

describe('audit hours: rules and the hours they explain', () => {
  test('a slot whose row is as the connector wrote it: no finding, its hours in its bucket', () => {
    const s = timeSlot(1);
    const r = audit([s], [staged(s)], [rowOf(s)]);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.buckets.get('1'), { chantier: 'CH001', salarie: 'DUPJ', month: '2026-03' });
    assert.equal(r.totals.heures.inexpliquees, 0);
  });

  test('a row moved by hand to another salarié of the same chantier: both ends found, nothing unexplained', () => {
    const s = timeSlot(1);
    const moved = { ...rowOf(s), codeSalarie: 'MART' };
    const r = audit([s], [staged(s)], [moved]);
    assert.deepEqual(kinds(r.findings), ['LIGNE_SUPPRIMEE_A_LA_MAIN 1', 'SAISIE_MAIN CH001|MART|2026-03-02T08:00']);
    const [gone, hand] = r.findings as [Finding, Finding];
    assert.equal(gone.heuresBatisimply, 4);
    assert.equal(gone.heuresBatigest, 0);
    assert.deepEqual(gone.bucketBatisimply, { chantier: 'CH001', salarie: 'DUPJ', month: '2026-03' });
    assert.equal(gone.bucketBatigest, undefined);
    assert.deepEqual(gone.resend, { kind: 'heure', key: '1' });
    assert.match(gone.message, /Ligne SuiviMO CH001 \/ DUPJ \/ 2026-03-02 08:00 écrite par le connecteur pour le créneau 1 \(DUPJ, CH001/);
    assert.match(gone.action, /connecteur heures renvoyer 1/);
    assert.equal(hand.heuresBatigest, 4);
    assert.equal(hand.heuresBatisimply, 0);
    assert.deepEqual(hand.bucketBatigest, { chantier: 'CH001', salarie: 'MART', month: '2026-03' });
    assert.match(hand.message, /CH001 \/ MART \/ 2026-03-02 08:00 \(4 h\) saisie dans Batigest, sans créneau BatiSimply/);
    assert.deepEqual(r.totals.heures, { batisimply: 4, batigest: 4, difference: 0, expliquees: 0, inexpliquees: 0 });
    assert.deepEqual(
      r.totals.parSalarie.map((t) => [t.key, t.difference, t.expliquee]),
      [
        ['DUPJ', 4, 4],
        ['MART', -4, -4],
      ],
    );
  });

  test('a row moved by hand to another chantier of the same salarié: both ends found, nothing unexplained', () => {
    const s = timeSlot(1);
    const r = audit([s], [staged(s)], [{ ...rowOf(s), codeChantier: 'CH002' }]);
    assert.deepEqual(kinds(r.findings), ['LIGNE_SUPPRIMEE_A_LA_MAIN 1', 'SAISIE_MAIN CH002|DUPJ|2026-03-02T08:00']);
    assert.equal(r.totals.heures.inexpliquees, 0);
    assert.deepEqual(
      r.totals.parChantier.map((t) => [t.key, t.difference, t.expliquee]),
      [
        ['CH001', 4, 4],
        ['CH002', -4, -4],
      ],
    );
  });

  test('two slots whose rows were swapped between salariés by hand: four findings, nothing unexplained', () => {
    const a = timeSlot(1, { minutes: 240 });
    const b = timeSlot(2, { minutes: 120, user: MARTIN });
    const r = audit(
      [a, b],
      [staged(a), staged(b)],
      [
        { ...rowOf(a), codeSalarie: 'MART' },
        { ...rowOf(b), codeSalarie: 'DUPJ' },
      ],
    );
    // MART's row now stands at DUPJ's key with 2 h instead of 4: edited there, and the other way round.
    assert.deepEqual(kinds(r.findings), ['LIGNE_MODIFIEE_A_LA_MAIN 1', 'LIGNE_MODIFIEE_A_LA_MAIN 2']);
    assert.equal(r.totals.heures.inexpliquees, 0);
    assert.match(r.findings[0]!.message, /modifiée dans Batigest \(NbH0 2, le connecteur avait écrit 4\)/);
  });

  test('a slot not fetched yet, one changed since, one held, one waiting for export', () => {
    const fresh = timeSlot(1);
    const changed = timeSlot(2, { minutes: 60, start: '2026-03-03T08:00:00Z' });
    const held = timeSlot(3, { start: '2026-03-04T08:00:00Z', user: '99999999-9999-4999-8999-999999999999' });
    const waiting = timeSlot(4, { start: '2026-03-05T08:00:00Z' });
    const r = audit(
      [fresh, changed, held, waiting],
      [
        staged({ ...changed, totalTimeMinutes: 30 }, { written: null }),
        staged(held, { sync: false, heldCode: 'SALARIE_INCONNU', heldReason: 'Salarié introuvable : X', written: null }),
        staged(waiting, { sync: false, written: null }),
      ],
      [],
    );
    assert.deepEqual(kinds(r.findings), ['HEURE_NON_RECUPEREE 1', 'HEURE_A_RECUPERER 2', 'HEURE_RETENUE 3', 'HEURE_EN_ATTENTE 4']);
    const [f1, f2, f3, f4] = r.findings as [Finding, Finding, Finding, Finding];
    assert.match(f1.message, /^Créneau 1 \(DUPJ, CH001, 2026-03-02 08:00, 4 h\) validé dans BatiSimply, pas encore récupéré\.$/);
    assert.equal(f1.action, 'Lancez « connecteur run heures ».');
    assert.match(f2.message, /modifié dans BatiSimply depuis la dernière récupération/);
    assert.equal(
      f3.message,
      `Créneau 3 (DUPONT Jean (sans salarié Batigest), CH001, 2026-03-04 08:00, 4 h) retenu : Salarié introuvable : X`,
    );
    assert.equal(f3.action, holdAction('SALARIE_INCONNU'));
    assert.match(f4.message, /en attente d'export vers SuiviMO depuis 2026-03-02T12:00:00Z/);
    assert.equal(f4.action, 'Lancez « connecteur run heures-to-sqlserver ».');
    for (const f of r.findings) assert.equal(f.resend, undefined);
    assert.equal(r.totals.heures.batisimply, 13);
    assert.equal(r.totals.heures.expliquees, 13);
    assert.equal(r.totals.heures.inexpliquees, 0);
  });

  test('a slot exported with no ledger row is to be exported again', () => {
    const s = timeSlot(1);
    const r = audit([s], [staged(s, { written: null })], []);
    assert.deepEqual(kinds(r.findings), ['HEURE_SANS_LIGNE 1']);
    assert.deepEqual(r.findings[0]!.resend, { kind: 'heure', key: '1' });
    assert.match(r.findings[0]!.action, /^Réexportez-le : « connecteur heures renvoyer 1 »/);
  });

  test('a row whose slot moved since it was written no longer matches it', () => {
    const s = timeSlot(1);
    // Staged and the ledger as before the move; BatiSimply now has the slot an hour later, not fetched.
    const before = timeSlot(1, { start: '2026-03-02T07:00:00Z' });
    const st = staged(s, { written: rowOf(before) });
    const r = audit([s], [st], [rowOf(before)]);
    assert.deepEqual(kinds(r.findings), ['HEURE_EN_ATTENTE 1']);
    assert.match(r.findings[0]!.message, /la ligne SuiviMO CH001 \/ DUPJ \/ 2026-03-02 07:00 ne correspond plus au créneau/);
    assert.equal(r.totals.heures.inexpliquees, 0);
  });

  test('a slot no longer validated whose row stays: the row is to be removed, by the right run', () => {
    const s = timeSlot(1, { status: 'REFUSED' });
    const validatedBefore = timeSlot(1);
    const notFetched = audit([s], [staged(validatedBefore)], [rowOf(validatedBefore)]);
    assert.deepEqual(kinds(notFetched.findings), ['LIGNE_CRENEAU_NON_VALIDE 1']);
    const f = notFetched.findings[0]!;
    assert.equal(f.heuresBatisimply, 0);
    assert.equal(f.heuresBatigest, 4);
    assert.match(f.message, /\(4 h\) écrite par le connecteur pour le créneau 1, qui n'est plus validé \(REFUSED\)/);
    assert.equal(f.action, 'Lancez « connecteur run heures » : la ligne sera retirée.');
    assert.equal(notFetched.totals.heures.inexpliquees, 0);
    assert.equal(notFetched.totals.heures.expliquees, -4);

    const fetched = audit([s], [staged(s, { sync: false, written: rowOf(validatedBefore) })], [rowOf(validatedBefore)]);
    assert.equal(fetched.findings[0]!.action, 'Lancez « connecteur run heures-to-sqlserver » : la ligne sera retirée.');
    const heldThere = audit(
      [s],
      [staged(s, { sync: false, heldCode: 'SALARIE_AMBIGU', written: rowOf(validatedBefore) })],
      [rowOf(validatedBefore)],
    );
    assert.equal(heldThere.findings[0]!.action, holdAction('SALARIE_AMBIGU'));
    // Not validated and no row: nothing to say.
    assert.deepEqual(audit([s], [staged(s, { written: null })], []).findings, []);
  });

  test('ledger rows of slots BatiSimply no longer returns', () => {
    const gone = timeSlot(7);
    const row = rowOf(gone);
    const notSeen = audit([], [staged(gone)], [row]);
    assert.deepEqual(kinds(notSeen.findings), ['LIGNE_SANS_CRENEAU CH001|DUPJ|2026-03-02T08:00']);
    const f = notSeen.findings[0]!;
    assert.equal(f.action, 'Lancez « connecteur run heures » : la disparition du créneau sera notée et sa ligne retirée.');
    assert.match(f.message, /pour le créneau 7, qui n'existe plus dans BatiSimply\.$/);
    assert.deepEqual([f.chantier, f.salarie, f.date, f.heuresBatisimply, f.heuresBatigest], ['CH001', 'DUPJ', '2026-03-02T08:00', 0, 4]);
    assert.equal(notSeen.totals.heures.inexpliquees, 0);

    const noted = audit([], [staged(gone, { deleted: true })], [row]);
    assert.equal(noted.findings[0]!.action, 'Lancez « connecteur run heures-to-sqlserver » : la ligne sera retirée.');
    const held = audit([], [staged(gone, { deleted: true, heldCode: 'SALARIE_AMBIGU', heldReason: 'deux salariés' })], [row]);
    assert.equal(held.findings[0]!.action, holdAction('SALARIE_AMBIGU'));
    assert.match(held.findings[0]!.message, /qui n'existe plus dans BatiSimply ; retenue : deux salariés\.$/);
    // Its row already gone: nothing to say.
    assert.deepEqual(audit([], [staged(gone)], []).findings, []);
  });

  test('a hand entry at the key a slot will be written at is told apart from other hand entries', () => {
    const s = timeSlot(1);
    const r = audit([s], [], [rowOf(s)]);
    assert.deepEqual(kinds(r.findings), ['HEURE_NON_RECUPEREE 1', 'SAISIE_MAIN_A_CLE_CONNECTEUR CH001|DUPJ|2026-03-02T08:00']);
    assert.match(r.findings[1]!.message, /saisie à la main, à la clé où le connecteur écrirait le créneau 1\./);
    assert.equal(r.totals.heures.inexpliquees, 0);
  });

  test('the ledger names the salarié by BatiSimply id when its code was not known then', () => {
    const s = timeSlot(1);
    const st = staged(s);
    st.ledger = { ...st.ledger!, codeSalarie: null, idUtilisateur: DUPONT };
    assert.deepEqual(audit([s], [st], [rowOf(s)]).findings, []);
    st.ledger = { ...st.ledger, idUtilisateur: null };
    assert.deepEqual(kinds(audit([s], [st], [rowOf(s)]).findings), [
      'HEURE_SANS_LIGNE 1',
      'SAISIE_MAIN_A_CLE_CONNECTEUR CH001|DUPJ|2026-03-02T08:00',
    ]);
  });

  test('after a crash, the row at the unconfirmed write’s target belongs to the slot', () => {
    const s = timeSlot(1);
    const r = audit([s], [staged(s, { written: null, intent: true, intentTarget: rowOf(s) })], [rowOf(s)]);
    // Pending (the next export settles it), and the row is its, not a hand entry at the connector's key.
    assert.deepEqual(kinds(r.findings), ['HEURE_EN_ATTENTE 1']);
    assert.deepEqual(r.findings[0]!.bucketBatigest, { chantier: 'CH001', salarie: 'DUPJ', month: '2026-03' });
    assert.equal(r.totals.heures.inexpliquees, 0);
  });

  test('each finding’s action, in French', () => {
    const s = timeSlot(1);
    const changed = audit([s], [staged({ ...s, totalTimeMinutes: 30 }, { written: null })], [])!.findings[0]!;
    assert.equal(changed.action, 'Lancez « connecteur run heures ».');
    const noRow = audit([s], [staged(s, { written: null })], []).findings[0]!;
    assert.equal(noRow.message, 'Créneau 1 (DUPJ, CH001, 2026-03-02 08:00, 4 h) noté exporté, sans ligne SuiviMO connue du connecteur.');
    const edited = audit([s], [staged(s)], [{ ...rowOf(s), nbh0: 5 }]).findings[0]!;
    assert.equal(edited.action, 'Gardez la modification si elle est voulue ; sinon remettez la valeur du connecteur dans Batigest.');
    const before = timeSlot(1, { start: '2026-03-02T07:00:00Z' });
    const moved = audit([s], [staged(s, { written: rowOf(before) })], [rowOf(before)]).findings[0]!;
    assert.equal(moved.action, 'Lancez « connecteur run heures ».');
    const atKey = audit([s], [], [rowOf(s)]).findings[1]!;
    assert.equal(
      atKey.action,
      'Si elle fait double emploi avec le créneau, supprimez-la dans Batigest, puis lancez « connecteur run heures » ; sinon déplacez-la d’une minute.',
    );
    const hand = audit([], [], [rowOf(s)]).findings[0]!;
    assert.equal(hand.action, 'Rien à faire si la saisie est voulue ; sinon supprimez-la dans Batigest.');
    const since = audit([s], [staged(s, { sync: false, written: null, updatedAt: null })], []).findings[0]!;
    assert.match(since.message, /en attente d'export vers SuiviMO depuis \?\.$/);
  });

  test('a slot no longer validated and changed since it was fetched: the next fetch removes its row', () => {
    const refused = timeSlot(1, { status: 'REFUSED' });
    const validatedBefore = timeSlot(1);
    // Staged as validated and not exported yet, but BatiSimply has changed it since: heures comes first.
    const r = audit([refused], [staged(validatedBefore, { sync: false })], [rowOf(validatedBefore)]);
    assert.equal(r.findings[0]!.action, 'Lancez « connecteur run heures » : la ligne sera retirée.');
    // Only a ledger entry, the slot itself not staged: heures too.
    const ledgerOnly = audit(
      [refused],
      [staged(refused, { staged: false, sync: false, written: rowOf(validatedBefore) })],
      [rowOf(validatedBefore)],
    );
    assert.equal(ledgerOnly.findings[0]!.action, 'Lancez « connecteur run heures » : la ligne sera retirée.');
  });

  test('a slot’s chantier from the project list when the slot carries no code, else unresolved', () => {
    const s = { ...timeSlot(1), project: { id: 2, projectCode: null } };
    const i = inputs([s], [], []);
    i.batisimply.projects = [
      { id: 2, projectCode: ' CH002 ' },
      { id: 3, projectCode: null },
    ] as AuditInputs['batisimply']['projects'];
    const { findings } = auditHours(i);
    assert.equal(findings[0]!.chantier, 'CH002');
    assert.match(findings[0]!.message, /^Créneau 1 \(DUPJ, CH002, /);
    const none = auditHours(inputs([{ ...timeSlot(1), project: { id: 3, projectCode: null } }], [], [])).findings[0]!;
    assert.equal(none.chantier, '(non résolu)');
  });
});
