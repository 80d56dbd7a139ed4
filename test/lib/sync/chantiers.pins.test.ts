/**
 * Pins the chantier path's decisions that lose an edit or update the wrong project, through the
 * jobs only (runJob, the world.sandbox, the staging table): they must survive a rewrite of
 * pushChantiers and staging/chantiers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBatisimplyClient, type BatisimplyApi } from '../../../src/lib/batisimply/client.js';
import { batisimplySchema, parseSection } from '../../../src/lib/config.js';
import { EnvironmentSecrets } from '../../../src/lib/secrets.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import type { ChantierSource } from '../../../src/lib/domain/chantier.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { transferAndPush } from '../../support/reports.js';
import { useWorld } from '../../support/fixture.js';

let batigest: MemoryBatigest;
/** Runs once, right after BatiSimply answered a create or an update and before the job hears of it. */
let afterWrite: (() => Promise<void>) | undefined;

/** The real client, with a hook between BatiSimply's answer to a write and the job. */
function hookedClient(): BatisimplyApi {
  const real = createBatisimplyClient(parseSection(batisimplySchema, world.env, 'BatiSimply'), new EnvironmentSecrets(world.env));
  const hooked =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const answer = await write(...args);
      const hook = afterWrite;
      afterWrite = undefined;
      await hook?.();
      return answer;
    };
  return {
    listProjects: () => real.listProjects(),
    readProjects: () => real.readProjects(),
    getProject: (id) => real.getProject(id),
    createProject: hooked((body) => real.createProject(body)),
    updateProject: hooked((id, body) => real.updateProject(id, body)),
    listTimeSlots: (start, end) => real.listTimeSlots(start, end),
    ping: () => real.ping(),
    close: () => real.close(),
  };
}

const world = useWorld({
  services: () => {
    afterWrite = undefined;
    batigest = new MemoryBatigest();
    return new Services(world.env, { staging: world.db, batigest, batisimply: hookedClient() });
  },
});

const steps = async () => transferAndPush((await runJob(world.services, 'chantiers', { trigger: 'cli' })).report);
const push = async () => (await runJob(world.services, 'transfer-batisimply', { trigger: 'cli' })).report as RunReport;
const projects = () => [...world.sandbox.state.projects.values()];
const project = (code: string) => projects().find((p) => p.projectCode === code);

describe('edits racing a push', () => {
  test('a chantier edited in Batigest while its project is being created is pushed again by the next run', async () => {
    batigest.chantiers = [chantier('CH001')];
    afterWrite = async () => {
      batigest.chantiers = [chantier('CH001', { nomClient: 'Client modifié' })];
      await runJob(world.services, 'transfer', { trigger: 'cli' });
    };
    const [, first] = await steps();
    assert.equal(first.counts.created, 1);
    assert.equal(project('CH001')?.customerName, 'Client');

    const second = await push();
    assert.deepEqual([second.counts.read, second.counts.updated, second.counts.created], [1, 1, 0]);
    assert.equal(project('CH001')?.customerName, 'Client modifié');
    assert.equal(projects().length, 1);
  });

  test('a chantier edited while its project is being updated is pushed again by the next run', async () => {
    batigest.chantiers = [chantier('CH002')];
    await steps();
    batigest.chantiers = [chantier('CH002', { villeChantier: 'Sète' })];
    afterWrite = async () => {
      batigest.chantiers = [chantier('CH002', { villeChantier: 'Agde' })];
      await runJob(world.services, 'transfer', { trigger: 'cli' });
    };
    await steps();
    assert.equal((await push()).counts.updated, 1);
    const { rows } = await world.db.query('SELECT ville_chantier, sync FROM batigest_chantiers');
    assert.deepEqual(rows, [{ ville_chantier: 'Agde', sync: true }]);
  });
});

describe('projects sharing a code', () => {
  test('the oldest project (lowest id) is the one updated; the newer duplicate is left alone', async () => {
    const oldest = world.sandbox.state.createProject({ projectCode: 'CH050', projectName: 'ancien' });
    const newer = world.sandbox.state.createProject({ projectCode: 'CH050', projectName: 'doublon' });
    batigest.chantiers = [chantier('CH050')];
    const [, pushed] = await steps();
    assert.deepEqual([pushed.counts.updated, pushed.counts.created], [1, 0]);
    assert.equal(world.sandbox.state.projects.get(oldest.id)?.projectName, 'Chantier CH050');
    assert.equal(world.sandbox.state.projects.get(newer.id)?.projectName, 'doublon');
    const { rows } = await world.db.query<{ batisimply_id: string }>('SELECT batisimply_id FROM batigest_chantiers');
    assert.equal(Number(rows[0]?.batisimply_id), oldest.id);
  });
});

describe('change detection: each field alone is pushed', () => {
  const changes: [keyof ChantierSource, unknown][] = [
    ['totalMo', 150],
    ['libelle', 'Autre libellé'],
    ['nomClient', 'Autre client'],
    ['dateDebut', '2026-04-01'],
    ['dateFin', '2026-07-31'],
    ['adrChantier', '2 avenue Foch'],
    ['cpChantier', '34200'],
    ['villeChantier', 'Sète'],
  ];
  for (const [field, value] of changes) {
    test(`${field} alone changing in Batigest is transferred and pushed`, async () => {
      batigest.chantiers = [chantier('CH060')];
      await steps();
      batigest.chantiers = [chantier('CH060', { [field]: value })];
      const [transfer, pushed] = await steps();
      assert.equal(transfer.counts.updated, 1, 'transfer');
      assert.equal(pushed.counts.updated, 1, 'transfer-batisimply');
    });
  }

  test('hours sold (total_mo) reach the project in BatiSimply', async () => {
    batigest.chantiers = [chantier('CH061', { totalMo: 120 })];
    await steps();
    batigest.chantiers = [chantier('CH061', { totalMo: 150 })];
    await steps();
    assert.equal(project('CH061')?.hoursSold, 150);
  });
});

describe('what the staging table records', () => {
  test('one run with a new, a changed and an unchanged chantier counts each once', async () => {
    batigest.chantiers = [chantier('CH070'), chantier('CH071')];
    await steps();
    batigest.chantiers = [chantier('CH070'), chantier('CH071', { nomClient: 'Autre' }), chantier('CH072')];
    const [transfer] = await steps();
    assert.deepEqual([transfer.counts.created, transfer.counts.updated, transfer.counts.unchanged], [1, 1, 1]);
  });

  test('the chantier state (Etat) is staged with the row', async () => {
    batigest.chantiers = [chantier('CH073', { etat: 'T' })];
    await runJob(world.services, 'transfer', { trigger: 'cli' });
    const { rows } = await world.db.query('SELECT code, etat FROM batigest_chantiers');
    assert.deepEqual(rows, [{ code: 'CH073', etat: 'T' }]);
  });

  test('a push that fails leaves its reason on the row; the row pushed has none', async () => {
    await world.db.query(
      `INSERT INTO batigest_chantiers (code, description, sync) VALUES ('ABCDEFGHI', 'x', false), ('CH074', 'y', false)`,
    );
    await push();
    const { rows } = await world.db.query<{ code: string; last_error: string | null }>(
      'SELECT code, last_error FROM batigest_chantiers ORDER BY code',
    );
    assert.equal(rows.length, 2);
    assert.match(rows[0]!.last_error ?? '', /trop long/);
    assert.equal(rows[1]!.last_error, null);
  });
});
