import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type { Env } from '../../../src/lib/config.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { stepReport } from '../../support/reports.js';
import { useWorld } from '../../support/fixture.js';

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
