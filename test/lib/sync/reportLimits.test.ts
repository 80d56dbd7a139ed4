/**
 * A run report's memory does not follow the number of records (issue 12): past a number per
 * action, records are counted and not listed, and only records with an open issue are
 * remembered when they go through.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RECORDS_LISTED, ReportBuilder } from '../../../src/lib/sync/report.js';
import { formatReport } from '../../../src/cli/format.js';

describe('records listed in a report', () => {
  test('limits per action are 10,000 changes and 1,000 unchanged', () => {
    assert.deepEqual(RECORDS_LISTED, { create: 10_000, update: 10_000, delete: 10_000, unchanged: 1_000 });
  });

  test('past its limit an action is counted, not listed; failures are always listed', () => {
    const report = new ReportBuilder();
    for (let i = 0; i < 10_003; i++) report.ok(`c${i}`, 'created');
    for (let i = 0; i < 1_002; i++) report.ok(`u${i}`, 'unchanged');
    report.ok('m1', 'updated', { fields: ['total_heure'] });
    for (let i = 0; i < 3; i++) report.fail(`f${i}`, new Error('boom'));
    assert.deepEqual(report.counts, { read: 0, created: 10_003, updated: 1, deleted: 0, unchanged: 1_002, failed: 3, held: 0 });
    assert.deepEqual(report.omitted, { create: 3, unchanged: 2 });
    const byAction = (a: string) => report.records.filter((r) => r.action === a).length;
    assert.deepEqual([byAction('create'), byAction('unchanged'), byAction('update'), byAction('fail')], [10_000, 1_000, 1, 3]);
    assert.deepEqual(report.records.at(9_999), { key: 'c9999', action: 'create' });
    assert.deepEqual(
      report.records.find((r) => r.action === 'update'),
      { key: 'm1', action: 'update', fields: ['total_heure'] },
    );
  });

  test('the terminal says what was counted without being listed, the unchanged ones left out', () => {
    const text = formatReport({
      job: 'recup-heures',
      runId: 'r1',
      status: 'succeeded',
      dryRun: false,
      startedAt: '2026-11-28T10:00:00Z',
      finishedAt: '2026-11-28T10:01:00Z',
      counts: { read: 10_005, created: 10_002, updated: 3, deleted: 0, unchanged: 0, failed: 0, held: 0 },
      errors: [],
      records: [{ key: 'c1', action: 'create' }],
      recordsOmitted: { create: 2, unchanged: 7 },
    });
    assert.match(text, /\n {4}Comptés sans être listés : création 2$/);
  });
});

describe('records that go through', () => {
  test('only those with an open issue are remembered, to resolve it', () => {
    const report = new ReportBuilder(new Set(['42', 'suppressions-creneaux']));
    report.ok('41', 'created');
    report.ok('42', 'updated');
    report.ok('suppressions-creneaux');
    report.ok('43');
    assert.deepEqual([...report.succeeded].sort(), ['42', 'suppressions-creneaux']);
  });

  test('without open issues, nothing is remembered', () => {
    const report = new ReportBuilder();
    report.ok('1', 'created');
    assert.equal(report.succeeded.size, 0);
  });
});
