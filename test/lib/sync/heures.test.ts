import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { toWallClock } from '../../../src/lib/time.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { daysAgo, lastSundayOf, slot, USER_DUPONT, USER_MARTIN, USER_UNKNOWN } from '../../support/slots.js';
import { type ChainReport, type RunReport } from '../../../src/lib/domain/runs.js';
import { type StepJobName } from '../../../src/lib/sync/registry.js';
import { useWorld } from '../../support/fixture.js';
import { type SuiviMoTransaction } from '../../../src/lib/batigest/port.js';
import { type SuiviMoRow } from '../../../src/lib/domain/suiviMo.js';

describe('the heures chain through the sandbox and the Batigest port', () => {
  let batigest: MemoryBatigest;

  const world = useWorld({
    env: { HEURES_WINDOW_DAYS: '366', HEURES_CHUNK_DAYS: '31' },
    services: () => {
      batigest = new MemoryBatigest();
      batigest.salaries = [
        { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: USER_DUPONT },
        { code: 'MARP', nom: 'MARTIN Paul', codeBs: USER_MARTIN },
        { code: 'SANSBS', nom: 'DURAND Luc', codeBs: null },
      ];
      return new Services(world.env, { staging: world.db, batigest });
    },
  });

  const run = async (job: StepJobName | 'heures') => (await runJob(world.services, job, { trigger: 'cli' })).report;
  const staged = async (id: string) =>
    (
      await world.db.query<Record<string, unknown>>(
        `SELECT date_debut::text, date_fin::text, total_heure, code_projet, sync, deleted_at IS NOT NULL AS deleted, panier, trajet
       FROM batigest_heures WHERE id_heure = $1`,
        [id],
      )
    ).rows[0];
  const setSlots = (...slots: ReturnType<typeof slot>[]) => world.sandbox.state.load({ timeSlots: slots });

  describe('recup-heures', () => {
    test('slots across the last Sunday of March: wall clock jumps from 02:00 to 03:00', async () => {
      const day = lastSundayOf(3);
      setSlots(slot(1, `${day}T00:30:00Z`, 120), slot(2, `${day}T01:30:00Z`, 60));
      await run('recup-heures');
      assert.deepEqual(await staged('1'), {
        date_debut: `${day} 01:30:00`,
        date_fin: `${day} 04:30:00`,
        total_heure: 120,
        code_projet: 'CH001',
        sync: false,
        deleted: false,
        panier: false,
        trajet: false,
      });
      assert.equal((await staged('2'))?.date_debut, `${day} 03:30:00`);
    });

    test('slots across the last Sunday of October: 02:30 happens twice', async () => {
      const day = lastSundayOf(10);
      setSlots(slot(1, `${day}T00:30:00Z`, 60), slot(2, `${day}T01:30:00Z`, 60));
      await run('recup-heures');
      assert.equal((await staged('1'))?.date_debut, `${day} 02:30:00`);
      assert.equal((await staged('2'))?.date_debut, `${day} 02:30:00`);
      assert.equal((await staged('1'))?.date_fin, `${day} 02:30:00`);
    });

    test('23:30 UTC belongs to the next local day', async () => {
      const start = daysAgo(10, '23:30:00');
      setSlots(slot(1, start, 60));
      await run('recup-heures');
      const next = new Date(Date.parse(start) + 86_400_000).toISOString().slice(0, 10);
      assert.match(String((await staged('1'))?.date_debut), new RegExp(`^${next} 0[01]:30:00$`));
    });

    test('seconds jitter is rounded to the minute', async () => {
      setSlots(slot(1, daysAgo(5, '06:00:01'), 60), slot(2, daysAgo(5, '05:59:57'), 60));
      await run('recup-heures');
      assert.equal((await staged('1'))?.date_debut, (await staged('2'))?.date_debut);
      assert.match(String((await staged('1'))?.date_debut), /0[78]:00:00$/);
    });

    test('0 and 1,440 minutes are staged as they are', async () => {
      setSlots(slot(1, daysAgo(5), 0), slot(2, daysAgo(4), 1440));
      await run('recup-heures');
      assert.equal((await staged('1'))?.total_heure, 0);
      assert.equal((await staged('2'))?.total_heure, 1440);
    });

    test('an edit that does not reach SuiviMO leaves sync alone; one that does resets it', async () => {
      setSlots(slot(1, daysAgo(5), 60));
      await run('recup-heures');
      await world.db.query('UPDATE batigest_heures SET sync = true');
      world.sandbox.state.timeSlots.get('1')!.user.firstName = 'Jean-Pierre';
      const report = (await run('recup-heures')) as RunReport;
      assert.equal(report.counts.updated, 1);
      assert.equal((await staged('1'))?.sync, true);
      world.sandbox.state.timeSlots.get('1')!.totalTimeMinutes = 90;
      await run('recup-heures');
      assert.equal((await staged('1'))?.sync, false);
    });

    test('a slot that disappears is marked deleted; one that comes back is restored', async () => {
      setSlots(slot(1, daysAgo(5), 60), slot(2, daysAgo(5, '12:00:00'), 60));
      await run('recup-heures');
      await world.db.query('UPDATE batigest_heures SET sync = true');
      const saved = world.sandbox.state.timeSlots.get('2')!;
      world.sandbox.state.timeSlots.delete('2');
      const report = (await run('recup-heures')) as RunReport;
      assert.equal(report.counts.deleted, 1);
      assert.deepEqual([(await staged('2'))?.deleted, (await staged('2'))?.sync], [true, false]);
      world.sandbox.state.timeSlots.set('2', saved);
      await run('recup-heures');
      assert.equal((await staged('2'))?.deleted, false);
    });

    test('unchanged re-run: nothing written', async () => {
      setSlots(slot(1, daysAgo(5), 60));
      await run('recup-heures');
      const report = (await run('recup-heures')) as RunReport;
      assert.deepEqual([report.counts.unchanged, report.counts.updated, report.counts.created], [1, 0, 0]);
    });
  });

  describe('update-code-projet', () => {
    test('code from the staged chantier, else from GET /api/project/{id}; never invented', async () => {
      await world.db.query(`INSERT INTO batigest_chantiers (code, batisimply_id, sync) VALUES ('CH555', 42, true)`);
      setSlots(
        slot(1, daysAgo(5), 60, { project: { id: 42 } }),
        slot(2, daysAgo(5, '12:00:00'), 60, { project: { id: 7 } }),
        slot(3, daysAgo(4), 60, { project: { id: 9999 } }),
        slot(4, daysAgo(4, '12:00:00'), 60, { project: null }),
      );
      world.sandbox.state.projects.set(7, { id: 7, projectCode: 'CH777', projectName: 'x' });
      await run('recup-heures');
      const report = (await run('update-code-projet')) as RunReport;
      assert.equal(report.counts.updated, 2);
      assert.equal((await staged('1'))?.code_projet, 'CH555');
      assert.equal((await staged('2'))?.code_projet, 'CH777');
      assert.equal((await staged('3'))?.code_projet, null);
      assert.equal((await staged('4'))?.code_projet, null);
      assert.match(report.warnings?.[0]?.message ?? '', /9999 est introuvable/);
    });
  });

  describe('heures-to-sqlserver', () => {
    test('a validated slot becomes one SuiviMO row: decimal hours, allowances', async () => {
      const start = daysAgo(3, '06:00:00');
      setSlots(
        slot(1, start, 90, { hasPackedLunch: true, hasHomeToWorkJourney: true }),
        slot(2, daysAgo(3, '12:00:00'), 60, { managementStatus: 'PENDING' }),
      );
      const report = (await run('heures')) as ChainReport;
      assert.equal(report.status, 'succeeded');
      assert.equal(batigest.suiviMo.length, 1);
      const row = batigest.suiviMo[0]!;
      const date = toWallClock(new Date(start), 'Europe/Paris');
      assert.deepEqual(row, { codeChantier: 'CH001', codeSalarie: 'DUPJ', date, nbh0: 1.5, trajet: 1, panier: 1 });
    });

    test('unknown salarié, null project and a salarié without CodeBS: held with a reason, retried', async () => {
      setSlots(
        slot(1, daysAgo(3), 60, { user: { id: USER_UNKNOWN, firstName: 'Luc', lastName: 'DURAND' } }),
        slot(2, daysAgo(3, '12:00:00'), 60, { project: null }),
      );
      const report = (await run('heures')) as ChainReport;
      const exp = report.steps[2]!;
      assert.equal(exp.counts.held, 2);
      assert.match(exp.errors.map((e) => e.message).join('\n'), /Salarié introuvable : aucun Salarie.CodeBS = 99999999-.*DURAND Luc/);
      assert.match(exp.errors.map((e) => e.message).join('\n'), /aucun projet sur le créneau/);
      assert.equal(batigest.suiviMo.length, 0);
      // The customer fills in CodeBS: the next run writes the held slot.
      batigest.salaries[2]!.codeBs = USER_UNKNOWN;
      await run('heures');
      assert.deepEqual(
        batigest.suiviMo.map((r) => r.codeSalarie),
        ['SANSBS'],
      );
    });

    test('a hand-entered row at the same key is a conflict, held and not overwritten', async () => {
      setSlots(slot(1, daysAgo(3), 60));
      await run('recup-heures');
      const { rows } = await world.db.query<{ d: string }>(`SELECT to_char(date_debut, 'YYYY-MM-DD"T"HH24:MI') AS d FROM batigest_heures`);
      batigest.suiviMo = [{ codeChantier: 'CH001', codeSalarie: 'DUPJ', date: rows[0]!.d, nbh0: 7, trajet: 0, panier: 0 }];
      const report = (await run('heures-to-sqlserver')) as RunReport;
      assert.equal(report.counts.held, 1);
      assert.equal(report.errors[0]!.code, 'CONFLIT_SUIVIMO');
      assert.deepEqual(
        batigest.suiviMo.map((r) => r.nbh0),
        [7],
      );
    });

    test('our row removed by hand, then the slot deleted: nothing to do, no conflict', async () => {
      setSlots(slot(1, daysAgo(3), 60));
      await run('heures');
      assert.equal(batigest.suiviMo.length, 1);
      batigest.suiviMo = [];
      world.sandbox.state.timeSlots.delete('1');
      const report = (await run('heures')) as ChainReport;
      assert.equal(report.status, 'succeeded');
      const { rows } = await world.db.query('SELECT * FROM suivimo_ledger');
      assert.equal(rows.length, 0);
    });

    test('our row edited by hand, then the slot deleted: held as a conflict, the row kept', async () => {
      setSlots(slot(1, daysAgo(3), 60));
      await run('heures');
      batigest.suiviMo[0]!.nbh0 = 3;
      world.sandbox.state.timeSlots.delete('1');
      const report = (await run('heures')) as ChainReport;
      assert.equal(report.steps[2]!.errors[0]?.code, 'CONFLIT_SUIVIMO');
      assert.deepEqual(
        batigest.suiviMo.map((r) => r.nbh0),
        [3],
      );
    });

    test('dry run reports the rows it would write and writes none', async () => {
      setSlots(slot(1, daysAgo(3), 60));
      await run('recup-heures');
      const { report } = await runJob(world.services, 'heures-to-sqlserver', { trigger: 'cli', dryRun: true });
      assert.equal((report as RunReport).counts.created, 1);
      assert.equal(batigest.suiviMo.length, 0);
      assert.equal((await staged('1'))?.sync, false);
    });
  });
});

