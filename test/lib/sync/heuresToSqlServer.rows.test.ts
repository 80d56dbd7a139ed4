/**
 * The SuiviMO row a staged slot asks for, or the hold that stops it, decided without a database:
 * one case per rule of `desiredRow`, with the operator's reason spelled out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Salarie } from '../../../src/lib/domain/salarie.js';
import type { PendingSlot } from '../../../src/lib/domain/slots.js';
import { desiredRow } from '../../../src/lib/domain/suiviMoDecision.js';
import { hoursOf } from '../../../src/lib/domain/suiviMo.js';

const USER = '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c';
const DUPJ: Salarie = { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: USER };
const salaries = new Map<string, Salarie[]>([[USER, [DUPJ]]]);

const pending = (overrides: Partial<PendingSlot> = {}): PendingSlot => ({
  idHeure: '1',
  revision: 1,
  dateDebut: '2024-03-04T06:00',
  idUtilisateur: USER,
  idProjet: 1,
  codeProjet: 'CH001',
  status: 'VALIDATED',
  totalHeure: 90,
  panier: false,
  trajet: false,
  userName: 'DUPONT Jean',
  deleted: false,
  ledger: null,
  ...overrides,
});

describe('hoursOf', () => {
  test('20 minutes: hours rounded to 4 decimals', () => assert.equal(hoursOf(20), 0.3333));
  test('1 minute', () => assert.equal(hoursOf(1), 0.0167));
  test('a whole day', () => assert.equal(hoursOf(1440), 24));
});

describe('desiredRow', () => {
  test('a validated slot: its row, with both allowances', () => {
    assert.deepEqual(desiredRow(pending({ trajet: true, panier: true }), salaries), {
      kind: 'row',
      row: { codeChantier: 'CH001', codeSalarie: 'DUPJ', date: '2024-03-04T06:00', nbh0: 1.5, trajet: 1, panier: 1 },
    });
  });

  test('a validated slot without allowances: 0 and 0', () => {
    assert.deepEqual(desiredRow(pending(), salaries), {
      kind: 'row',
      row: { codeChantier: 'CH001', codeSalarie: 'DUPJ', date: '2024-03-04T06:00', nbh0: 1.5, trajet: 0, panier: 0 },
    });
  });

  test('the travel allowance alone', () => {
    assert.deepEqual(desiredRow(pending({ trajet: true }), salaries), {
      kind: 'row',
      row: { codeChantier: 'CH001', codeSalarie: 'DUPJ', date: '2024-03-04T06:00', nbh0: 1.5, trajet: 1, panier: 0 },
    });
  });

  test('0 minutes is a row of 0 hours, not an incomplete slot', () => {
    assert.deepEqual(desiredRow(pending({ totalHeure: 0 }), salaries), {
      kind: 'row',
      row: { codeChantier: 'CH001', codeSalarie: 'DUPJ', date: '2024-03-04T06:00', nbh0: 0, trajet: 0, panier: 0 },
    });
  });

  test('a deleted slot, still validated: no row', () =>
    assert.deepEqual(desiredRow(pending({ deleted: true }), salaries), { kind: 'none' }));
  test('a pending slot: no row', () => assert.deepEqual(desiredRow(pending({ status: 'PENDING' }), salaries), { kind: 'none' }));
  test('a slot without status: no row', () => assert.deepEqual(desiredRow(pending({ status: null }), salaries), { kind: 'none' }));

  test('no project on the slot: held, the reason says so', () => {
    assert.deepEqual(desiredRow(pending({ idProjet: null, codeProjet: null }), salaries), {
      kind: 'hold',
      hold: { code: 'CHANTIER_NON_RESOLU', reason: 'Chantier non résolu : aucun projet sur le créneau.' },
    });
  });

  test('a project without a known code: held, the project named', () => {
    assert.deepEqual(desiredRow(pending({ idProjet: 7, codeProjet: null }), salaries), {
      kind: 'hold',
      hold: { code: 'CHANTIER_NON_RESOLU', reason: 'Chantier non résolu : projet BatiSimply 7 sans code chantier connu.' },
    });
  });

  test('a code of 8 characters (SuiviMO’s width) is written', () => {
    const desired = desiredRow(pending({ codeProjet: 'ABCDEFGH' }), salaries);
    assert.equal('row' in desired && desired.row?.codeChantier, 'ABCDEFGH');
  });

  test('a code of 9 characters: held, not cut', () => {
    assert.deepEqual(desiredRow(pending({ codeProjet: 'ABCDEFGHI' }), salaries), {
      kind: 'hold',
      hold: { code: 'CODE_CHANTIER_TROP_LONG', reason: 'Code chantier « ABCDEFGHI » trop long pour SuiviMO (8 caractères au plus).' },
    });
  });

  test('an unknown user: held, with the BatiSimply name', () => {
    assert.deepEqual(desiredRow(pending({ idUtilisateur: '99999999-9999-4999-8999-999999999999' }), salaries), {
      kind: 'hold',
      hold: {
        code: 'SALARIE_INCONNU',
        reason: 'Salarié introuvable : aucun Salarie.CodeBS = 99999999-9999-4999-8999-999999999999 (DUPONT Jean dans BatiSimply).',
      },
    });
  });

  test('an unknown user without a name: no empty parentheses', () => {
    assert.deepEqual(desiredRow(pending({ idUtilisateur: '99999999-9999-4999-8999-999999999999', userName: null }), salaries), {
      kind: 'hold',
      hold: { code: 'SALARIE_INCONNU', reason: 'Salarié introuvable : aucun Salarie.CodeBS = 99999999-9999-4999-8999-999999999999.' },
    });
  });

  test('a slot without user: held as unknown, "(vide)"', () => {
    assert.deepEqual(desiredRow(pending({ idUtilisateur: null, userName: null }), salaries), {
      kind: 'hold',
      hold: { code: 'SALARIE_INCONNU', reason: 'Salarié introuvable : aucun Salarie.CodeBS = (vide).' },
    });
  });

  test('two salariés with the same CodeBS: held, both named', () => {
    const twice = new Map<string, Salarie[]>([[USER, [DUPJ, { code: 'DUPJ2', nom: 'DUPONT Jean', codeBs: USER }]]]);
    assert.deepEqual(desiredRow(pending(), twice), {
      kind: 'hold',
      hold: { code: 'SALARIE_AMBIGU', reason: `Plusieurs salariés ont le CodeBS ${USER} : DUPJ, DUPJ2.` },
    });
  });

  test('no start date: held as incomplete', () => {
    assert.deepEqual(desiredRow(pending({ dateDebut: null }), salaries), {
      kind: 'hold',
      hold: { code: 'CRENEAU_INCOMPLET', reason: 'Créneau sans date de début ou sans durée.' },
    });
  });

  test('no duration: held as incomplete', () => {
    assert.deepEqual(desiredRow(pending({ totalHeure: null }), salaries), {
      kind: 'hold',
      hold: { code: 'CRENEAU_INCOMPLET', reason: 'Créneau sans date de début ou sans durée.' },
    });
  });
});
