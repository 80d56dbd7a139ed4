/**
 * The exactly-once property of heures-to-sqlserver: for every crash point of a SuiviMO write, and
 * for each kind of change in BatiSimply, run → crash → run again, then SuiviMO must equal the
 * ground truth: one row per VALIDATED live slot, with its values, and the hand-entered row intact.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import type { SandboxTimeSlot } from '../../../src/sandbox/state.js';
import { FaultyDb } from '../../support/faultyDb.js';
import { MemoryBatigest, type BatigestCrashPoint } from '../../support/memoryBatigest.js';
import { daysAgo, slot, USER_DUPONT, USER_MARTIN } from '../../support/slots.js';
import type { SuiviMoRow } from '../../../src/lib/domain/suiviMo.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

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