/**
 * Pins the decisions of the hours path that lose or duplicate data when they go wrong, through
 * the jobs only (runJob, the world.sandbox, the Batigest port, the staging tables): they must survive a
 * rewrite of recupHeures, heuresToSqlServer and staging/heures. Times are staged in UTC here so
 * that every expected SuiviMO row is a literal, not computed by the code under test.
 */
describe('decisions that lose or duplicate hours', () => {
  /** A Batigest whose next SuiviMO transaction runs `duringExport` after its writes, before it returns: an edit made mid-export. */
  class EditingBatigest extends MemoryBatigest {
    duringExport: (() => Promise<void>) | undefined;

    override withSuiviMo<T>(fn: (tx: SuiviMoTransaction) => Promise<T>): Promise<T> {
      return super.withSuiviMo(async (tx) => {
        const value = await fn(tx);
        const edit = this.duringExport;
        this.duringExport = undefined;
        await edit?.();
        return value;
      });
    }
  }

  let batigest: EditingBatigest;

  const world = useWorld({
    env: { SYNC_TIMEZONE: 'UTC' },
    services: () => {
      batigest = new EditingBatigest();
      batigest.salaries = [
        { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: USER_DUPONT },
        { code: 'MARP', nom: 'MARTIN Paul', codeBs: USER_MARTIN },
      ];
      return new Services(world.env, { staging: world.db, batigest });
    },
  });

  type Job = 'recup-heures' | 'heures-to-sqlserver' | 'heures';
  const run = async (job: Job, on = world.services) => (await runJob(on, job, { trigger: 'cli' })).report;
  const exportStep = async () => (await run('heures-to-sqlserver')) as RunReport;
  const setSlots = (...slots: ReturnType<typeof slot>[]) => world.sandbox.state.load({ timeSlots: slots });
  const edit = (id: number) => world.sandbox.state.timeSlots.get(String(id))!;
  /** The SuiviMO row of a slot starting at `start` (UTC, so the wall clock is its first 16 characters). */
  const row = (codeChantier: string, codeSalarie: string, start: string, nbh0: number, trajet = 0, panier = 0): SuiviMoRow => ({
    codeChantier,
    codeSalarie,
    date: start.slice(0, 16),
    nbh0,
    trajet,
    panier,
  });
  const sorted = (rows: SuiviMoRow[]) => [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));

  describe('intent settlement after a crash', () => {
    test('a key-moving update that never committed is not taken as applied because an identical row sits at the new key', async () => {
      const start = daysAgo(6, '06:00:00');
      const moved = daysAgo(4, '07:00:00');
      setSlots(slot(1, start, 120));
      await run('heures');
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'DUPJ', start, 2)]);

      edit(1).startDate = moved;
      edit(1).endDate = daysAgo(4, '09:00:00');
      await run('recup-heures');
      batigest.crashAt = 'beforeCommit';
      assert.equal((await exportStep()).status, 'failed');
      // Someone types by hand, at the new key, exactly the row the lost update aimed at.
      batigest.suiviMo.push(row('CH001', 'DUPJ', moved, 2));

      const report = await exportStep();
      assert.equal(report.counts.held, 1, JSON.stringify(report));
      assert.equal(report.errors[0]?.code, 'CONFLIT_SUIVIMO');
      assert.deepEqual(sorted(batigest.suiviMo), sorted([row('CH001', 'DUPJ', start, 2), row('CH001', 'DUPJ', moved, 2)]));
    });

    test('a held slot whose intent was settled gets its ledger confirmed: no intent left dangling', async () => {
      const start = daysAgo(6, '06:00:00');
      setSlots(slot(1, start, 60));
      await run('recup-heures');
      batigest.crashAt = 'afterCommit';
      assert.equal((await exportStep()).status, 'failed');
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'DUPJ', start, 1)]);

      batigest.salaries[0]!.codeBs = null; // the salarié can no longer be resolved: the slot is held
      const report = await exportStep();
      assert.equal(report.counts.held, 1);
      assert.equal(report.errors[0]?.code, 'SALARIE_INCONNU');
      const { rows } = await world.db.query('SELECT code_chantier, code_salarie, intent FROM suivimo_ledger');
      assert.deepEqual(rows, [{ code_chantier: 'CH001', code_salarie: 'DUPJ', intent: null }]);
    });
  });

  describe('key collisions inside one batch', () => {
    test('two slots aiming at the same SuiviMO key: the first is written, the second held', async () => {
      const start = daysAgo(5, '06:00:00');
      setSlots(slot(1, start, 60), slot(2, start, 90));
      await run('recup-heures');
      const report = await exportStep();
      assert.deepEqual([report.counts.created, report.counts.held], [1, 1]);
      assert.equal(report.errors[0]?.code, 'CONFLIT_SUIVIMO');
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'DUPJ', start, 1)]);
    });
  });

  describe('edits racing an export', () => {
    test('a slot edited while its export is being written is exported again by the next run', async () => {
      const start = daysAgo(5, '06:00:00');
      setSlots(slot(1, start, 60));
      await run('recup-heures');
      batigest.duringExport = async () => {
        edit(1).totalTimeMinutes = 90;
        await run('recup-heures');
      };
      assert.equal((await exportStep()).counts.created, 1);
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'DUPJ', start, 1)]);

      const next = await exportStep();
      assert.deepEqual([next.counts.read, next.counts.updated], [1, 1]);
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'DUPJ', start, 1.5)]);
    });

    test('an edit that does not reach SuiviMO does not mark a pending slot as done', async () => {
      const start = daysAgo(5, '06:00:00');
      setSlots(slot(1, start, 60));
      await run('recup-heures');
      edit(1).user.firstName = 'Jean-Pierre';
      assert.equal(((await run('recup-heures')) as RunReport).counts.updated, 1);
      assert.equal((await exportStep()).counts.created, 1);
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'DUPJ', start, 1)]);
    });
  });

  describe('fields that reach SuiviMO', () => {
    test('the travel allowance (trajet) alone changing is exported', async () => {
      const start = daysAgo(5, '06:00:00');
      setSlots(slot(1, start, 60));
      await run('heures');
      edit(1).hasHomeToWorkJourney = true;
      const report = (await run('heures')) as ChainReport;
      assert.equal(report.steps[2]!.counts.updated, 1);
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'DUPJ', start, 1, 1, 0)]);
    });

    test('the meal allowance (panier) alone changing is exported', async () => {
      const start = daysAgo(5, '06:00:00');
      setSlots(slot(1, start, 60));
      await run('heures');
      edit(1).hasPackedLunch = true;
      await run('heures');
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'DUPJ', start, 1, 0, 1)]);
    });

    test('the salarié alone changing moves the row to the other salarié', async () => {
      const start = daysAgo(5, '06:00:00');
      setSlots(slot(1, start, 60));
      await run('heures');
      edit(1).user = { id: USER_MARTIN, firstName: 'Paul', lastName: 'MARTIN' };
      await run('heures');
      assert.deepEqual(batigest.suiviMo, [row('CH001', 'MARP', start, 1)]);
    });

    test('the status alone changing to refused removes the row', async () => {
      setSlots(slot(1, daysAgo(5, '06:00:00'), 60));
      await run('heures');
      edit(1).managementStatus = 'REFUSED';
      await run('heures');
      assert.deepEqual(batigest.suiviMo, []);
    });
  });

  describe('SYNC_TIMEZONE', () => {
    test('wall-clock times are those of the configured zone, not of Paris', async () => {
      const tokyo = new Services({ ...world.env, SYNC_TIMEZONE: 'Asia/Tokyo' }, { staging: world.db, batigest });
      try {
        const start = daysAgo(5, '06:00:00'); // Tokyo is UTC+9 all year
        const day = start.slice(0, 10);
        setSlots(slot(1, start, 120));
        await run('heures', tokyo);
        const { rows } = await world.db.query('SELECT date_debut::text, date_fin::text FROM batigest_heures');
        assert.deepEqual(rows, [{ date_debut: `${day} 15:00:00`, date_fin: `${day} 17:00:00` }]);
        assert.deepEqual(batigest.suiviMo, [{ ...row('CH001', 'DUPJ', start, 2), date: `${day}T15:00` }]);
      } finally {
        await tokyo.close();
      }
    });
  });
});
