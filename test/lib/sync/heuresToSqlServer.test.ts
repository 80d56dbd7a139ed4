import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SuiviMoTransaction } from '../../../src/lib/batigest/port.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { MemoryBatigest, type BatigestCrashPoint } from '../../support/memoryBatigest.js';
import { type SuiviMoKey, type SuiviMoOp, type SuiviMoRow, hoursOf } from '../../../src/lib/domain/suiviMo.js';
import { type RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';
import { type Salarie } from '../../../src/lib/domain/salarie.js';
import { type PendingSlot } from '../../../src/lib/domain/slots.js';
import { desiredRow } from '../../../src/lib/domain/suiviMoDecision.js';
import { type SandboxTimeSlot } from '../../../src/sandbox/state.js';
import { FaultyDb } from '../../support/faultyDb.js';
import { daysAgo, slot, USER_DUPONT, USER_MARTIN } from '../../support/slots.js';

/**
 * heures-to-sqlserver's decisions from a known starting point: staged slots and ledger rows are
 * written straight into staging (no BatiSimply), so that every case, including an adopted row of
 * the earlier tool or an intent left by a crash, is set up exactly, and every expected SuiviMO
 * row, operation and ledger row is a literal.
 */
describe("the export's decisions from a known starting point", () => {
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
});

/**
 * The SuiviMO row a staged slot asks for, or the hold that stops it, decided without a database:
 * one case per rule of `desiredRow`, with the operator's reason spelled out.
 */
describe('the SuiviMO row a staged slot asks for, or its hold', () => {
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
});

/**
 * The exactly-once property of heures-to-sqlserver: for every crash point of a SuiviMO write, and
 * for each kind of change in BatiSimply, run → crash → run again, then SuiviMO must equal the
 * ground truth: one row per VALIDATED live slot, with its values, and the hand-entered row intact.
 */
describe('exactly once across crashes', () => {
  type CrashPoint = { name: string; batigest?: BatigestCrashPoint; staging?: RegExp };

  const CRASH_POINTS: CrashPoint[] = [
    { name: 'SuiviMO read', batigest: 'read' },
    { name: 'intent recorded in staging', staging: /INSERT INTO suivimo_ledger \(id_heure, intent/ },
    { name: 'SuiviMO apply', batigest: 'apply' },
    { name: 'before the SQL Server commit', batigest: 'beforeCommit' },
    { name: 'after the SQL Server commit, before staging', batigest: 'afterCommit' },
    { name: 'ledger confirmation', staging: /INSERT INTO suivimo_ledger \(id_heure, code_chantier|DELETE FROM suivimo_ledger/ },
    { name: 'marking slots synced', staging: /SET sync = true/ },
  ];

  const HAND_ROW: SuiviMoRow = { codeChantier: 'CH999', codeSalarie: 'DUPJ', date: '2020-01-01T08:00', nbh0: 8, trajet: 0, panier: 0 };

  /** A SuiviMO row as a literal: slots are staged in UTC here, so the wall clock is the instant's first 16 characters. */
  const row = (codeChantier: string, codeSalarie: string, start: string, nbh0: number, trajet: 0 | 1, panier: 0 | 1): SuiviMoRow => ({
    codeChantier,
    codeSalarie,
    date: start.slice(0, 16),
    nbh0,
    trajet,
    panier,
  });

  /** The changes a slot goes through, each a state of BatiSimply with what SuiviMO must then hold besides the hand row. */
  function states(): { slots: SandboxTimeSlot[]; expected: SuiviMoRow[] }[] {
    const a = slot(1, daysAgo(6), 120, { project: { id: 1, projectCode: 'CH001' } });
    const b = slot(2, daysAgo(6, '12:00:00'), 60, { user: { id: USER_MARTIN }, hasPackedLunch: true });
    const c = slot(3, daysAgo(5), 30, { managementStatus: 'PENDING' });
    // Key changes; the end moves with the start (a slot ending before it starts is refused).
    const aMoved = { ...slot(1, daysAgo(4, '07:00:00'), 120), project: { id: 2, projectCode: 'CH002' } };
    const bLonger = { ...b, totalTimeMinutes: 75, hasHomeToWorkJourney: true }; // values change
    const cValid = { ...c, managementStatus: 'VALIDATED' };
    const aRefused = { ...aMoved, managementStatus: 'REFUSED' };
    const rowA = row('CH001', 'DUPJ', a.startDate, 2, 0, 0);
    const rowB = row('CH001', 'MARP', b.startDate, 1, 0, 1);
    const rowAMoved = row('CH002', 'DUPJ', aMoved.startDate, 2, 0, 0);
    const rowBLonger = row('CH001', 'MARP', b.startDate, 1.25, 1, 1);
    const rowC = row('CH001', 'DUPJ', c.startDate, 0.5, 0, 0);
    return [
      { slots: [a, b, c], expected: [rowA, rowB] }, // first export
      { slots: [aMoved, bLonger, cValid], expected: [rowAMoved, rowBLonger, rowC] }, // edits: key change, value change, validation
      { slots: [aRefused, cValid], expected: [rowC] }, // un-validation, deletion
      { slots: [{ ...aRefused, managementStatus: 'VALIDATED' }, bLonger, cValid], expected: [rowAMoved, rowBLonger, rowC] }, // re-validation, a deleted slot back
    ];
  }

  const sorted = (rows: SuiviMoRow[]) => [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));

  const world = useWorld({ env: { SYNC_TIMEZONE: 'UTC' } });

  describe('exactly once across crashes', () => {
    for (const point of CRASH_POINTS) {
      test(`crash at ${point.name}`, async () => {
        await world.empty();
        const batigest = new MemoryBatigest();
        batigest.salaries = [
          { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: USER_DUPONT },
          { code: 'MARP', nom: 'MARTIN Paul', codeBs: USER_MARTIN },
        ];
        batigest.suiviMo = [{ ...HAND_ROW }];
        const staging = new FaultyDb(world.db);
        const services = new Services(world.env, { staging, batigest });
        try {
          for (const [i, { slots, expected }] of states().entries()) {
            world.sandbox.state.load({ timeSlots: slots });
            await runJob(services, 'recup-heures', { trigger: 'cli' });

            batigest.crashAt = point.batigest;
            staging.failOn = point.staging;
            const crashed = (await runJob(services, 'heures-to-sqlserver', { trigger: 'cli' })).report as RunReport;
            assert.equal(crashed.status, 'failed', `state ${i}: the crash happened`);
            assert.equal(batigest.crashAt ?? staging.failOn, undefined);

            const recovered = (await runJob(services, 'heures-to-sqlserver', { trigger: 'cli' })).report as RunReport;
            assert.equal(recovered.status, 'succeeded', `state ${i}: ${JSON.stringify(recovered.errors)}`);
            assert.deepEqual(sorted(batigest.suiviMo), sorted([HAND_ROW, ...expected]), `state ${i}`);

            // Nothing left to do: a third run changes nothing.
            const commits = batigest.commits;
            const idle = (await runJob(services, 'heures-to-sqlserver', { trigger: 'cli' })).report as RunReport;
            assert.equal(idle.counts.read, 0);
            assert.equal(batigest.commits, commits);
          }
        } finally {
          await services.close();
        }
      });
    }
  });
});
