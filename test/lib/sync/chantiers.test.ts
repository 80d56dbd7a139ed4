import assert from 'node:assert/strict';
import { describe, test, beforeEach } from 'node:test';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { startRecordingProxy } from '../../support/recordingProxy.js';
import { type RunReport, type ChainReport } from '../../../src/lib/domain/runs.js';
import { stepReport, transferAndPush } from '../../support/reports.js';
import { useWorld } from '../../support/fixture.js';
import { createBatisimplyClient, type BatisimplyApi } from '../../../src/lib/batisimply/client.js';
import { batisimplySchema, parseSection, type Env } from '../../../src/lib/config.js';
import { EnvironmentSecrets } from '../../../src/lib/secrets.js';
import { type ChantierSource } from '../../../src/lib/domain/chantier.js';

describe('the chantiers chain through the sandbox', () => {
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
});

/**
 * Pins the chantier path's decisions that lose an edit or update the wrong project, through the
 * jobs only (runJob, the world.sandbox, the staging table): they must survive a rewrite of
 * pushChantiers and staging/chantiers.
 */
describe('edits racing a push', () => {
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
});

describe('BatiSimply faults during the chain', () => {
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
});
