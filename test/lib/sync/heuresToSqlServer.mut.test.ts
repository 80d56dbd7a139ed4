/**
 * heures-to-sqlserver's decisions from a known starting point: staged slots and ledger rows are
 * written straight into staging (no BatiSimply), so that every case, including an adopted row of
 * the earlier tool or an intent left by a crash, is set up exactly, and every expected SuiviMO
 * row, operation and ledger row is a literal.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SuiviMoTransaction } from '../../../src/lib/batigest/port.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import type { SuiviMoKey, SuiviMoOp, SuiviMoRow } from '../../../src/lib/domain/suiviMo.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

const USER_DUPONT = '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c';
const USER_MARTIN = '1f0e2d3c-4b5a-4697-8887-766554433221';
const USER_GONE = '99999999-9999-4999-8999-999999999999';

const keyOf = (k: SuiviMoKey): SuiviMoKey => ({ codeChantier: k.codeChantier, codeSalarie: k.codeSalarie, date: k.date });
const rowOf = (r: SuiviMoRow): SuiviMoRow => ({ ...keyOf(r), nbh0: r.nbh0, trajet: r.trajet, panier: r.panier });
/** An operation as the port's contract reads it: its kind as given, keys and values (the job may pass richer objects). */
const contractOf = (op: SuiviMoOp): SuiviMoOp =>
  'from' in op
    ? { kind: op.kind, from: keyOf(op.from), to: rowOf(op.to) }
    : op.kind === 'insert'
      ? { kind: op.kind, row: rowOf(op.row) }
      : { kind: op.kind, row: keyOf(op.row) };

/** The in-memory Batigest, keeping every operation applied to SuiviMO. */
class RecordingBatigest extends MemoryBatigest {
  applied: SuiviMoOp[] = [];

  override withSuiviMo<T>(fn: (tx: SuiviMoTransaction) => Promise<T>): Promise<T> {
    return super.withSuiviMo((tx) =>
      fn({
        read: (keys) => {
          // SQL Server binds each key's fields (a wall-clock date it must parse): a half-made key fails there, so here too.
          for (const k of keys) {
            if (typeof k.codeChantier !== 'string' || typeof k.codeSalarie !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(k.date)) {
              throw new Error(`SuiviMO : clé incomplète ${JSON.stringify(k)}`);
            }
          }
          return tx.read(keys);
        },
        apply: async (ops) => {
          this.applied.push(...ops.map(contractOf));
          await tx.apply(ops);
        },
      }),
    );
  }
}

let batigest: RecordingBatigest;

const world = useWorld({
  sandbox: false,
  services: () => {
    batigest = new RecordingBatigest();
    batigest.salaries = [
      { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: USER_DUPONT },
      { code: 'MARP', nom: 'MARTIN Paul', codeBs: USER_MARTIN },
    ];
    // Batches of two, so that three slots take two batches.
    return new Services({ HEURES_BATCH_SIZE: '2' }, { staging: world.db, batigest });
  },
});

interface StagedSlot {
  date?: string;
  user?: string | null;
  minutes?: number;
  code?: string | null;
  status?: string;
  trajet?: boolean;
  panier?: boolean;
  deleted?: boolean;
}

/** A slot staged as recup-heures and update-code-projet leave it, waiting for SuiviMO (sync = false). */
async function stage(id: string, s: StagedSlot = {}) {
  await world.db.query(
    `INSERT INTO batigest_heures (id_heure, date_debut, id_utilisateur, id_projet, code_projet, status_management, total_heure,
                                  panier, trajet, user_name, deleted_at, sync, revision)
     VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, 'DUPONT Jean', CASE WHEN $9::bool THEN now() END, false, 1)`,
    [
      id,
      s.date ?? '2024-03-04 06:00',
      s.user === undefined ? USER_DUPONT : s.user,
      s.code === undefined ? 'CH001' : s.code,
      s.status ?? 'VALIDATED',
      s.minutes ?? 60,
      s.panier ?? false,
      s.trajet ?? false,
      s.deleted ?? false,
    ],
  );
}

interface LedgerRow {
  row?: SuiviMoRow;
  /** An adopted row of the earlier tool: no salarié code, the BatiSimply user it was written for. */
  adoptedFor?: string;
  intent?: { target: SuiviMoRow | null };
}

