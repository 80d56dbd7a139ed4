import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { type Env } from '../../../src/lib/config.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { type RunReport } from '../../../src/lib/domain/runs.js';
import { stepReport } from '../../support/reports.js';
import { useWorld } from '../../support/fixture.js';
import { type BatisimplyApi, type Project, type ProjectBody } from '../../../src/lib/batisimply/client.js';
import { BatisimplyError } from '../../../src/lib/batisimply/http.js';
import { detectEndedChantiers } from '../../../src/lib/sync/transfer.js';
import { type JobContext, type Section } from '../../../src/lib/sync/context.js';
import { stepContext } from '../../support/jobContext.js';
import { finishChantiers } from '../../../src/lib/sync/finChantiers.js';

describe('chantiers that end, through the chain and the sandbox', () => {
  let batigest: MemoryBatigest;

  const world = useWorld();
  world.teardown(() => services?.close());
  let services: Services | undefined;
  beforeEach(async () => {
    batigest = new MemoryBatigest();
    await use({});
  });

  async function use(extra: Env) {
    await services?.close();
    services = new Services({ ...world.env, ...extra }, { staging: world.db, batigest });
  }

  const chain = async (dryRun = false) => {
    const { report } = await runJob(services!, 'chantiers', { trigger: 'cli', dryRun });
    return [stepReport(report, 'transfer'), stepReport(report, 'fin-chantiers')] as const;
  };
  /** `chantiers` notes the end; the project is closed by fin-chantiers after the next recup-heures. */
  const endCycle = async () => {
    const [transfer] = await chain();
    await runJob(services!, 'recup-heures', { trigger: 'cli' });
    const { report } = await runJob(services!, 'fin-chantiers', { trigger: 'cli' });
    return [transfer, report as RunReport] as const;
  };
  const project = (code: string) => [...world.sandbox.state.projects.values()].find((p) => p.projectCode === code)!;
  const staged = async (code: string) =>
    (
      await world.db.query<{ ended: boolean; end_reason: string | null; fin_state: string | null }>(
        'SELECT ended_at IS NOT NULL AS ended, end_reason, fin_state FROM batigest_chantiers WHERE code = $1',
        [code],
      )
    ).rows[0]!;

  describe('chantiers that end', () => {
    test('a chantier deleted from Batigest is finished in BatiSimply, once', async () => {
      batigest.chantiers = [chantier('CH001'), chantier('CH002')];
      await chain();
      batigest.chantiers = [chantier('CH002')];
      const [transfer, waiting] = await chain();
      assert.match(transfer.warnings?.[0]?.message ?? '', /CH001 supprimé de Batigest : sera terminé dans BatiSimply/);
      assert.match(
        waiting.errors[0]?.message ?? '',
        /CH001 supprimé de Batigest : il sera terminé dans BatiSimply après la prochaine récupération des heures/,
      );
      assert.equal(project('CH001').isFinished, undefined, 'not before the hours booked until now are fetched');
      await runJob(services!, 'recup-heures', { trigger: 'cli' });
      const { report } = await runJob(services!, 'fin-chantiers', { trigger: 'cli' });
      const push = report as RunReport;
      assert.equal(push.counts.updated, 1);
      assert.equal(project('CH001').isFinished, true);
      assert.equal(project('CH002').isFinished, undefined);
      assert.deepEqual(await staged('CH001'), { ended: true, end_reason: 'supprimé de Batigest', fin_state: 'finished' });

      world.sandbox.stats.clear();
      await chain();
      assert.equal(world.sandbox.count('PUT /api/project'), 0, 'nothing sent again');
    });

    test('an Etat that leaves CHANTIERS_ETATS archives the project when CHANTIERS_FIN_MODE=archived', async () => {
      await use({ CHANTIERS_ETATS: 'E', CHANTIERS_FIN_MODE: 'archived' });
      batigest.chantiers = [chantier('CH010'), chantier('CH011')];
      await chain();
      batigest.chantiers = [chantier('CH010', { etat: 'T' }), chantier('CH011')];
      const [transfer] = await endCycle();
      assert.match(transfer.warnings?.[0]?.message ?? '', /Etat « T » hors de CHANTIERS_ETATS \(E\) : sera archivé/);
      assert.equal(project('CH010').isArchived, true);
      assert.equal(project('CH010').isFinished, undefined);
    });

    test('a chantier that comes back is reopened, and its edits are pushed', async () => {
      batigest.chantiers = [chantier('CH020')];
      await chain();
      batigest.chantiers = [chantier('CH021')];
      await endCycle();
      assert.equal(project('CH020').isFinished, true);
      batigest.chantiers = [chantier('CH020', { nomClient: 'Revenu' }), chantier('CH021')];
      const [transfer, push] = await chain();
      assert.ok(transfer.warnings?.some((w) => w.code === 'CHANTIER_REVENU' && w.key === 'CH020'));
      assert.ok(push.warnings?.some((w) => w.code === 'CHANTIER_ROUVERT'));
      assert.equal(project('CH020').isFinished, false);
      assert.equal(project('CH020').customerName, 'Revenu');
      assert.deepEqual(await staged('CH020'), { ended: false, end_reason: null, fin_state: null });
    });

    test('dry run shows the end and writes nothing', async () => {
      batigest.chantiers = [chantier('CH030'), chantier('CH031')];
      await chain();
      batigest.chantiers = [chantier('CH031')];
      world.sandbox.stats.clear();
      const [transfer] = await chain(true);
      assert.ok(transfer.warnings?.some((w) => w.key === 'CH030' && w.code === 'CHANTIER_FINI'));
      assert.equal(world.sandbox.count('PUT /api/project'), 0);
      assert.deepEqual(await staged('CH030'), { ended: false, end_reason: null, fin_state: null });

      // Once the end is recorded and the hours fetched, a dry run of the push shows the project it would finish.
      await runJob(services!, 'transfer', { trigger: 'cli' });
      await runJob(services!, 'recup-heures', { trigger: 'cli' });
      const { report } = await runJob(services!, 'fin-chantiers', { trigger: 'cli', dryRun: true });
      assert.equal((report as RunReport).counts.updated, 1);
      assert.match((report as RunReport).warnings?.[0]?.message ?? '', /CH030 supprimé de Batigest : projet BatiSimply \d+ terminé/);
      assert.equal(project('CH030').isFinished, undefined);
      assert.equal((await staged('CH030')).fin_state, null);
    });

    test('hours still pending export hold the end until they are exported', async () => {
      batigest.chantiers = [chantier('CH040'), chantier('CH041')];
      await chain();
      await world.db.query(
        `INSERT INTO batigest_heures (id_heure, code_projet, status_management, sync) VALUES ('9001', 'CH040', 'VALIDATED', false),
         ('9002', 'CH040', 'VALIDATED', true)`,
      );
      batigest.chantiers = [chantier('CH041')];
      const [, push] = await endCycle();
      assert.equal(push.counts.held, 1);
      assert.match(push.errors[0]!.message, /CH040 supprimé de Batigest : 1 créneau\(x\) d'heures encore à exporter vers SuiviMO/);
      assert.equal(project('CH040').isFinished, undefined);

      await world.db.query(`UPDATE batigest_heures SET sync = true`);
      const [, again] = await endCycle();
      assert.equal(again.counts.held, 0);
      assert.equal(project('CH040').isFinished, true);
    });

    test('Batigest answering no chantier at all ends none of them', async () => {
      batigest.chantiers = [chantier('CH050')];
      await chain();
      batigest.chantiers = [];
      const [transfer] = await chain();
      assert.equal(transfer.warnings?.[0]?.code, 'AUCUN_CHANTIER');
      assert.equal(project('CH050').isFinished, undefined);
      assert.equal((await staged('CH050')).ended, false);
    });

    test('an ended chantier never pushed to BatiSimply creates nothing there', async () => {
      await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH060', 'x', false)`);
      batigest.chantiers = [chantier('CH061')];
      await endCycle();
      assert.equal(world.sandbox.state.projects.size, 1);
      assert.equal((await staged('CH060')).fin_state, 'absent');
    });
  });
});

/**
 * Pins the decisions of the chantier-end job one by one, in process: `detectEndedChantiers` and
 * `finishChantiers` called directly on a real staging database, with BatiSimply replaced by an
 * in-memory project list that records every call. Each case checks the exact report, staged row
 * or request, so that a changed condition, word or id is seen (mutation testing, issue #15).
 */
describe('the chantier-end decisions one by one, in process', () => {
  /** BatiSimply's projects in memory; every call is recorded. */
  class FakeProjects implements BatisimplyApi {
    projects: Project[] = [];
    gets: number[] = [];
    lists = 0;
    puts: { id: number; body: ProjectBody }[] = [];
    /** The error `getProject` throws for an id, instead of answering. */
    getError = new Map<number, Error>();

    async listProjects() {
      this.lists++;
      return structuredClone(this.projects);
    }
    async readProjects(): Promise<never> {
      throw new Error('readProjects is not expected here');
    }
    async getProject(id: number) {
      this.gets.push(id);
      const error = this.getError.get(id);
      if (error) throw error;
      const found = this.projects.find((p) => p.id === id);
      if (!found) throw new BatisimplyError(`projet ${id} introuvable`, { code: 'BATISIMPLY_NOT_FOUND', retryable: false, status: 404 });
      return structuredClone(found);
    }
    async createProject(): Promise<Project> {
      throw new Error('createProject is not expected here');
    }
    async updateProject(id: number, body: ProjectBody) {
      this.puts.push({ id, body });
      return { ...body, id } as Project;
    }
    async listTimeSlots(): Promise<never> {
      throw new Error('listTimeSlots is not expected here');
    }
    async ping() {}
    async close() {}
  }

  /** BatiSimply settings that parse; the fake answers, so nothing is ever sent to this address. */
  const BATISIMPLY_ENV: Env = {
    BATISIMPLY_API_URL: 'http://127.0.0.1:9/api',
    BATISIMPLY_TOKEN_URL: 'http://127.0.0.1:9/token',
    BATISIMPLY_CLIENT_ID: 'client',
    BATISIMPLY_USERNAME: 'user',
    BATISIMPLY_PASSWORD: 'password',
    BATISIMPLY_CONCURRENCY: '1',
  };

  let api: FakeProjects;
  let batigest: MemoryBatigest;
  let services: Services | undefined;

  const world = useWorld({ sandbox: false });
  world.teardown(() => services?.close());
  beforeEach(() => {
    api = new FakeProjects();
    batigest = new MemoryBatigest();
  });

  /** A job context on the test database, with these settings (SYNC_TIMEZONE always set). */
  async function context(env: Env = BATISIMPLY_ENV, dryRun = false): Promise<JobContext<Section>> {
    await services?.close();
    services = new Services({ SYNC_TIMEZONE: 'Europe/Paris', ...env }, { staging: world.db, batigest, batisimply: api });
    return stepContext(services, world.db, { dryRun });
  }

  interface StagedChantier {
    batisimplyId?: number;
    /** The chantier ended an hour ago (with this reason, null: none recorded). */
    endReason?: string | null;
    finState?: string;
  }

  async function stage(code: string, s: StagedChantier = {}) {
    await world.db.query(
      `INSERT INTO batigest_chantiers (code, description, sync, batisimply_id, ended_at, end_reason, fin_state)
     VALUES ($1, 'x', true, $2, CASE WHEN $3 THEN now() - interval '1 hour' END, $4, $5)`,
      [code, s.batisimplyId ?? null, s.endReason !== undefined, s.endReason ?? null, s.finState ?? null],
    );
  }

  /** A recup-heures run that began after every end staged so far. */
  async function hoursFetched() {
    await world.db.query(
      `INSERT INTO connecteur_runs (run_id, job, trigger, status, started_at) VALUES (gen_random_uuid(), 'recup-heures', 'cli', 'succeeded', now())`,
    );
  }

  const row = async (code: string) =>
    (
      await world.db.query<{
        ended: boolean;
        end_reason: string | null;
        fin_state: string | null;
        batisimply_id: number | null;
        fin_date_set: boolean;
      }>(
        `SELECT ended_at IS NOT NULL AS ended, end_reason, fin_state, batisimply_id, fin_date IS NOT NULL AS fin_date_set
     FROM batigest_chantiers WHERE code = $1`,
        [code],
      )
    ).rows[0];

  describe('detectEndedChantiers', () => {
    test('Batigest answering no chantier: one warning with the count, nothing ended, no Etat read', async () => {
      await stage('CH001');
      await stage('CH002');
      const ctx = await context();
      await detectEndedChantiers(ctx, world.db, batigest, []);
      assert.deepEqual(ctx.report.warnings, [
        {
          key: 'chantiers',
          code: 'AUCUN_CHANTIER',
          message:
            'Batigest ne renvoie aucun chantier : 2 chantier(s) déjà connus laissés ouverts par prudence (vérifiez CHANTIERS_ETATS).',
        },
      ]);
      assert.equal((await row('CH001'))?.ended, false);
      assert.equal(batigest.reads.chantierEtats, 0);
    });

    test('an empty staging and an empty answer: no warning', async () => {
      const ctx = await context();
      await detectEndedChantiers(ctx, world.db, batigest, []);
      assert.deepEqual(ctx.report.warnings, []);
    });

    test('every staged chantier still returned: no Etat read, no warning', async () => {
      await stage('CH001');
      const ctx = await context();
      await detectEndedChantiers(ctx, world.db, batigest, [chantier('CH001')]);
      assert.deepEqual(ctx.report.warnings, []);
      assert.equal(batigest.reads.chantierEtats, 0);
    });

    test('an Etat out of two CHANTIERS_ETATS: the reason names the Etat and the list', async () => {
      await stage('CH001');
      await stage('CH002');
      batigest.chantiers = [chantier('CH001', { etat: 'T' })];
      const ctx = await context({ ...BATISIMPLY_ENV, CHANTIERS_ETATS: 'E,P' });
      await detectEndedChantiers(ctx, world.db, batigest, [chantier('CH002')]);
      const reason = 'Etat « T » hors de CHANTIERS_ETATS (E, P)';
      assert.deepEqual(ctx.report.warnings, [
        { key: 'CH001', code: 'CHANTIER_FINI', message: `Chantier CH001 ${reason} : sera terminé dans BatiSimply.` },
      ]);
      assert.deepEqual(await row('CH001'), { ended: true, end_reason: reason, fin_state: null, batisimply_id: null, fin_date_set: false });
      assert.equal((await row('CH002'))?.ended, false);
    });

    test('an Etat left empty in Batigest, CHANTIERS_ETATS unset: both shown empty', async () => {
      await stage('CH001');
      batigest.chantiers = [chantier('CH001', { etat: null as unknown as string })];
      const ctx = await context();
      await detectEndedChantiers(ctx, world.db, batigest, [chantier('CH002')]);
      assert.equal((await row('CH001'))?.end_reason, 'Etat «  » hors de CHANTIERS_ETATS ()');
    });

    test('CHANTIERS_FIN_MODE=none: the end is recorded and the project left open', async () => {
      await stage('CH001');
      const ctx = await context({ ...BATISIMPLY_ENV, CHANTIERS_FIN_MODE: 'none' });
      await detectEndedChantiers(ctx, world.db, batigest, [chantier('CH002')]);
      assert.deepEqual(ctx.report.warnings, [
        {
          key: 'CH001',
          code: 'CHANTIER_FINI',
          message: 'Chantier CH001 supprimé de Batigest : laissé ouvert dans BatiSimply (CHANTIERS_FIN_MODE=none).',
        },
      ]);
      assert.equal((await row('CH001'))?.end_reason, 'supprimé de Batigest');
    });

    test('chantiers that come back: reopened and reported in code order', async () => {
      await stage('CH009', { endReason: 'supprimé de Batigest', finState: 'finished' });
      await stage('CH003', { endReason: 'supprimé de Batigest' });
      const ctx = await context();
      await detectEndedChantiers(ctx, world.db, batigest, [chantier('CH003'), chantier('CH009')]);
      assert.deepEqual(ctx.report.warnings, [
        {
          key: 'CH003',
          code: 'CHANTIER_REVENU',
          message: "Chantier CH003 de retour dans Batigest : rouvert dans BatiSimply s'il y avait été fermé.",
        },
        {
          key: 'CH009',
          code: 'CHANTIER_REVENU',
          message: "Chantier CH009 de retour dans Batigest : rouvert dans BatiSimply s'il y avait été fermé.",
        },
      ]);
      // The end is undone; fin_state stays until the push reopens the project.
      assert.deepEqual(await row('CH009'), {
        ended: false,
        end_reason: null,
        fin_state: 'finished',
        batisimply_id: null,
        fin_date_set: false,
      });
    });
  });

  describe('finishChantiers', () => {
    test('nothing pending: BatiSimply is not even configured', async () => {
      await stage('CH001');
      const ctx = await context({});
      await finishChantiers(ctx);
      assert.deepEqual(ctx.report.counts.read, 0);
    });

    test('CHANTIERS_FIN_MODE=none: an end is left alone, a return is still undone', async () => {
      await stage('CH001', { endReason: 'supprimé de Batigest' });
      await stage('CH002', { finState: 'absent' });
      await hoursFetched();
      const ctx = await context({ ...BATISIMPLY_ENV, CHANTIERS_FIN_MODE: 'none' });
      await finishChantiers(ctx);
      assert.deepEqual(ctx.report.records, [{ key: 'CH002', action: 'unchanged' }]);
      assert.equal(ctx.report.counts.read, 1);
      assert.equal((await row('CH001'))?.fin_state, null);
      assert.equal((await row('CH002'))?.fin_state, null);
    });

    test('an end before any recup-heures: held until the hours are fetched, in the mode’s word', async () => {
      await stage('CH001', { batisimplyId: 5, endReason: 'supprimé de Batigest' });
      api.projects = [{ id: 5, projectCode: 'CH001' }];
      const ctx = await context({ ...BATISIMPLY_ENV, CHANTIERS_FIN_MODE: 'archived' });
      await finishChantiers(ctx);
      assert.deepEqual(ctx.report.errors, [
        {
          key: 'CH001',
          code: 'HEURES_A_RECUPERER',
          message:
            'Chantier CH001 supprimé de Batigest : il sera archivé dans BatiSimply après la prochaine récupération des heures (recup-heures) et leur export.',
        },
      ]);
      assert.deepEqual(api.gets, []);
      assert.deepEqual(api.puts, []);
    });

    test('hours not yet exported, one of them held: the end waits and says which', async () => {
      await stage('CH001', { batisimplyId: 5, endReason: null });
      // One slot by its code, one by the project id alone (code not yet resolved), one exported.
      await world.db.query(
        `INSERT INTO batigest_heures (id_heure, code_projet, id_projet, sync, held_code) VALUES
         ('1', 'CH001', null, false, 'SALARIE_INCONNU'), ('2', null, 5, false, null), ('3', 'CH001', 5, true, null)`,
      );
      await hoursFetched();
      const ctx = await context();
      await finishChantiers(ctx);
      assert.deepEqual(ctx.report.errors, [
        {
          key: 'CH001',
          code: 'HEURES_EN_ATTENTE',
          message:
            "Chantier CH001 terminé : 2 créneau(x) d'heures encore à exporter vers SuiviMO, dont 1 retenue(s) : à résoudre d'abord. Il sera terminé dans BatiSimply une fois ces heures exportées.",
        },
      ]);
      assert.deepEqual(api.puts, []);
    });

    test('hours not yet exported, none held: no mention of held ones', async () => {
      await stage('CH001', { endReason: 'supprimé de Batigest' });
      await world.db.query(`INSERT INTO batigest_heures (id_heure, code_projet, sync) VALUES ('1', 'CH001', false)`);
      await hoursFetched();
      const ctx = await context();
      await finishChantiers(ctx);
      assert.equal(
        ctx.report.errors[0]?.message,
        "Chantier CH001 supprimé de Batigest : 1 créneau(x) d'heures encore à exporter vers SuiviMO. Il sera terminé dans BatiSimply une fois ces heures exportées.",
      );
    });

    test('a project found by its id is finished: the whole object sent back with the flag', async () => {
      await stage('CH001', { batisimplyId: 5, endReason: 'supprimé de Batigest' });
      api.projects = [{ id: 5, projectCode: 'CH001', projectName: 'Nom', customerName: 'Client' }];
      await hoursFetched();
      const ctx = await context();
      await finishChantiers(ctx);
      assert.deepEqual(api.puts, [
        { id: 5, body: { id: 5, projectCode: 'CH001', projectName: 'Nom', customerName: 'Client', isFinished: true } },
      ]);
      assert.equal(api.lists, 0, 'found by its id, no listing');
      assert.deepEqual(ctx.report.records, [{ key: 'CH001', action: 'update' }]);
      assert.deepEqual(ctx.report.warnings, [
        { key: 'CH001', code: 'CHANTIER_FINI', message: 'Chantier CH001 supprimé de Batigest : projet BatiSimply 5 terminé.' },
      ]);
      assert.deepEqual(await row('CH001'), {
        ended: true,
        end_reason: 'supprimé de Batigest',
        fin_state: 'finished',
        batisimply_id: 5,
        fin_date_set: true,
      });
      assert.equal(ctx.report.counts.read, 1);
    });

    test('archived mode: isArchived set, and the id of a project found by code is stored', async () => {
      await stage('CH001', { endReason: 'supprimé de Batigest' });
      api.projects = [{ id: 7, projectCode: 'CH001' }];
      await hoursFetched();
      const ctx = await context({ ...BATISIMPLY_ENV, CHANTIERS_FIN_MODE: 'archived' });
      await finishChantiers(ctx);
      assert.deepEqual(api.puts, [{ id: 7, body: { id: 7, projectCode: 'CH001', isArchived: true } }]);
      assert.equal(ctx.report.warnings[0]?.message, 'Chantier CH001 supprimé de Batigest : projet BatiSimply 7 archivé.');
      assert.deepEqual(await row('CH001'), {
        ended: true,
        end_reason: 'supprimé de Batigest',
        fin_state: 'archived',
        batisimply_id: 7,
        fin_date_set: true,
      });
    });

    test('dry run: the project it would finish is reported, nothing is sent or stored', async () => {
      await stage('CH001', { batisimplyId: 5, endReason: 'supprimé de Batigest' });
      await stage('CH002', { endReason: 'supprimé de Batigest' });
      api.projects = [{ id: 5, projectCode: 'CH001' }];
      await hoursFetched();
      const ctx = await context(BATISIMPLY_ENV, true);
      await finishChantiers(ctx);
      assert.deepEqual(api.puts, []);
      assert.deepEqual(ctx.report.records, [
        { key: 'CH001', action: 'update' },
        { key: 'CH002', action: 'unchanged' },
      ]);
      assert.equal((await row('CH001'))?.fin_state, null);
      assert.equal((await row('CH002'))?.fin_state, null);
    });

    test('no project in BatiSimply: marked absent, nothing sent', async () => {
      await stage('CH001', { endReason: 'supprimé de Batigest' });
      api.projects = [{ id: 3, projectCode: 'CH999' }];
      await hoursFetched();
      const ctx = await context();
      await finishChantiers(ctx);
      assert.deepEqual(api.puts, []);
      assert.deepEqual(ctx.report.records, [{ key: 'CH001', action: 'unchanged' }]);
      assert.deepEqual(ctx.report.warnings, []);
      assert.equal((await row('CH001'))?.fin_state, 'absent');
    });

    test('a stored id BatiSimply no longer knows (404): found by code, the oldest project of the code', async () => {
      await stage('CH001', { batisimplyId: 99, endReason: 'supprimé de Batigest' });
      api.projects = [
        { id: 12, projectCode: 'CH001' },
        { id: 4, projectCode: null },
        { id: 8, projectCode: 'CH001' },
        { id: 10, projectCode: 'CH001' },
      ];
      await hoursFetched();
      const ctx = await context();
      await finishChantiers(ctx);
      assert.deepEqual(api.gets, [99]);
      assert.deepEqual(
        api.puts.map((p) => p.id),
        [8],
      );
      assert.equal((await row('CH001'))?.batisimply_id, 8);
    });

    test('several chantiers without an id: BatiSimply is listed once', async () => {
      await stage('CH001', { endReason: 'supprimé de Batigest' });
      await stage('CH002', { endReason: 'supprimé de Batigest' });
      api.projects = [
        { id: 1, projectCode: 'CH001' },
        { id: 2, projectCode: 'CH002' },
      ];
      await hoursFetched();
      const ctx = await context();
      await finishChantiers(ctx);
      assert.deepEqual(api.gets, [], 'no id, no read by id');
      assert.equal(api.lists, 1);
      assert.deepEqual(api.puts.map((p) => p.id).sort(), [1, 2]);
    });

    test('BatiSimply failing the read of one project (500): that chantier fails, the next is finished', async () => {
      await stage('CH001', { batisimplyId: 5, endReason: 'supprimé de Batigest' });
      await stage('CH002', { batisimplyId: 6, endReason: 'supprimé de Batigest' });
      api.projects = [
        { id: 5, projectCode: 'CH001' },
        { id: 6, projectCode: 'CH002' },
      ];
      api.getError.set(5, new BatisimplyError('BatiSimply : erreur 500', { code: 'BATISIMPLY_HTTP_500', retryable: true, status: 500 }));
      await hoursFetched();
      const ctx = await context();
      await finishChantiers(ctx);
      assert.equal(api.lists, 0, 'a 500 is not a missing project');
      assert.deepEqual(
        ctx.report.errors.map((e) => [e.key, e.code]),
        [['CH001', 'BATISIMPLY_HTTP_500']],
      );
      assert.deepEqual(
        api.puts.map((p) => p.id),
        [6],
      );
      assert.equal((await row('CH001'))?.fin_state, null);
    });

    test('a 404 that is not an answer of BatiSimply fails the chantier instead of searching by code', async () => {
      await stage('CH001', { batisimplyId: 5, endReason: 'supprimé de Batigest' });
      api.projects = [{ id: 8, projectCode: 'CH001' }];
      api.getError.set(5, Object.assign(new Error('not found'), { status: 404 }));
      await hoursFetched();
      const ctx = await context();
      await finishChantiers(ctx);
      assert.equal(api.lists, 0);
      assert.equal(ctx.report.counts.failed, 1);
      assert.deepEqual(api.puts, []);
    });

    test('a returned chantier whose project was archived: reopened (isArchived false)', async () => {
      await stage('CH001', { batisimplyId: 5, finState: 'archived' });
      api.projects = [{ id: 5, projectCode: 'CH001', isArchived: true }];
      const ctx = await context();
      await finishChantiers(ctx);
      assert.deepEqual(api.puts, [{ id: 5, body: { id: 5, projectCode: 'CH001', isArchived: false } }]);
      assert.deepEqual(ctx.report.records, [{ key: 'CH001', action: 'update' }]);
      assert.deepEqual(ctx.report.warnings, [
        { key: 'CH001', code: 'CHANTIER_ROUVERT', message: 'Chantier CH001 de retour dans Batigest : projet BatiSimply 5 rouvert.' },
      ]);
      assert.deepEqual(await row('CH001'), { ended: false, end_reason: null, fin_state: null, batisimply_id: 5, fin_date_set: false });
    });

    test('a returned chantier whose project was finished: reopened (isFinished false)', async () => {
      await stage('CH001', { batisimplyId: 5, finState: 'finished' });
      api.projects = [{ id: 5, projectCode: 'CH001', isFinished: true }];
      const ctx = await context();
      await finishChantiers(ctx);
      assert.deepEqual(api.puts, [{ id: 5, body: { id: 5, projectCode: 'CH001', isFinished: false } }]);
    });

    test('a returned chantier that had no project (absent): BatiSimply is not asked', async () => {
      await stage('CH001', { batisimplyId: 5, finState: 'absent' });
      api.projects = [{ id: 5, projectCode: 'CH001' }];
      const ctx = await context();
      await finishChantiers(ctx);
      assert.deepEqual(api.gets, []);
      assert.equal(api.lists, 0);
      assert.deepEqual(api.puts, []);
      assert.deepEqual(ctx.report.records, [{ key: 'CH001', action: 'unchanged' }]);
      assert.deepEqual(ctx.report.warnings, []);
      assert.equal((await row('CH001'))?.fin_state, null);
    });

    test('a returned chantier in a dry run: reported, nothing sent or stored', async () => {
      await stage('CH001', { batisimplyId: 5, finState: 'finished' });
      api.projects = [{ id: 5, projectCode: 'CH001', isFinished: true }];
      const ctx = await context(BATISIMPLY_ENV, true);
      await finishChantiers(ctx);
      assert.deepEqual(api.puts, []);
      assert.deepEqual(ctx.report.records, [{ key: 'CH001', action: 'update' }]);
      assert.equal((await row('CH001'))?.fin_state, 'finished');
    });
  });
});
