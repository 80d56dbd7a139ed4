/**
 * recup-heures finds deleted slots a period at a time (issue 12: memory that does not follow the
 * window). A staged slot missing from the period that holds its start is deleted only if no other
 * period of the window listed it: a slot whose start moved to another period, or one that an API
 * lists in a period other than its start's, is never lost. Dry runs decide the same way.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBatisimplyClient, type BatisimplyApi } from '../../../src/lib/batisimply/client.js';
import { batisimplySchema, parseSection } from '../../../src/lib/config.js';
import { EnvironmentSecrets } from '../../../src/lib/secrets.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import type { SandboxTimeSlot } from '../../../src/sandbox/state.js';
import { daysAgo, slot } from '../../support/slots.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Which slots a period lists: by start (BatiSimply, the world.sandbox), or otherwise (see `api`). */
let listing: 'start' | 'overlap' | 'end' = 'start';

/**
 * The real client over the world.sandbox, listing a period's slots as another API might: every slot
 * that overlaps the period, or every slot that ends in it. It asks the world.sandbox for a wider span
 * and keeps what that rule lists.
 */
function api(): BatisimplyApi {
  const real = createBatisimplyClient(parseSection(batisimplySchema, world.env, 'BatiSimply'), new EnvironmentSecrets(world.env));
  return {
    listProjects: () => real.listProjects(),
    readProjects: () => real.readProjects(),
    getProject: (id) => real.getProject(id),
    createProject: (body) => real.createProject(body),
    updateProject: (id, body) => real.updateProject(id, body),
    listTimeSlots: async (start, end) => {
      if (listing === 'start') return real.listTimeSlots(start, end);
      const wide = await real.listTimeSlots(new Date(start.getTime() - DAY_MS), new Date(end.getTime() + DAY_MS));
      const [from, to] = [start.getTime(), end.getTime()];
      const lists = (s: { startDate: string; endDate: string }) =>
        listing === 'overlap'
          ? Date.parse(s.startDate) < to && Date.parse(s.endDate) > from
          : Date.parse(s.endDate) >= from && Date.parse(s.endDate) < to;
      return { slots: wide.slots.filter(lists), refused: wide.refused };
    },
    ping: () => real.ping(),
    close: () => real.close(),
  };
}

const world = useWorld({
  services: () => {
    listing = 'start';
    return new Services(world.env, { staging: world.db, batisimply: api() });
  },
});

const recup = async (dryRun = false) => (await runJob(world.services, 'recup-heures', { trigger: 'cli', dryRun })).report as RunReport;
const setSlots = (...slots: SandboxTimeSlot[]) => world.sandbox.state.load({ timeSlots: slots });
const live = async () =>
  (
    await world.db.query<{ id_heure: string; start_utc: string }>(
      `SELECT id_heure, to_char(start_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start_utc
     FROM batigest_heures WHERE deleted_at IS NULL ORDER BY id_heure::int`,
    )
  ).rows.map((r) => [r.id_heure, r.start_utc]);

/** The window's first period ends one day after its start (35 days before now, to the minute above). */
function firstBoundary(): number {
  return Math.ceil(Date.now() / 60_000) * 60_000 - 34 * DAY_MS;
}

describe('a slot whose start moves to another period is updated, never deleted', () => {
  const early = daysAgo(30, '07:00:00');
  const late = daysAgo(3, '07:00:00');

  for (const [label, before, afterMove] of [
    ['to a later period', early, late],
    ['to an earlier period', late, early],
  ] as const) {
    test(`moved ${label}`, async () => {
      setSlots(slot(1, before, 60), slot(2, daysAgo(10, '07:00:00'), 60));
      await recup();
      setSlots(slot(1, afterMove, 60), slot(2, daysAgo(10, '07:00:00'), 60));

      const preview = await recup(true);
      assert.equal(preview.counts.deleted, 0);
      assert.equal(preview.counts.updated, 1);
      assert.deepEqual(await live(), [
        ['1', before],
        ['2', daysAgo(10, '07:00:00')],
      ]);

      const report = await recup();
      assert.deepEqual(report.counts, { read: 2, created: 0, updated: 1, deleted: 0, unchanged: 1, failed: 0, held: 0 });
      assert.deepEqual(await live(), [
        ['1', afterMove],
        ['2', daysAgo(10, '07:00:00')],
      ]);
    });
  }

  test('a slot gone from BatiSimply is still deleted, whichever period held it', async () => {
    setSlots(slot(1, early, 60), slot(2, late, 60), slot(3, daysAgo(10, '07:00:00'), 60));
    await recup();
    setSlots(slot(2, late, 60));
    const report = await recup();
    assert.equal(report.counts.deleted, 2);
    assert.deepEqual(await live(), [['2', late]]);
  });
});

describe('a slot listed by another period than its start’s', () => {
  test('an API that lists each period’s overlapping slots: a slot across the boundary is read and staged once, and kept', async () => {
    listing = 'overlap';
    const start = firstBoundary() - 30 * 60_000;
    setSlots(slot(1, iso(start), 120), slot(2, daysAgo(10, '07:00:00'), 60));
    const first = await recup();
    assert.deepEqual(first.counts, { read: 2, created: 2, updated: 0, deleted: 0, unchanged: 0, failed: 0, held: 0 });
    const again = await recup();
    assert.deepEqual(again.counts, { read: 2, created: 0, updated: 0, deleted: 0, unchanged: 2, failed: 0, held: 0 });
    assert.deepEqual(
      (await live()).map(([id]) => id),
      ['1', '2'],
    );
  });

  test('an API that lists slots by their end: a slot listed only by the next period is not taken for deleted', async () => {
    listing = 'end';
    const start = firstBoundary() - 30 * 60_000;
    setSlots(slot(1, iso(start), 120), slot(2, daysAgo(10, '07:00:00'), 60));
    await recup();
    const again = await recup();
    assert.deepEqual(again.counts, { read: 2, created: 0, updated: 0, deleted: 0, unchanged: 2, failed: 0, held: 0 });
    assert.deepEqual(await live(), [
      ['1', iso(start)],
      ['2', daysAgo(10, '07:00:00')],
    ]);
  });
});
