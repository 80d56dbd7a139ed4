import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type { Env } from '../../../src/lib/config.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import type { ChainReport, RunReport } from '../../../src/lib/domain/runs.js';
import { transferAndPush } from '../../support/reports.js';
import { useWorld } from '../../support/fixture.js';

let batigest: MemoryBatigest;
const opened: Services[] = [];

const world = useWorld();
world.teardown(async () => {
  for (const s of opened) await s.close();
});
beforeEach(() => void (batigest = new MemoryBatigest()));

const services = (overrides: Env = {}) => {
  const s = new Services({ ...world.env, ...overrides }, { staging: world.db, batigest });
  opened.push(s);
  return s;
};
const chain = async (s: Services) => (await runJob(s, 'chantiers', { trigger: 'cli' })).report as ChainReport;
const push = async (s: Services) => (await runJob(s, 'transfer-batisimply', { trigger: 'cli' })).report as RunReport;
const codes = () => [...world.sandbox.state.projects.values()].map((p) => p.projectCode).sort();
/** Waits for an observable state, never for a fixed time. */
const until = async (ready: () => boolean | Promise<boolean>) => {
  while (!(await ready())) await new Promise((r) => setTimeout(r, 10));
};
const staged = async (code: string) =>
  (
    await world.db.query<{ batisimply_id: number | null; sync: boolean; pending: boolean }>(
      'SELECT batisimply_id, sync, create_attempted_at IS NOT NULL AS pending FROM batigest_chantiers WHERE code = $1',
      [code],
    )
  ).rows[0];

describe('a create that outlives the client timeout (#1)', () => {
  test('held past the timeout, then applied: found by code, stored, never sent twice', async () => {
    const s = services({ BATISIMPLY_TIMEOUT_MS: '300', BATISIMPLY_CREATE_SETTLE_MS: '1000' });
    batigest.chantiers = [chantier('CH100')];
    world.sandbox.faults.add([{ route: 'POST /api/project', fault: 'delayed-apply', latencyMs: 800, times: 1 }]);
    const [, pushed] = transferAndPush(await chain(s));
    assert.equal(pushed.counts.created, 1);
    assert.equal(world.sandbox.count('POST /api/project'), 1);
    assert.deepEqual(codes(), ['CH100']);
    assert.deepEqual(await staged('CH100'), { batisimply_id: [...world.sandbox.state.projects.keys()][0], sync: true, pending: false });
  });

  test('look-up failing, then a new run while the create is still held: resolved before any POST', async () => {
    // The create is held until the test releases it: past the first run, into the second one.
    const s = services({ BATISIMPLY_TIMEOUT_MS: '300', BATISIMPLY_CREATE_SETTLE_MS: '5000', BATISIMPLY_MAX_RETRIES: '1' });
    batigest.chantiers = [chantier('CH110')];
    const appliedBefore = world.sandbox.delayedWrites.applied;
    world.sandbox.faults.add([
      { route: 'POST /api/project', fault: 'delayed-apply', release: 'manual', times: 1 },
      { route: 'GET /api/project', fault: 'latency', latencyMs: 0, times: 1 },
      { route: 'GET /api/project', fault: '503', times: 1000 },
    ]);
    const [, first] = transferAndPush(await chain(s));
    assert.equal(first.counts.failed, 1);
    assert.equal(first.errors[0]!.code, 'CREATION_INCERTAINE');
    assert.match(first.errors[0]!.message, /503/);
    assert.equal((await staged('CH110'))!.pending, true);
    assert.equal(world.sandbox.delayedWrites.applied, appliedBefore, 'the create is still held');

    world.sandbox.faults.clear();
    // The second run reads the project list (the project is not there yet), then waits for the
    // create to land; the write is applied once that read was answered.
    const listReads = world.sandbox.count('GET /api/project');
    const running = push(s);
    await until(() => world.sandbox.count('GET /api/project') > listReads);
    assert.equal(world.sandbox.releaseHeldWrites(), 1);
    const second = await running;
    assert.equal(second.counts.failed, 0);
    assert.equal(world.sandbox.count('POST /api/project'), 1, 'no second create');
    assert.deepEqual(codes(), ['CH110']);
    assert.deepEqual(await staged('CH110'), { batisimply_id: [...world.sandbox.state.projects.keys()][0], sync: true, pending: false });
  });

  test('5xx and a held create: one project per code, pending attempts cleared', async () => {
    batigest.chantiers = [chantier('CH120'), chantier('CH121')];
    world.sandbox.faults.add([
      { route: 'POST /api/project', fault: '503', times: 1 },
      { route: 'POST /api/project', fault: 'delayed-apply', latencyMs: 2500, times: 1 },
    ]);
    const s = services();
    await chain(s);
    await until(() => world.sandbox.delayedWrites.held === 0);
    await chain(s);
    assert.deepEqual(codes(), ['CH120', 'CH121']);
    for (const code of ['CH120', 'CH121']) assert.equal((await staged(code))!.pending, false);
  });
});

