/**
 * Pins the decisions of the hours path that lose or duplicate data when they go wrong, through
 * the jobs only (runJob, the world.sandbox, the Batigest port, the staging tables): they must survive a
 * rewrite of recupHeures, heuresToSqlServer and staging/heures. Times are staged in UTC here so
 * that every expected SuiviMO row is a literal, not computed by the code under test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SuiviMoTransaction } from '../../../src/lib/batigest/port.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { daysAgo, slot, USER_DUPONT, USER_MARTIN } from '../../support/slots.js';
import type { SuiviMoRow } from '../../../src/lib/domain/suiviMo.js';
import type { ChainReport, RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

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