async function ledger(id: string, l: LedgerRow) {
  await world.db.query(
    `INSERT INTO suivimo_ledger (id_heure, code_chantier, code_salarie, id_utilisateur, date, nbh0, trajet, panier, intent, adopted)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      id,
      l.row?.codeChantier ?? null,
      l.adoptedFor ? null : (l.row?.codeSalarie ?? null),
      l.adoptedFor ?? null,
      l.row ? l.row.date.replace('T', ' ') : null,
      l.row?.nbh0 ?? null,
      l.row?.trajet ?? null,
      l.row?.panier ?? null,
      l.intent ? JSON.stringify(l.intent) : null,
      !!l.adoptedFor,
    ],
  );
}

const ledgerRows = async () =>
  (
    await world.db.query<Record<string, unknown>>(
      `SELECT id_heure, code_chantier, code_salarie, to_char(date, 'YYYY-MM-DD"T"HH24:MI') AS date, nbh0::float8 AS nbh0, intent, adopted
       FROM suivimo_ledger ORDER BY id_heure`,
    )
  ).rows;
const slotState = async (id: string) =>
  (await world.db.query<Record<string, unknown>>('SELECT sync, held_code, held_reason FROM batigest_heures WHERE id_heure = $1', [id]))
    .rows[0];

const exportStep = async (onProgress?: (p: { done: number; total: number }) => void) =>
  (await runJob(world.services, 'heures-to-sqlserver', { trigger: 'cli', onProgress })).report as RunReport;

/** A SuiviMO row at 2024-03-04 06:00 unless told otherwise. */
const row = (codeSalarie: string, nbh0: number, date = '2024-03-04T06:00', codeChantier = 'CH001'): SuiviMoRow => ({
  codeChantier,
  codeSalarie,
  date,
  nbh0,
  trajet: 0,
  panier: 0,
});

describe('batches', () => {
  test('three slots in batches of two: all written, progress measured against the pending count', async () => {
    await stage('1', { date: '2024-03-04 06:00' });
    await stage('2', { date: '2024-03-04 08:00' });
    await stage('3', { date: '2024-03-04 10:00' });
    const progress: { done: number; total: number }[] = [];
    const report = await exportStep(({ done, total }) => progress.push({ done, total }));
    assert.deepEqual([report.counts.read, report.counts.created], [3, 3]);
    assert.deepEqual(progress, [
      { done: 2, total: 3 },
      { done: 3, total: 3 },
    ]);
    assert.deepEqual(batigest.applied, [
      { kind: 'insert', row: row('DUPJ', 1, '2024-03-04T06:00') },
      { kind: 'insert', row: row('DUPJ', 1, '2024-03-04T08:00') },
      { kind: 'insert', row: row('DUPJ', 1, '2024-03-04T10:00') },
    ]);
    assert.deepEqual(await slotState('3'), { sync: true, held_code: null, held_reason: null });
  });
});

describe('nothing to write', () => {
  test('a pending slot never exported: counted unchanged, nothing applied, marked synced', async () => {
    await stage('1', { status: 'PENDING' });
    const report = await exportStep();
    assert.deepEqual([report.counts.unchanged, report.counts.created], [1, 0]);
    assert.deepEqual(batigest.applied, []);
    assert.equal((await slotState('1'))?.sync, true);
  });

  test('a slot staged again with the values SuiviMO already holds: unchanged, no write', async () => {
    await stage('1', { minutes: 90 });
    await ledger('1', { row: row('DUPJ', 1.5) });
    batigest.suiviMo = [row('DUPJ', 1.5)];
    const report = await exportStep();
    assert.deepEqual([report.counts.unchanged, report.counts.updated], [1, 0]);
    assert.deepEqual(batigest.applied, []);
  });
});

describe('deletions', () => {
  test('a refused slot: its row deleted, counted, the ledger emptied', async () => {
    await stage('1', { status: 'REFUSED' });
    await ledger('1', { row: row('DUPJ', 1) });
    batigest.suiviMo = [row('DUPJ', 1)];
    const report = await exportStep();
    assert.equal(report.counts.deleted, 1);
    assert.deepEqual(batigest.applied, [{ kind: 'delete', row: keyOf(row('DUPJ', 1)) }]);
    assert.deepEqual(batigest.suiviMo, []);
    assert.deepEqual(await ledgerRows(), []);
  });

  test('our row removed by hand, then the slot refused: counted unchanged, the ledger emptied', async () => {
    await stage('1', { status: 'REFUSED' });
    await ledger('1', { row: row('DUPJ', 1) });
    const report = await exportStep();
    assert.deepEqual([report.counts.unchanged, report.counts.deleted, report.counts.held], [1, 0, 0]);
    assert.deepEqual(batigest.applied, []);
    assert.deepEqual(await ledgerRows(), []);
  });

  test('our row edited by hand, then the slot refused: held with its reason, the row kept', async () => {
    await stage('1', { status: 'REFUSED' });
    await ledger('1', { row: row('DUPJ', 1) });
    batigest.suiviMo = [row('DUPJ', 3)];
    const report = await exportStep();
    assert.deepEqual(report.errors, [
      {
        key: '1',
        code: 'CONFLIT_SUIVIMO',
        message: 'La ligne SuiviMO écrite pour ce créneau a été modifiée dans Batigest : suppression non faite.',
      },
    ]);
    assert.deepEqual(batigest.suiviMo, [row('DUPJ', 3)]);
  });

  test('our row duplicated by hand, then the slot refused: held, neither copy deleted', async () => {
    await stage('1', { status: 'REFUSED' });
    await ledger('1', { row: row('DUPJ', 1) });
    batigest.suiviMo = [row('DUPJ', 1), row('DUPJ', 1)];
    const report = await exportStep();
    assert.equal(report.errors[0]?.code, 'CONFLIT_SUIVIMO');
    assert.equal(batigest.suiviMo.length, 2);
  });
});

describe('updates that would overwrite someone else', () => {
  test('our row edited by hand, then the slot’s hours changed: held with its reason, the row kept', async () => {
    await stage('1', { minutes: 120 });
    await ledger('1', { row: row('DUPJ', 1) });
    batigest.suiviMo = [row('DUPJ', 3)];
    const report = await exportStep();
    assert.deepEqual(report.errors, [
      {
        key: '1',
        code: 'CONFLIT_SUIVIMO',
        message: 'La ligne SuiviMO écrite pour ce créneau a été modifiée ou supprimée dans Batigest : mise à jour non faite.',
      },
    ]);
    assert.deepEqual(batigest.applied, []);
    assert.deepEqual(batigest.suiviMo, [row('DUPJ', 3)]);
  });

  test('our row duplicated by hand, then the slot’s hours changed: held, not a failed run', async () => {
    await stage('1', { minutes: 120 });
    await ledger('1', { row: row('DUPJ', 1) });
    batigest.suiviMo = [row('DUPJ', 1), row('DUPJ', 1)];
    const report = await exportStep();
    assert.equal(report.status, 'partial');
    assert.equal(report.errors[0]?.code, 'CONFLIT_SUIVIMO');
  });

  test('a hand-entered row at the key: held, the reason names chantier, salarié and time', async () => {
    await stage('1');
    batigest.suiviMo = [row('DUPJ', 7)];
    const report = await exportStep();
    assert.deepEqual(report.errors, [
      {
        key: '1',
        code: 'CONFLIT_SUIVIMO',
        message: 'Une ligne SuiviMO existe déjà pour CH001 / DUPJ / 2024-03-04 06:00 (saisie à la main ?) : non écrasée.',
      },
    ]);
    assert.deepEqual(await slotState('1'), {
      sync: false,
      held_code: 'CONFLIT_SUIVIMO',
      held_reason: 'Une ligne SuiviMO existe déjà pour CH001 / DUPJ / 2024-03-04 06:00 (saisie à la main ?) : non écrasée.',
    });
  });

  test('a slot moving onto the key of another slot’s row, removed by hand: held, the key stays that slot’s', async () => {
    // Slot 1 still owns 06:00 (its row was removed by hand, so it is held); slot 2 moves from 08:00 to 06:00.
    await stage('1', { minutes: 120 });
    await ledger('1', { row: row('DUPJ', 1) });
    await stage('2', { date: '2024-03-04 06:00' });
    await ledger('2', { row: row('DUPJ', 1, '2024-03-04T08:00') });
    batigest.suiviMo = [row('DUPJ', 1, '2024-03-04T08:00')];
    const report = await exportStep();
    assert.deepEqual(
      report.errors.map((e) => [e.key, e.code]),
      [
        ['1', 'CONFLIT_SUIVIMO'],
        ['2', 'CONFLIT_SUIVIMO'],
      ],
    );
    assert.deepEqual(batigest.applied, []);
  });
});

describe('rows adopted from the earlier tool', () => {
  test('an adopted row is updated under the salarié found by its BatiSimply user', async () => {
    await stage('1', { minutes: 120 });
    await ledger('1', { row: row('', 1), adoptedFor: USER_DUPONT });
    batigest.suiviMo = [row('DUPJ', 1)];
    const report = await exportStep();
    assert.equal(report.counts.updated, 1);
    assert.deepEqual(batigest.applied, [{ kind: 'update', from: keyOf(row('DUPJ', 1)), to: row('DUPJ', 2) }]);
    assert.deepEqual(await ledgerRows(), [
      { id_heure: '1', code_chantier: 'CH001', code_salarie: 'DUPJ', date: '2024-03-04T06:00', nbh0: 2, intent: null, adopted: false },
    ]);
  });

  test('an adopted row whose user has no salarié: held, the ledger left as it is', async () => {
    await stage('1', { user: USER_GONE, minutes: 120 });
    await ledger('1', { row: row('', 1), adoptedFor: USER_GONE });
    batigest.suiviMo = [row('GONE', 1)];
    const report = await exportStep();
    assert.deepEqual(report.errors, [
      { key: '1', code: 'SALARIE_INCONNU', message: `Salarié de la ligne SuiviMO déjà écrite introuvable (CodeBS = ${USER_GONE}).` },
    ]);
    assert.deepEqual(batigest.applied, []);
    assert.deepEqual(await ledgerRows(), [
      { id_heure: '1', code_chantier: 'CH001', code_salarie: null, date: '2024-03-04T06:00', nbh0: 1, intent: null, adopted: true },
    ]);
  });

  test('an adopted row whose user matches two salariés: held', async () => {
    batigest.salaries.push({ code: 'DUPJ2', nom: 'DUPONT Jean', codeBs: USER_DUPONT });
    await stage('1', { user: USER_MARTIN, minutes: 120 });
    await ledger('1', { row: row('', 1), adoptedFor: USER_DUPONT });
    const report = await exportStep();
    assert.equal(report.errors[0]?.code, 'SALARIE_INCONNU');
    assert.deepEqual(batigest.applied, []);
  });

  test('an adopted row whose user has no salarié keeps the intent a crash left: nothing is forgotten', async () => {
    await stage('1', { user: USER_GONE, minutes: 120 });
    await ledger('1', { row: row('', 1), adoptedFor: USER_GONE, intent: { target: row('GONE', 2) } });
    const report = await exportStep();
    assert.equal(report.errors[0]?.code, 'SALARIE_INCONNU');
    const rows = await ledgerRows();
    assert.deepEqual(
      rows.map((r) => [r.code_salarie, r.intent, r.adopted]),
      [[null, { target: row('GONE', 2) }, true]],
    );
  });

  test('a slot held for another reason leaves its adopted row as it is', async () => {
    await stage('1', { code: 'TROPLONG01' });
    await ledger('1', { row: row('', 1), adoptedFor: USER_DUPONT });
    batigest.suiviMo = [row('DUPJ', 1)];
    const report = await exportStep();
    assert.equal(report.errors[0]?.code, 'CODE_CHANTIER_TROP_LONG');
    assert.deepEqual(await ledgerRows(), [
      { id_heure: '1', code_chantier: 'CH001', code_salarie: null, date: '2024-03-04T06:00', nbh0: 1, intent: null, adopted: true },
    ]);
  });
});

describe('held slots', () => {
  test('a held slot keeps its code and reason until it goes through', async () => {
    await stage('1', { user: USER_GONE });
    await exportStep();
    assert.deepEqual(await slotState('1'), {
      sync: false,
      held_code: 'SALARIE_INCONNU',
      held_reason: `Salarié introuvable : aucun Salarie.CodeBS = ${USER_GONE} (DUPONT Jean dans BatiSimply).`,
    });
    batigest.salaries.push({ code: 'GONE', nom: null, codeBs: USER_GONE });
    await exportStep();
    assert.deepEqual(await slotState('1'), { sync: true, held_code: null, held_reason: null });
  });
});

describe('writes a crash left unconfirmed', () => {
  test('an insert that reached SuiviMO: taken as done, not written twice', async () => {
    await stage('1');
    await ledger('1', { intent: { target: row('DUPJ', 1) } });
    batigest.suiviMo = [row('DUPJ', 1)];
    const report = await exportStep();
    assert.equal(report.counts.unchanged, 1);
    assert.deepEqual(batigest.applied, []);
    assert.deepEqual(await ledgerRows(), [
      { id_heure: '1', code_chantier: 'CH001', code_salarie: 'DUPJ', date: '2024-03-04T06:00', nbh0: 1, intent: null, adopted: false },
    ]);
  });

  test('an insert that did not reach SuiviMO: written now', async () => {
    await stage('1');
    await ledger('1', { intent: { target: row('DUPJ', 1) } });
    const report = await exportStep();
    assert.equal(report.counts.created, 1);
    assert.deepEqual(batigest.applied, [{ kind: 'insert', row: row('DUPJ', 1) }]);
  });

  test('a deletion that reached SuiviMO: nothing left to do, the ledger emptied', async () => {
    await stage('1', { status: 'REFUSED' });
    await ledger('1', { row: row('DUPJ', 1), intent: { target: null } });
    const report = await exportStep();
    assert.equal(report.counts.unchanged, 1);
    assert.deepEqual(batigest.applied, []);
    assert.deepEqual(await ledgerRows(), []);
  });

  test('a deletion that reached SuiviMO, then the slot validated again: the row is written again', async () => {
    await stage('1');
    await ledger('1', { row: row('DUPJ', 1), intent: { target: null } });
    const report = await exportStep();
    assert.equal(report.counts.created, 1);
    assert.deepEqual(batigest.applied, [{ kind: 'insert', row: row('DUPJ', 1) }]);
    assert.deepEqual(batigest.suiviMo, [row('DUPJ', 1)]);
  });

  test('a deletion that did not reach SuiviMO: done now', async () => {
    await stage('1', { status: 'REFUSED' });
    await ledger('1', { row: row('DUPJ', 1), intent: { target: null } });
    batigest.suiviMo = [row('DUPJ', 1)];
    await exportStep();
    assert.deepEqual(batigest.applied, [{ kind: 'delete', row: keyOf(row('DUPJ', 1)) }]);
  });

  test('an update at the same key that reached SuiviMO: taken as done', async () => {
    await stage('1', { minutes: 120 });
    await ledger('1', { row: row('DUPJ', 1), intent: { target: row('DUPJ', 2) } });
    batigest.suiviMo = [row('DUPJ', 2)];
    const report = await exportStep();
    assert.equal(report.counts.unchanged, 1);
    assert.deepEqual(batigest.applied, []);
  });

  test('an update that did not reach SuiviMO: done now', async () => {
    await stage('1', { minutes: 120 });
    await ledger('1', { row: row('DUPJ', 1), intent: { target: row('DUPJ', 2) } });
    batigest.suiviMo = [row('DUPJ', 1)];
    await exportStep();
    assert.deepEqual(batigest.applied, [{ kind: 'update', from: keyOf(row('DUPJ', 1)), to: row('DUPJ', 2) }]);
  });

  test('a key-moving update that reached SuiviMO: taken as done, the ledger at the new key', async () => {
    await stage('1', { date: '2024-03-04 08:00' });
    await ledger('1', { row: row('DUPJ', 1), intent: { target: row('DUPJ', 1, '2024-03-04T08:00') } });
    batigest.suiviMo = [row('DUPJ', 1, '2024-03-04T08:00')];
    const report = await exportStep();
    assert.equal(report.counts.unchanged, 1);
    assert.deepEqual(batigest.applied, []);
    assert.deepEqual(
      (await ledgerRows()).map((r) => r.date),
      ['2024-03-04T08:00'],
    );
  });
});