describe('mixed faults on creates (#1)', () => {
  test('20 % held past the timeout, lost or 503: never a duplicate, every id stored', async () => {
    const s = services({ BATISIMPLY_TIMEOUT_MS: '300', BATISIMPLY_CREATE_SETTLE_MS: '700' });
    batigest.chantiers = Array.from({ length: 60 }, (_, i) => chantier(`M${String(i).padStart(3, '0')}`));
    world.sandbox.faults.add([
      { route: 'POST /api/project', fault: 'delayed-apply', latencyMs: 900, rate: 0.1 },
      { route: 'POST /api/project', fault: 'lost-response', rate: 0.05 },
      { route: 'POST /api/project', fault: '503', rate: 0.05 },
    ]);
    for (let run = 0; run < 2; run++) {
      await chain(s);
      await until(() => world.sandbox.delayedWrites.held === 0);
      assert.equal(new Set(codes()).size, codes().length, `no duplicate after run ${run + 1}`);
    }
    world.sandbox.faults.clear();
    await chain(s);
    assert.equal(codes().length, 60);
    assert.equal(new Set(codes()).size, 60);
    const { rows } = await world.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM batigest_chantiers WHERE sync AND batisimply_id IS NOT NULL AND create_attempted_at IS NULL',
    );
    assert.equal(rows[0]!.n, 60);
  });
});

describe('the project list (#2, #3, #4)', () => {
  test('totals that understate the list: every page is read, nothing is created twice', async () => {
    for (let i = 1; i <= 145; i++)
      world.sandbox.state.createProject({ projectCode: `CH${String(i).padStart(3, '0')}`, projectName: 'ancien' });
    batigest.chantiers = Array.from({ length: 145 }, (_, i) => chantier(`CH${String(i + 1).padStart(3, '0')}`));
    world.sandbox.faults.add([{ route: 'GET /api/project', fault: 'lying-paging' }]);
    const [, pushed] = transferAndPush(await chain(services()));
    assert.deepEqual([pushed.counts.created, pushed.counts.updated], [0, 145]);
    assert.equal(world.sandbox.count('POST /api/project'), 0);
    assert.equal(world.sandbox.state.projects.size, 145);
  });

  test('a project without id is refused with its reason; its code is not created again', async () => {
    world.sandbox.state.load({ projects: [{ id: null as unknown as number, projectCode: 'CH130', projectName: 'sans id' }] });
    batigest.chantiers = [chantier('CH130'), chantier('CH131')];
    const [, pushed] = transferAndPush(await chain(services()));
    assert.equal(world.sandbox.count('PUT /api/project'), 0, 'nothing sent to id 0');
    assert.equal(world.sandbox.count('POST /api/project'), 1);
    assert.deepEqual(codes(), ['CH130', 'CH131']);
    const refused = pushed.errors.find((e) => e.key.startsWith('projet BatiSimply'));
    assert.ok(refused, 'the malformed project is named in the report');
    assert.equal(refused.code, 'PROJET_ILLISIBLE');
    assert.match(refused.key, /CH130/);
    assert.match(refused.message, /identifiant de projet absent ou invalide \(reçu null\)/);
    const chantierError = pushed.errors.find((e) => e.key === 'CH130');
    assert.equal(chantierError?.code, 'PROJET_ILLISIBLE');
    assert.equal((await staged('CH131'))!.sync, true);
  });

  test('the list failing (503) during the look-up after a lost answer: that record fails, the run goes on and reports', async () => {
    const s = services({ BATISIMPLY_CONCURRENCY: '1', BATISIMPLY_MAX_RETRIES: '1' });
    batigest.chantiers = Array.from({ length: 6 }, (_, i) => chantier(`CH14${i}`));
    world.sandbox.faults.add([
      { route: 'POST /api/project', fault: 'lost-response', times: 1 },
      { route: 'GET /api/project', fault: 'latency', latencyMs: 0, times: 1 },
      { route: 'GET /api/project', fault: '503', times: 1000 },
    ]);
    const [, pushed] = transferAndPush(await chain(s));
    assert.equal(pushed.status, 'partial');
    assert.deepEqual([pushed.counts.created, pushed.counts.failed], [5, 1]);
    assert.deepEqual(
      pushed.errors.map((e) => [e.key, e.code]),
      [['CH140', 'CREATION_INCERTAINE']],
    );
    assert.match(pushed.errors[0]!.message, /503/);
  });
});

describe('results written outside the HTTP slots', () => {
  test('an edit made while its create is in flight is not marked synced', async () => {
    batigest.chantiers = [chantier('CH150')];
    const s = services();
    await runJob(s, 'transfer', { trigger: 'cli' });
    world.sandbox.faults.add([{ route: 'POST /api/project', fault: 'delayed-apply', latencyMs: 300, times: 1 }]);
    const running = push(s);
    await until(() => world.sandbox.delayedWrites.held === 1);
    await world.db.query(
      `UPDATE batigest_chantiers SET description = 'modifié', revision = revision + 1, sync = false WHERE code = 'CH150'`,
    );
    const report = await running;
    assert.equal(report.counts.created, 1);
    const row = await staged('CH150');
    assert.equal(row!.batisimply_id, [...world.sandbox.state.projects.keys()][0]);
    assert.equal(row!.sync, false, 'the edit is pushed by the next run');
    const next = await push(s);
    assert.deepEqual([next.counts.created, next.counts.updated], [0, 1]);
    assert.equal((await staged('CH150'))!.sync, true);
  });

  test('duplicates left by the earlier tool: the oldest project is the one updated', async () => {
    world.sandbox.state.load({
      projects: [
        { id: 7, projectCode: 'CH160', projectName: 'récent' },
        { id: 3, projectCode: 'CH160', projectName: 'ancien' },
      ],
    });
    batigest.chantiers = [chantier('CH160')];
    await chain(services());
    assert.equal((await staged('CH160'))!.batisimply_id, 3);
    assert.equal(world.sandbox.state.projects.get(3)!.projectName, 'Chantier CH160');
    assert.equal(world.sandbox.state.projects.get(7)!.projectName, 'récent');
  });
});
