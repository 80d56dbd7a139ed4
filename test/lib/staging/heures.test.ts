/**
 * What staging/heures keeps for the export (the pending slots, the ledger, the held marks), seen
 * through the jobs: recup-heures, heures-to-sqlserver and the operator's status. Written from the
 * surviving mutants of issue 15; times are staged in UTC so that every SuiviMO row is a literal.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Services } from '../../../src/lib/services.js';
import { countPendingHeures } from '../../../src/lib/staging/heures.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { daysAgo, slot, USER_DUPONT } from '../../support/slots.js';
import type { SuiviMoRow } from '../../../src/lib/domain/suiviMo.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

let batigest: MemoryBatigest;

const world = useWorld({
  env: { SYNC_TIMEZONE: 'UTC' },
  services: () => {
    batigest = new MemoryBatigest();
    batigest.salaries = [{ code: 'DUPJ', nom: 'DUPONT Jean', codeBs: USER_DUPONT }];
    return new Services(world.env, { staging: world.db, batigest });
  },
});

const recup = async () => (await runJob(world.services, 'recup-heures', { trigger: 'cli' })).report as RunReport;
const exportStep = async (onProgress?: (p: { done: number; total: number }) => void) =>
  (await runJob(world.services, 'heures-to-sqlserver', { trigger: 'cli', onProgress })).report as RunReport;
const setSlots = (...slots: ReturnType<typeof slot>[]) => world.sandbox.state.load({ timeSlots: slots });
const edit = (id: number) => world.sandbox.state.timeSlots.get(String(id))!;
const row = (start: string, nbh0: number): SuiviMoRow => ({
  codeChantier: 'CH001',
  codeSalarie: 'DUPJ',
  date: start.slice(0, 16),
  nbh0,
  trajet: 0,
  panier: 0,
});
const held = async () =>
  (await world.db.query('SELECT id_heure, sync, held_code, held_reason FROM batigest_heures ORDER BY id_heure')).rows as {
    id_heure: string;
    sync: boolean;
    held_code: string | null;
    held_reason: string | null;
  }[];

describe('a SuiviMO row adopted from the earlier tool', () => {
  test('is found by the user id the ledger kept, and updated in place when the slot changes', async () => {
    const start = daysAgo(5, '06:00:00');
    setSlots(slot(1, start, 60));
    await recup();
    // What migration 002 leaves for a slot the earlier tool wrote: no code salarié, the user id instead.
    await world.db.query(
      `INSERT INTO suivimo_ledger (id_heure, code_chantier, id_utilisateur, date, nbh0, trajet, panier, adopted)
       VALUES ('1', 'CH001', $1, $2, 1, 0, 0, true)`,
      [USER_DUPONT, start.slice(0, 16)],
    );
    batigest.suiviMo = [row(start, 1)];
    edit(1).totalTimeMinutes = 90;
    await recup();
    const report = await exportStep();
    assert.deepEqual([report.counts.updated, report.counts.held], [1, 0]);
    assert.deepEqual(batigest.suiviMo, [row(start, 1.5)]);
  });
});

describe('held slots', () => {
  test('a project without a known code: held with its reason in staging, cleared once exported', async () => {
    const start = daysAgo(5, '06:00:00');
    setSlots(slot(1, start, 60, { project: { id: 7 } }), slot(2, daysAgo(5, '12:00:00'), 60, { project: null }));
    await recup();
    const report = await exportStep();
    assert.equal(report.counts.held, 2);
    assert.deepEqual(await held(), [
      {
        id_heure: '1',
        sync: false,
        held_code: 'CHANTIER_NON_RESOLU',
        held_reason: 'Chantier non résolu : projet BatiSimply 7 sans code chantier connu.',
      },
      { id_heure: '2', sync: false, held_code: 'CHANTIER_NON_RESOLU', held_reason: 'Chantier non résolu : aucun projet sur le créneau.' },
    ]);
    assert.deepEqual(await countPendingHeures(world.db), { pending: 2, held: 2, notValidated: 0, total: 2 });

    edit(1).project = { id: 7, projectCode: 'CH001' };
    await recup();
    const next = await exportStep();
    assert.deepEqual([next.counts.created, next.counts.held], [1, 1]);
    assert.deepEqual((await held())[0], { id_heure: '1', sync: true, held_code: null, held_reason: null });
    assert.deepEqual(batigest.suiviMo, [row(start, 1)]);
    assert.deepEqual(await countPendingHeures(world.db), { pending: 1, held: 1, notValidated: 0, total: 1 });
  });

  test('the export reports its progress against the pending slots, held ones included', async () => {
    setSlots(
      slot(1, daysAgo(5, '06:00:00'), 60),
      slot(2, daysAgo(5, '08:00:00'), 60),
      slot(3, daysAgo(5, '10:00:00'), 60, { project: null }),
    );
    await recup();
    const progress: [number, number][] = [];
    await exportStep((p) => progress.push([p.done, p.total]));
    assert.deepEqual(progress, [[3, 3]]);
  });
});
