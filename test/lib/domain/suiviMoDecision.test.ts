/**
 * The exactly-once decision, as a table: for each case, what the ledger says was written, what
 * SuiviMO holds, what the slot should hold, and the one decision that follows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { salariesByCodeBs } from '../../../src/lib/domain/salarie.js';
import type { PendingSlot } from '../../../src/lib/domain/slots.js';
import { rowsByKey, suiviMoKeyId, type SuiviMoRow } from '../../../src/lib/domain/suiviMo.js';
import { decide, desiredRow, keysOf, planSlot, writtenRow, type Decision, type SlotPlan } from '../../../src/lib/domain/suiviMoDecision.js';

const USER = '3f2b8c1e-0000-4000-8000-000000000001';
const salaries = salariesByCodeBs([
  { code: 'S01', nom: 'Durand', codeBs: USER },
  { code: 'S02', nom: 'Martin', codeBs: 'twice' },
  { code: 'S03', nom: 'Petit', codeBs: 'twice' },
]);

const row = (over: Partial<SuiviMoRow> = {}): SuiviMoRow => ({
  codeChantier: 'CH001',
  codeSalarie: 'S01',
  date: '2026-03-02T08:00',
  nbh0: 7.5,
  trajet: 1,
  panier: 0,
  ...over,
});

const slot = (over: Partial<PendingSlot> = {}): PendingSlot => ({
  idHeure: '12',
  revision: 1,
  dateDebut: '2026-03-02T08:00',
  idUtilisateur: USER,
  idProjet: 7,
  codeProjet: 'CH001',
  status: 'VALIDATED',
  totalHeure: 450,
  panier: false,
  trajet: true,
  userName: 'Durand Jean',
  deleted: false,
  ledger: null,
  ...over,
});

const WANT = row();
const OLD = row({ date: '2026-03-02T07:00' });
const EDITED = row({ nbh0: 8 });

describe('desiredRow', () => {
  const cases: [string, Partial<PendingSlot>, string][] = [
    ['a validated, resolved slot: its row', {}, 'row'],
    ['deleted in BatiSimply: none', { deleted: true }, 'none'],
    ['not validated: none', { status: 'PENDING' }, 'none'],
    ['no chantier code: CHANTIER_NON_RESOLU', { codeProjet: null }, 'CHANTIER_NON_RESOLU'],
    ['a 9-character code: CODE_CHANTIER_TROP_LONG', { codeProjet: 'CH0000001' }, 'CODE_CHANTIER_TROP_LONG'],
    ['no salarié with this CodeBS: SALARIE_INCONNU', { idUtilisateur: 'nobody' }, 'SALARIE_INCONNU'],
    ['no user at all: SALARIE_INCONNU', { idUtilisateur: null }, 'SALARIE_INCONNU'],
    ['two salariés with this CodeBS: SALARIE_AMBIGU', { idUtilisateur: 'twice' }, 'SALARIE_AMBIGU'],
    ['no start: CRENEAU_INCOMPLET', { dateDebut: null }, 'CRENEAU_INCOMPLET'],
    ['no duration: CRENEAU_INCOMPLET', { totalHeure: null }, 'CRENEAU_INCOMPLET'],
  ];
  for (const [name, over, expected] of cases) {
    test(name, () => {
      const d = desiredRow(slot(over), salaries);
      assert.equal(d.kind === 'hold' ? d.hold.code : d.kind, expected);
    });
  }

  test('the row: NbH0 in decimal hours, allowances as counts, the salarié found by CodeBS', () => {
    assert.deepEqual(desiredRow(slot({ totalHeure: 455, panier: true, trajet: false }), salaries), {
      kind: 'row',
      row: row({ nbh0: 7.5833, panier: 1, trajet: 0 }),
    });
  });
});

describe('writtenRow', () => {
  test("a row of the earlier tool (no salarié code) is named through its user's CodeBS", () => {
    const confirmed = { ...WANT, codeSalarie: null, idUtilisateur: USER };
    assert.deepEqual(writtenRow(slot({ ledger: { confirmed, intent: null } }), salaries), {
      kind: 'known',
      row: { ...WANT, idUtilisateur: USER },
      intent: null,
    });
  });

  test('its user matching no single salarié: unresolved, held SALARIE_INCONNU', () => {
    const confirmed = { ...WANT, codeSalarie: null, idUtilisateur: 'twice' };
    const w = writtenRow(slot({ ledger: { confirmed, intent: null } }), salaries);
    assert.equal(w.kind === 'unresolved' && w.hold.code, 'SALARIE_INCONNU');
  });
});

describe('decide', () => {
  const want = { kind: 'row', row: WANT } as const;
  const none = { kind: 'none' } as const;
  const known = (r: SuiviMoRow | null, target?: SuiviMoRow | null): SlotPlan['written'] => ({
    kind: 'known',
    row: r,
    intent: target === undefined ? null : { target },
  });
  /** [case, desired, written, SuiviMo's rows, keys claimed earlier in the batch, expected decision] */
  const table: [string, SlotPlan['desired'], SlotPlan['written'], SuiviMoRow[], string[], Decision][] = [
    [
      'new slot, free key: insert',
      want,
      known(null),
      [],
      [],
      { kind: 'write', final: WANT, op: { kind: 'insert', row: WANT }, count: 'created' },
    ],
    ['written and unchanged: nothing', want, known(WANT), [WANT], [], { kind: 'unchanged', final: WANT }],
    [
      'edited hours: update in place',
      { kind: 'row', row: EDITED },
      known(WANT),
      [WANT],
      [],
      { kind: 'write', final: EDITED, op: { kind: 'update', from: WANT, to: EDITED }, count: 'updated' },
    ],
    [
      'moved start: update to the new key',
      want,
      known(OLD),
      [OLD],
      [],
      { kind: 'write', final: WANT, op: { kind: 'update', from: OLD, to: WANT }, count: 'updated' },
    ],
    [
      'no longer validated: delete',
      none,
      known(WANT),
      [WANT],
      [],
      { kind: 'write', final: null, op: { kind: 'delete', row: WANT }, count: 'deleted' },
    ],
    ['nothing wanted, nothing written: nothing', none, known(null), [], [], { kind: 'unchanged', final: null }],
    ['to delete, already removed by hand: nothing', none, known(WANT), [], [], { kind: 'unchanged', final: null }],
    [
      'to delete, edited by hand: held',
      none,
      known(WANT),
      [EDITED],
      [],
      {
        kind: 'hold',
        final: WANT,
        hold: {
          code: 'CONFLIT_SUIVIMO',
          reason: 'La ligne SuiviMO écrite pour ce créneau a été modifiée dans Batigest : suppression non faite.',
        },
        settlesLedger: false,
      },
    ],
    [
      'to update, removed by hand: held',
      { kind: 'row', row: EDITED },
      known(WANT),
      [],
      [],
      {
        kind: 'hold',
        final: WANT,
        hold: {
          code: 'CONFLIT_SUIVIMO',
          reason: 'La ligne SuiviMO écrite pour ce créneau a été modifiée ou supprimée dans Batigest : mise à jour non faite.',
        },
        settlesLedger: false,
      },
    ],
    [
      'new slot, a hand entry at its key: held, never overwritten',
      want,
      known(null),
      [EDITED],
      [],
      {
        kind: 'hold',
        final: null,
        hold: {
          code: 'CONFLIT_SUIVIMO',
          reason: 'Une ligne SuiviMO existe déjà pour CH001 / S01 / 2026-03-02 08:00 (saisie à la main ?) : non écrasée.',
        },
        settlesLedger: false,
      },
    ],
    [
      'new slot, its key taken by an earlier slot of the batch: held',
      want,
      known(null),
      [],
      [suiviMoKeyId(WANT)],
      {
        kind: 'hold',
        final: null,
        hold: {
          code: 'CONFLIT_SUIVIMO',
          reason: 'Une ligne SuiviMO existe déjà pour CH001 / S01 / 2026-03-02 08:00 (saisie à la main ?) : non écrasée.',
        },
        settlesLedger: false,
      },
    ],
    [
      'crash after an insert reached SuiviMO: the intent is settled, nothing written again',
      want,
      known(null, WANT),
      [WANT],
      [],
      { kind: 'unchanged', final: WANT },
    ],
    [
      'crash before an insert reached SuiviMO: written now',
      want,
      known(null, WANT),
      [],
      [],
      { kind: 'write', final: WANT, op: { kind: 'insert', row: WANT }, count: 'created' },
    ],
    ['crash after a move reached SuiviMO: settled at the new key', want, known(OLD, WANT), [WANT], [], { kind: 'unchanged', final: WANT }],
    ['crash after a delete reached SuiviMO: settled, nothing left', none, known(WANT, null), [], [], { kind: 'unchanged', final: null }],
    [
      'held for its salarié, with an intent pending: the intent is settled all the same',
      { kind: 'hold', hold: { code: 'SALARIE_INCONNU', reason: 'x' } },
      known(null, WANT),
      [WANT],
      [],
      { kind: 'hold', final: WANT, hold: { code: 'SALARIE_INCONNU', reason: 'x' }, settlesLedger: true },
    ],
    [
      "the ledger's salarié unknown: held, the ledger left as it is",
      want,
      { kind: 'unresolved', hold: { code: 'SALARIE_INCONNU', reason: 'y' } },
      [WANT],
      [],
      { kind: 'hold', final: null, hold: { code: 'SALARIE_INCONNU', reason: 'y' }, settlesLedger: false },
    ],
  ];
  for (const [name, desired, written, rows, claimedBefore, expected] of table) {
    test(name, () => {
      const claimed = new Set(claimedBefore);
      assert.deepEqual(decide({ desired, written }, rowsByKey(rows), claimed), expected);
    });
  }

  test('the key a slot ends up holding is claimed, so a second slot of the batch cannot take it', () => {
    const claimed = new Set<string>();
    const plan = planSlot(slot(), salaries);
    assert.equal(decide(plan, rowsByKey([]), claimed).kind, 'write');
    assert.deepEqual([...claimed], [suiviMoKeyId(WANT)]);
    assert.equal(decide(plan, rowsByKey([]), claimed).kind, 'hold');
  });

  test('keysOf: the wanted row, the written row and a pending write target are all read', () => {
    const plan: SlotPlan = { desired: want, written: known(OLD, row({ date: '2026-03-02T09:00' })) };
    assert.deepEqual(keysOf(plan).map(suiviMoKeyId), [
      'CH001|S01|2026-03-02T08:00',
      'CH001|S01|2026-03-02T07:00',
      'CH001|S01|2026-03-02T09:00',
    ]);
  });
});
