/**
 * transferChantiers at the port level: Batigest in memory, the staging table on real PostgreSQL,
 * the job called with a context the test holds. Written from the surviving mutants of
 * sync/transferChantiers.js: batches, counts, progress, the refused codes and the ended chantiers.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type { Env } from '../../../src/lib/config.js';
import type { Logger } from '../../../src/lib/log.js';
import { Services } from '../../../src/lib/services.js';
import { ReportBuilder } from '../../../src/lib/sync/report.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { stepContext } from '../../support/jobContext.js';
import { transferChantiers } from '../../../src/lib/sync/transfer.js';
import { useWorld } from '../../support/fixture.js';

let batigest: MemoryBatigest;
const world = useWorld({ sandbox: false });
beforeEach(() => void (batigest = new MemoryBatigest()));

const log: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };

/** `openIssues`: codes that failed in an earlier run; the report remembers those that go through. */
async function transfer(options: { dryRun?: boolean; env?: Env; openIssues?: string[] } = {}) {
  const services = new Services({ CHANTIERS_BATCH_SIZE: '2', ...options.env }, { staging: world.db, batigest });
  const report = new ReportBuilder(new Set(options.openIssues));
  const progress: [number, number][] = [];
  const ctx = await stepContext(services, world.db, {
    dryRun: options.dryRun ?? false,
    report,
    log,
    progress: (d, n) => void progress.push([d, n]),
  });
  await transferChantiers(ctx);
  await services.close();
  return { report, progress };
}

const stagedCodes = async () =>
  (await world.db.query<{ code: string }>('SELECT code FROM batigest_chantiers ORDER BY code')).rows.map((r) => r.code);

describe('transferChantiers', () => {
  test('batches of CHANTIERS_BATCH_SIZE: each staged, counted and told as progress', async () => {
    batigest.chantiers = ['CH001', 'CH002', 'CH003', 'CH004', 'CH005'].map((c) => chantier(c));
    const { report, progress } = await transfer({ openIssues: ['CH001', 'CH002', 'CH003', 'CH004', 'CH005', 'CH999'] });
    assert.deepEqual(progress, [
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    assert.deepEqual(await stagedCodes(), ['CH001', 'CH002', 'CH003', 'CH004', 'CH005']);
    assert.deepEqual([report.counts.read, report.counts.created, report.counts.updated, report.counts.unchanged], [5, 5, 0, 0]);
    assert.deepEqual([...report.succeeded], ['CH001', 'CH002', 'CH003', 'CH004', 'CH005']);
  });

  test('a multiple of the batch size: no empty batch after the last one', async () => {
    batigest.chantiers = ['CH001', 'CH002', 'CH003', 'CH004'].map((c) => chantier(c));
    const { progress } = await transfer();
    assert.deepEqual(progress, [
      [2, 4],
      [4, 4],
    ]);
  });

  test('a second run counts changed and unchanged rows', async () => {
    batigest.chantiers = ['CH001', 'CH002', 'CH003'].map((c) => chantier(c));
    await transfer();
    batigest.chantiers[1] = chantier('CH002', { nomClient: 'Autre' });
    const { report } = await transfer();
    assert.deepEqual([report.counts.created, report.counts.updated, report.counts.unchanged], [0, 1, 2]);
  });

  test('a refused code is reported with its reason and neither staged nor counted as passed', async () => {
    batigest.chantiers = [chantier('ABCDEFGHI'), chantier('CH010')];
    const { report, progress } = await transfer({ openIssues: ['ABCDEFGHI', 'CH010'] });
    assert.deepEqual(
      report.errors.map((e) => [e.key, e.code, e.message]),
      [
        [
          'ABCDEFGHI',
          'CHANTIER_INVALIDE',
          'Code chantier « ABCDEFGHI » trop long (9 caractères, 8 au plus dans Batigest) : refusé pour ne pas changer la clé.',
        ],
      ],
    );
    assert.deepEqual(await stagedCodes(), ['CH010']);
    assert.deepEqual([...report.succeeded], ['CH010']);
    assert.deepEqual([report.counts.read, report.counts.created], [2, 1]);
    assert.deepEqual(progress, [[1, 1]]);
  });

  test('a chantier no longer returned by Batigest is marked ended', async () => {
    batigest.chantiers = [chantier('CH020'), chantier('CH021')];
    await transfer();
    batigest.chantiers = [chantier('CH020')];
    const { report } = await transfer();
    assert.deepEqual(
      report.warnings.map((w) => [w.key, w.code]),
      [['CH021', 'CHANTIER_FINI']],
    );
    const { rows } = await world.db.query<{ ended: boolean }>(
      `SELECT ended_at IS NOT NULL AS ended FROM batigest_chantiers WHERE code = 'CH021'`,
    );
    assert.deepEqual(rows, [{ ended: true }]);
  });

  test('a dry run stages nothing but counts what it would do', async () => {
    batigest.chantiers = [chantier('CH030')];
    const { report } = await transfer({ dryRun: true });
    assert.equal(report.counts.created, 1);
    assert.deepEqual(await stagedCodes(), []);
  });

  test('CHANTIERS_ETATS selects what is read', async () => {
    batigest.chantiers = [chantier('CH040', { etat: 'E' }), chantier('CH041', { etat: 'T' })];
    const { report } = await transfer({ env: { CHANTIERS_ETATS: 'E' } });
    assert.equal(report.counts.read, 1);
    assert.deepEqual(await stagedCodes(), ['CH040']);
  });
});
