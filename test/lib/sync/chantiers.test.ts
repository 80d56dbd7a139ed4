import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { startRecordingProxy } from '../../support/recordingProxy.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { stepReport, transferAndPush } from '../../support/reports.js';
import { useWorld } from '../../support/fixture.js';

let batigest: MemoryBatigest;

const world = useWorld({
  services: () => new Services(world.env, { staging: world.db, batigest: (batigest = new MemoryBatigest()) }),
});

const writes = () => world.sandbox.count('POST /api/project') + world.sandbox.count('PUT /api/project');
const steps = async (dryRun = false) => {
  const { report } = await runJob(world.services, 'chantiers', { trigger: 'cli', dryRun });
  return transferAndPush(report);
};
const projects = () => [...world.sandbox.state.projects.values()];

describe('chantiers end to end', () => {
  test('first run creates, an unchanged re-run writes nothing, one edit updates once', async () => {
    batigest.chantiers = [chantier('CH001'), chantier('CH002'), chantier('CH003')];
    let [transfer, push] = await steps();
    assert.equal(transfer.counts.created, 3);
    assert.equal(push.counts.created, 3);
    assert.equal(projects().length, 3);

    world.sandbox.stats.clear();
    [transfer, push] = await steps();
    assert.equal(transfer.counts.unchanged, 3);
    assert.equal(push.counts.read, 0);
    assert.equal(writes(), 0);

    batigest.chantiers[1] = chantier('CH002', { nomClient: 'Nouveau client' });
    world.sandbox.stats.clear();
    [transfer, push] = await steps();
    assert.deepEqual([transfer.counts.updated, transfer.counts.unchanged], [1, 2]);
    assert.deepEqual([push.counts.updated, push.counts.created], [1, 0]);
    assert.equal(world.sandbox.count('PUT /api/project'), 1);
    assert.equal(world.sandbox.count('POST /api/project'), 0);
    assert.equal(projects().find((p) => p.projectCode === 'CH002')?.customerName, 'Nouveau client');
    assert.equal(projects().length, 3);
  });

  test('30-character NomClient, accents, quotes and <script> survive intact', async () => {
    const nomClient = "SARL L'Étoile & Fils <script>x"; // 30 characters
    assert.equal(nomClient.length, 30);
    batigest.chantiers = [chantier('CH010', { nomClient, libelle: 'Rénovation « Château » <script>alert(1)</script>' })];
    await steps();
    const p = projects()[0]!;
    assert.equal(p.customerName, nomClient);
    assert.equal(p.projectName, 'Rénovation « Château » <script>alert(1)</script>');
  });

  test('a chantier code of 9 characters is refused with a reason, the rest goes on', async () => {
    batigest.chantiers = [chantier('CH0000001'), chantier('CH020')];
    const [transfer, push] = await steps();
    assert.equal(transfer.status, 'partial');
    assert.equal(transfer.counts.failed, 1);
    assert.match(transfer.errors[0]!.message, /trop long \(9 caractères/);
    assert.equal(push.counts.created, 1);
    assert.deepEqual(
      projects().map((p) => p.projectCode),
      ['CH020'],
    );
  });

  test('a row edited by hand with a 9-character code is refused by transfer-batisimply too', async () => {
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('ABCDEFGHI', 'x', false)`);
    const { report } = await runJob(world.services, 'transfer-batisimply', { trigger: 'cli' });
    assert.equal((report as RunReport).counts.failed, 1);
    assert.equal(projects().length, 0);
  });

  test('a lost response after the create: looked up, stored, never duplicated', async () => {
    batigest.chantiers = [chantier('CH030')];
    world.sandbox.faults.add([{ route: 'POST /api/project', fault: 'lost-response', times: 1 }]);
    const [, push] = await steps();
    assert.equal(push.counts.created, 1);
    assert.equal(projects().length, 1);
    const { rows } = await world.db.query<{ batisimply_id: number; sync: boolean }>('SELECT batisimply_id, sync FROM batigest_chantiers');
    assert.deepEqual(rows, [{ batisimply_id: projects()[0]!.id, sync: true }]);
  });

  test('5xx and a timeout after creates: each code created once, none failed', async () => {
    // Through a proxy that knows when the world.sandbox has answered every request, even the one the
    // client gave up on: the project set is checked once nothing can land any more.
    const proxy = await startRecordingProxy(world.sandbox.url);
    const viaProxy = new Services({ ...world.env, BATISIMPLY_API_URL: proxy.url }, { staging: world.db, batigest });
    try {
      batigest.chantiers = [chantier('CH040'), chantier('CH041')];
      world.sandbox.faults.add([
        { route: 'POST /api/project', fault: '503', times: 1 },
        { route: 'POST /api/project', fault: 'latency', latencyMs: 2500, times: 1 },
      ]);
      const { report } = await runJob(viaProxy, 'chantiers', { trigger: 'cli' });
      const push = stepReport(report, 'transfer-batisimply');
      await proxy.idle();
      // The 503 create was refused before any write: looked up, not found, created again. The slow
      // one landed during the settle wait (2 s timeout, 2 s settle, 2.5 s latency): found, not re-sent.
      assert.deepEqual([push.counts.created, push.counts.updated, push.counts.failed], [2, 0, 0]);
      assert.deepEqual(
        projects()
          .map((p) => p.projectCode)
          .sort(),
        ['CH040', 'CH041'],
      );
      const { rows } = await world.db.query<{ code: string; sync: boolean; linked: boolean }>(
        `SELECT code, sync, batisimply_id IS NOT NULL AS linked FROM batigest_chantiers ORDER BY code`,
      );
      assert.deepEqual(rows, [
        { code: 'CH040', sync: true, linked: true },
        { code: 'CH041', sync: true, linked: true },
      ]);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  test('a project already in BatiSimply with the code is updated, not created', async () => {
    world.sandbox.state.createProject({ projectCode: 'CH050', projectName: 'ancien', projectColor: '#ff0000' });
    batigest.chantiers = [chantier('CH050')];
    const [, push] = await steps();
    assert.deepEqual([push.counts.created, push.counts.updated], [0, 1]);
    assert.equal(projects().length, 1);
    assert.equal(projects()[0]!.projectName, 'Chantier CH050');
    assert.equal(projects()[0]!.projectColor, '#ff0000', 'fields set in BatiSimply are kept');
  });

  test('dry run computes the changes and writes nothing anywhere', async () => {
    batigest.chantiers = [chantier('CH060'), chantier('CH061')];
    const [transfer] = await steps(true);
    assert.equal(transfer.counts.created, 2);
    assert.equal(transfer.dryRun, true);
    const { rows } = await world.db.query('SELECT * FROM batigest_chantiers');
    assert.equal(rows.length, 0);
    assert.equal(writes(), 0);
  });

  test('no headquarter configured: creates fail with the setting named', async () => {
    const noHq = new Services({ ...world.env, BATISIMPLY_HEADQUARTER_ID: undefined }, { staging: world.db, batigest });
    batigest.chantiers = [chantier('CH070')];
    const { report } = await runJob(noHq, 'chantiers', { trigger: 'cli' });
    const push = stepReport(report, 'transfer-batisimply');
    assert.equal(push.counts.failed, 1);
    assert.match(push.errors[0]!.message, /BATISIMPLY_HEADQUARTER_ID/);
    await noHq.close();
  });

  test('CHANTIERS_ETATS selects the chantiers to sync', async () => {
    const filtered = new Services({ ...world.env, CHANTIERS_ETATS: 'E' }, { staging: world.db, batigest });
    batigest.chantiers = [chantier('CH080', { etat: 'E' }), chantier('CH081', { etat: 'T' })];
    await runJob(filtered, 'chantiers', { trigger: 'cli' });
    assert.deepEqual(
      projects().map((p) => p.projectCode),
      ['CH080'],
    );
    await filtered.close();
  });
});
