/** The run report: counts and per-record outcomes as a job collects them, and a chain's status. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordError } from '../../../src/lib/errors.js';
import { registerSecret } from '../../../src/lib/log.js';
import { ReportBuilder } from '../../../src/lib/sync/report.js';
import { chainStatus, emptyCounts, isChainReport, STATUS_FR, type RunReport, type RunStatus } from '../../../src/lib/domain/runs.js';

// A secret the log masks: hold and warn texts may echo one from an outside system.
const SECRET = 'report-test-secret-9f2c';
registerSecret(SECRET);

test('STATUS_FR: each status in French', () => {
  assert.deepEqual(STATUS_FR, {
    succeeded: 'réussi',
    partial: 'partiel',
    failed: 'échec',
    skipped: 'ignoré',
    running: 'en cours',
    interrupted: 'interrompu',
    queued: 'en file d’attente',
  });
});

test('emptyCounts: every count at zero, a new object each call', () => {
  const counts = emptyCounts();
  assert.deepEqual(counts, { read: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, held: 0 });
  counts.read = 5;
  assert.equal(emptyCounts().read, 0);
});

test('a new builder: zero counts, nothing listed, succeeded', () => {
  const report = new ReportBuilder();
  assert.deepEqual(report.counts, emptyCounts());
  assert.deepEqual([report.errors, report.warnings, report.outcomes, report.records], [[], [], [], []]);
  assert.equal(report.succeeded.size, 0);
  assert.equal(report.status(), 'succeeded');
});

test('add: one by default, n when given', () => {
  const report = new ReportBuilder();
  report.add('read');
  report.add('read', 4);
  assert.equal(report.counts.read, 5);
});

test('ok with each count: counted, listed with its action and detail, marked succeeded when an issue was open', () => {
  const report = new ReportBuilder(new Set(['A', 'B', 'C', 'D']));
  report.ok('A', 'created');
  report.ok('B', 'updated', { fields: ['description'] });
  report.ok('C', 'deleted', { reason: 'supprimé de Batigest' });
  report.ok('D', 'unchanged');
  assert.deepEqual(report.counts, { read: 0, created: 1, updated: 1, deleted: 1, unchanged: 1, failed: 0, held: 0 });
  assert.deepEqual(report.records, [
    { key: 'A', action: 'create' },
    { key: 'B', action: 'update', fields: ['description'] },
    { key: 'C', action: 'delete', reason: 'supprimé de Batigest' },
    { key: 'D', action: 'unchanged' },
  ]);
  assert.deepEqual([...report.succeeded], ['A', 'B', 'C', 'D']);
});

test('ok without a count: marked succeeded, neither counted nor listed', () => {
  const report = new ReportBuilder(new Set(['A']));
  report.ok('A');
  assert.deepEqual(report.counts, emptyCounts());
  assert.deepEqual(report.records, []);
  assert.deepEqual([...report.succeeded], ['A']);
});

test('fail with a connector error: its code and message in errors, outcomes and records', () => {
  const report = new ReportBuilder();
  report.fail('CH1', new RecordError('CHANTIER_INVALIDE', 'Code chantier vide.'));
  assert.equal(report.counts.failed, 1);
  assert.deepEqual(report.errors, [{ key: 'CH1', code: 'CHANTIER_INVALIDE', message: 'Code chantier vide.' }]);
  assert.deepEqual(report.outcomes, [{ key: 'CH1', kind: 'failed', code: 'CHANTIER_INVALIDE', message: 'Code chantier vide.' }]);
  assert.deepEqual(report.records, [{ key: 'CH1', action: 'fail', reason: 'Code chantier vide.' }]);
  assert.equal(report.succeeded.size, 0);
  assert.equal(report.status(), 'partial');
});

test('fail with an unexpected error: INTERNAL, with the message of the error and its cause', () => {
  const report = new ReportBuilder();
  report.fail('CH1', new Error('boom', { cause: new Error('root') }));
  assert.deepEqual(report.errors, [{ key: 'CH1', code: 'INTERNAL', message: 'boom ← root' }]);
});

test('hold: counted, its text masked of secrets in errors, outcomes and records', () => {
  const report = new ReportBuilder();
  report.hold('S1', 'SALARIE_INCONNU', `inconnu (${SECRET})`);
  assert.equal(report.counts.held, 1);
  assert.deepEqual(report.errors, [{ key: 'S1', code: 'SALARIE_INCONNU', message: 'inconnu (***)' }]);
  assert.deepEqual(report.outcomes, [{ key: 'S1', kind: 'held', code: 'SALARIE_INCONNU', message: 'inconnu (***)' }]);
  assert.deepEqual(report.records, [{ key: 'S1', action: 'hold', reason: 'inconnu (***)' }]);
  assert.equal(report.status(), 'partial');
});

test('warn: listed among the warnings only, masked, the status unchanged', () => {
  const report = new ReportBuilder();
  report.warn('W1', 'ADRESSE_INTROUVABLE', `adresse ${SECRET}`);
  assert.deepEqual(report.warnings, [{ key: 'W1', code: 'ADRESSE_INTROUVABLE', message: 'adresse ***' }]);
  assert.deepEqual([report.errors, report.outcomes, report.records], [[], [], []]);
  assert.equal(report.status(), 'succeeded');
});

const step = (status: RunStatus): RunReport => ({
  job: 'transfer',
  runId: 'r',
  status,
  dryRun: false,
  startedAt: '',
  finishedAt: '',
  counts: emptyCounts(),
  errors: [],
});

test('chainStatus: the worst status of the steps', () => {
  const cases: [RunStatus[], RunStatus][] = [
    [['succeeded', 'interrupted', 'failed'], 'interrupted'],
    [['succeeded', 'failed', 'partial'], 'failed'],
    [['skipped', 'partial', 'succeeded'], 'partial'],
    [['succeeded', 'skipped'], 'skipped'],
    [['succeeded', 'succeeded'], 'succeeded'],
    [[], 'succeeded'],
    // A status outside the order (a step never ends queued or running) leaves the chain succeeded.
    [['running'], 'succeeded'],
  ];
  for (const [statuses, expected] of cases) assert.equal(chainStatus(statuses.map(step)), expected, statuses.join(','));
});

test('isChainReport: true with steps, false for a step report', () => {
  assert.equal(isChainReport({ job: 'chantiers', runId: 'r', status: 'succeeded', dryRun: false, steps: [] }), true);
  assert.equal(isChainReport(step('succeeded')), false);
});
