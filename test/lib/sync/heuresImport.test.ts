/**
 * recup-heures against malformed slots (issue 10, points 3 and 6), an empty answer that would
 * erase the window (point 5), and the digest that spares unchanged slots a write (issue 12).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import type { SandboxTimeSlot } from '../../../src/sandbox/state.js';
import { daysAgo, slot } from '../../support/slots.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ services: () => new Services(world.env, { staging: world.db }) });

const recup = async (options: { allowMassDelete?: boolean } = {}) =>
  (await runJob(world.services, 'recup-heures', { trigger: 'cli', ...options })).report as RunReport;
const setSlots = (...slots: SandboxTimeSlot[]) => world.sandbox.state.load({ timeSlots: slots });
const stagedIds = async () =>
  (await world.db.query<{ id_heure: string }>('SELECT id_heure FROM batigest_heures ORDER BY id_heure::int')).rows.map((r) => r.id_heure);
const liveIds = async () =>
  (
    await world.db.query<{ id_heure: string }>('SELECT id_heure FROM batigest_heures WHERE deleted_at IS NULL ORDER BY id_heure::int')
  ).rows.map((r) => r.id_heure);
const good = (id: number) => slot(id, daysAgo(3, `${String(6 + (id % 10)).padStart(2, '0')}:00:00`), 60);

describe('malformed slots are refused one by one', () => {
  test('a slot whose project has a null id is refused, not staged as project 0', async () => {
    setSlots(good(1), { ...good(2), project: { id: null } } as never);
    const report = await recup();
    assert.equal(report.status, 'partial');
    assert.deepEqual(await stagedIds(), ['1']);
    assert.deepEqual(report.errors, [
      { key: '2', code: 'CRENEAU_INVALIDE', message: 'Créneau refusé (project.id) : identifiant de projet manquant.' },
    ]);
  });

  test('a slot that ends before it starts is refused, not staged as is', async () => {
    const start = daysAgo(3, '08:00:00');
    setSlots(good(1), { ...good(2), startDate: start, endDate: daysAgo(3, '07:00:00') });
    const report = await recup();
    assert.deepEqual(await stagedIds(), ['1']);
    assert.equal(report.counts.failed, 1);
    assert.match(report.errors[0]!.message, /^Créneau refusé \(endDate\) : fin \(.+\) avant le début \(.+\)\.$/);
  });

  test('a slot without user and one with its minutes as text: the good ones go in, each bad one named', async () => {
    const { user: _, ...withoutUser } = good(2);
    setSlots(good(1), withoutUser as never, { ...good(3), totalTimeMinutes: '60' } as never, good(4));
    const report = await recup();
    assert.equal(report.status, 'partial');
    assert.deepEqual(await stagedIds(), ['1', '4']);
    assert.deepEqual(report.counts, { read: 4, created: 2, updated: 0, deleted: 0, unchanged: 0, failed: 2, held: 0 });
    assert.deepEqual(
      report.errors.map((e) => [e.key, e.message]),
      [
        ['2', 'Créneau refusé (user) : salarié manquant.'],
        ['3', 'Créneau refusé (totalTimeMinutes) : nombre entier de minutes attendu.'],
      ],
    );
  });

  test('a staged slot that comes back malformed is neither changed nor marked deleted', async () => {
    setSlots(good(1), good(2));
    await recup();
    setSlots(good(1), { ...good(2), totalTimeMinutes: -5 });
    const report = await recup();
    assert.equal(report.counts.deleted, 0);
    assert.deepEqual(await liveIds(), ['1', '2']);
  });

  test('a refused slot without any id: no slot is marked deleted during that run', async () => {
    setSlots(good(1), good(2));
    await recup();
    setSlots(good(1), { ...good(3), id: null } as never);
    const report = await recup();
    assert.deepEqual(await liveIds(), ['1', '2']);
    assert.equal(report.warnings?.[0]?.code, 'SUPPRESSIONS_NON_DETERMINEES');
  });
});

describe('mass deletions are held until confirmed', () => {
  const many = () => Array.from({ length: 30 }, (_, i) => good(i + 1));

  test('every chunk answering [] holds the deletions with a reason, in the report and the history', async () => {
    setSlots(...many());
    await recup();
    setSlots();
    const report = await recup();
    assert.equal(report.status, 'partial');
    assert.equal(report.counts.deleted, 0);
    assert.equal((await liveIds()).length, 30);
    assert.equal(report.warnings?.[0]?.code, 'SUPPRESSION_MASSIVE_RETENUE');
    assert.match(report.errors[0]!.message, /30 des 30 créneaux .* --allow-mass-delete/);
    const history = await world.db.query<{ errors: { code: string }[] }>('SELECT errors FROM connecteur_runs WHERE run_id = $1', [
      report.runId,
    ]);
    assert.equal(history.rows[0]!.errors[0]!.code, 'SUPPRESSION_MASSIVE_RETENUE');
    const issues = await world.db.query('SELECT kind, code FROM connecteur_record_issues');
    assert.deepEqual(issues.rows, [{ kind: 'held', code: 'SUPPRESSION_MASSIVE_RETENUE' }]);
  });

  test('held again by the next run, the issue stays open and counts its attempts', async () => {
    setSlots(...many());
    await recup();
    setSlots();
    await recup();
    const again = await recup();
    assert.equal(again.status, 'partial');
    const issues = await world.db.query('SELECT record_key, kind, attempts FROM connecteur_record_issues');
    assert.deepEqual(issues.rows, [{ record_key: 'suppressions-creneaux', kind: 'held', attempts: 2 }]);
  });

  test('confirmed by the operator, the deletions go through and the held issue is resolved', async () => {
    setSlots(...many());
    await recup();
    setSlots();
    await recup();
    const report = await recup({ allowMassDelete: true });
    assert.equal(report.status, 'succeeded');
    assert.equal(report.counts.deleted, 30);
    assert.deepEqual(await liveIds(), []);
    assert.equal((await world.db.query('SELECT 1 FROM connecteur_record_issues')).rows.length, 0);
  });

  test('a few deletions, or under the share, go through unasked', async () => {
    setSlots(...many());
    await recup();
    setSlots(...many().slice(0, 20));
    const report = await recup();
    assert.equal(report.status, 'succeeded');
    assert.equal(report.counts.deleted, 10);
  });
});

describe('unchanged slots are not written', () => {
  test('a re-run with nothing changed writes no row', async () => {
    setSlots(good(1), good(2));
    await recup();
    const before = (await world.db.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    const report = await recup();
    assert.equal(report.counts.unchanged, 2);
    assert.equal((await world.db.query('SELECT 1 FROM batigest_heures WHERE updated_at >= $1', [before])).rows.length, 0);
  });

  test('a row staged without a digest gets one, and keeps its sync state and revision', async () => {
    setSlots(good(1));
    await recup();
    await world.db.query('UPDATE batigest_heures SET content_hash = NULL, sync = true, revision = 7');
    const report = await recup();
    assert.equal(report.counts.unchanged, 1);
    const row = (
      await world.db.query<{ hashed: boolean; sync: boolean; revision: number }>(
        'SELECT content_hash IS NOT NULL AS hashed, sync, revision FROM batigest_heures',
      )
    ).rows[0];
    assert.deepEqual(row, { hashed: true, sync: true, revision: 7 });
  });

  test('the end of a slot moving is written, without sending it to SuiviMO again', async () => {
    setSlots(good(1));
    await recup();
    await world.db.query('UPDATE batigest_heures SET sync = true');
    setSlots({ ...good(1), endDate: new Date(Date.parse(good(1).endDate) + 30 * 60_000).toISOString().replace('.000Z', 'Z') });
    const report = await recup();
    assert.equal(report.counts.updated, 1);
    assert.equal((await world.db.query<{ sync: boolean }>('SELECT sync FROM batigest_heures')).rows[0]!.sync, true);
  });
});
