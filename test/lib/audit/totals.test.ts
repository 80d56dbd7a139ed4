/**
 * The audit's totals and its own check, « heures inexpliquées », on hand-made inputs: hours that
 * cancel out in one view (per chantier, or per salarié) must still show in the other.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditInputs } from '../../../src/lib/audit/read.js';
import { auditTotals, TOLERANCE } from '../../../src/lib/audit/totals.js';
import type { Bucket, Finding } from '../../../src/lib/audit/types.js';

const MONTH = '2026-03';

interface PlainSlot {
  id: string;
  minutes: number;
  bucket: Bucket;
  status?: string;
}

/** A SuiviMO row of `hours` at chantier / salarié, on a day of `month`. */
const row = (chantier: string, salarie: string, hours: number, month = MONTH, day = '02') => ({
  codeChantier: chantier,
  codeSalarie: salarie,
  date: `${month}-${day}T08:00`,
  nbh0: hours,
  trajet: 0,
  panier: 0,
});

const at = (chantier: string, salarie: string, month = MONTH): Bucket => ({ chantier, salarie, month });

function totals(slots: PlainSlot[], suiviMo: ReturnType<typeof row>[], findings: Finding[] = []) {
  const inputs = {
    batisimply: {
      projects: [],
      slots: slots.map((s) => ({ id: s.id, totalTimeMinutes: s.minutes, managementStatus: s.status ?? 'VALIDATED' })),
    },
    batigest: { chantiers: [], salaries: [], suiviMo },
  } as unknown as AuditInputs;
  const buckets = new Map(slots.map((s) => [s.id, s.bucket]));
  return auditTotals(inputs, findings, (id) => buckets.get(id));
}

/** A finding that accounts for a slot's hours on the BatiSimply side and a row's on the Batigest side. */
const explains = (parts: { bs?: [Bucket, number]; bg?: [Bucket, number] }): Finding => ({
  kind: 'HEURE_EN_ATTENTE',
  key: 'k',
  message: 'm',
  action: 'a',
  ...(parts.bs ? { bucketBatisimply: parts.bs[0], heuresBatisimply: parts.bs[1] } : {}),
  ...(parts.bg ? { bucketBatigest: parts.bg[0], heuresBatigest: parts.bg[1] } : {}),
});

describe('audit totals: « heures inexpliquées »', () => {
  test('slots and rows that agree: totals on both sides, no difference, nothing unexplained', () => {
    const t = totals(
      [
        { id: '1', minutes: 240, bucket: at('CH001', 'DUPJ') },
        { id: '2', minutes: 90, bucket: at('CH002', 'MART') },
      ],
      [row('CH001', 'DUPJ', 4), row('CH002', 'MART', 1.5)],
    );
    assert.deepEqual(t.heures, { batisimply: 5.5, batigest: 5.5, difference: 0, expliquees: 0, inexpliquees: 0 });
    assert.deepEqual(t.parChantier, [
      { key: 'CH001', month: MONTH, batisimply: 4, batigest: 4, difference: 0, expliquee: 0 },
      { key: 'CH002', month: MONTH, batisimply: 1.5, batigest: 1.5, difference: 0, expliquee: 0 },
    ]);
    assert.deepEqual(t.parSalarie, [
      { key: 'DUPJ', month: MONTH, batisimply: 4, batigest: 4, difference: 0, expliquee: 0 },
      { key: 'MART', month: MONTH, batisimply: 1.5, batigest: 1.5, difference: 0, expliquee: 0 },
    ]);
  });

  test('hours moved between two salariés of one chantier, unexplained: the chantier agrees, the salariés do not', () => {
    const t = totals([{ id: '1', minutes: 240, bucket: at('CH001', 'DUPJ') }], [row('CH001', 'MART', 4)]);
    assert.deepEqual(t.parChantier, [{ key: 'CH001', month: MONTH, batisimply: 4, batigest: 4, difference: 0, expliquee: 0 }]);
    assert.deepEqual(
      t.parSalarie.map((r) => [r.key, r.difference]),
      [
        ['DUPJ', 4],
        ['MART', -4],
      ],
    );
    // Each salarié's month is off by 4 h: the hours left one and reached the other.
    assert.equal(t.heures.inexpliquees, 8);
    assert.equal(t.heures.difference, 0);
  });

  test('hours moved between two chantiers of one salarié, unexplained: the salarié agrees, the chantiers do not', () => {
    const t = totals([{ id: '1', minutes: 150, bucket: at('CH001', 'DUPJ') }], [row('CH002', 'DUPJ', 2.5)]);
    assert.deepEqual(t.parSalarie, [{ key: 'DUPJ', month: MONTH, batisimply: 2.5, batigest: 2.5, difference: 0, expliquee: 0 }]);
    assert.equal(t.heures.inexpliquees, 5);
  });

  test('hours moved between two months of one chantier and salarié are unexplained in both views', () => {
    const t = totals([{ id: '1', minutes: 60, bucket: at('CH001', 'DUPJ', '2026-03') }], [row('CH001', 'DUPJ', 1, '2026-04')]);
    assert.equal(t.heures.difference, 0);
    assert.equal(t.heures.inexpliquees, 2);
    assert.deepEqual(
      t.parChantier.map((r) => [r.month, r.difference]),
      [
        ['2026-03', 1],
        ['2026-04', -1],
      ],
    );
  });

  test('a move explained on both sides by findings at the right places: nothing unexplained', () => {
    // The slot's hours at DUPJ are accounted for (e.g. its row deleted by hand); the hand row at MART too.
    const t = totals(
      [{ id: '1', minutes: 240, bucket: at('CH001', 'DUPJ') }],
      [row('CH001', 'MART', 4)],
      [explains({ bs: [at('CH001', 'DUPJ'), 4] }), explains({ bg: [at('CH001', 'MART'), 4] })],
    );
    assert.equal(t.heures.inexpliquees, 0);
    assert.equal(t.heures.expliquees, 0, 'per chantier, +4 and -4 explained');
    assert.deepEqual(
      t.parSalarie.map((r) => [r.key, r.difference, r.expliquee]),
      [
        ['DUPJ', 4, 4],
        ['MART', -4, -4],
      ],
    );
  });

  test('explained per chantier but at the wrong salariés: unexplained', () => {
    const t = totals(
      [{ id: '1', minutes: 240, bucket: at('CH001', 'DUPJ') }],
      [row('CH001', 'MART', 4)],
      [explains({ bs: [at('CH001', 'MART'), 4] }), explains({ bg: [at('CH001', 'DUPJ'), 4] })],
    );
    assert.ok(t.parChantier.every((r) => r.difference === r.expliquee));
    assert.equal(t.heures.inexpliquees, 16);
  });

  test('explained per salarié but at the wrong chantiers: unexplained', () => {
    const t = totals(
      [{ id: '1', minutes: 240, bucket: at('CH001', 'DUPJ') }],
      [row('CH002', 'DUPJ', 4)],
      [explains({ bs: [at('CH002', 'DUPJ'), 4] }), explains({ bg: [at('CH001', 'DUPJ'), 4] })],
    );
    assert.ok(t.parSalarie.every((r) => r.difference === r.expliquee));
    assert.equal(t.heures.inexpliquees, 16);
  });

  test('only part of a difference explained: the rest is unexplained', () => {
    const t = totals(
      [{ id: '1', minutes: 300, bucket: at('CH001', 'DUPJ') }],
      [row('CH001', 'DUPJ', 2)],
      [explains({ bs: [at('CH001', 'DUPJ'), 1] })],
    );
    assert.deepEqual(t.heures, { batisimply: 5, batigest: 2, difference: 3, expliquees: 1, inexpliquees: 2 });
  });

  test('a row edited by hand, explained by its two sides in one finding', () => {
    const t = totals(
      [{ id: '1', minutes: 120, bucket: at('CH001', 'DUPJ') }],
      [row('CH001', 'DUPJ', 2.5)],
      [explains({ bs: [at('CH001', 'DUPJ'), 2], bg: [at('CH001', 'DUPJ'), 2.5] })],
    );
    assert.deepEqual(t.heures, { batisimply: 2, batigest: 2.5, difference: -0.5, expliquees: -0.5, inexpliquees: 0 });
  });

  test('under a hundredth of an hour is rounding; a hundredth is a difference', () => {
    const under = totals([{ id: '1', minutes: 60, bucket: at('CH001', 'DUPJ') }], [row('CH001', 'DUPJ', 0.9951)]);
    assert.equal(under.heures.inexpliquees, 0);
    assert.equal(under.heures.difference, 0.0049);
    const at1 = totals([{ id: '1', minutes: 60, bucket: at('CH001', 'DUPJ') }], [row('CH001', 'DUPJ', 1 - TOLERANCE)]);
    assert.equal(at1.heures.inexpliquees, TOLERANCE);
    // Per chantier and per salarié; a negative gap counts as much as a positive one.
    const below = totals([{ id: '1', minutes: 60, bucket: at('CH001', 'DUPJ') }], [row('CH001', 'DUPJ', 1.5)]);
    assert.equal(below.heures.inexpliquees, 0.5);
  });

  test('slots not validated, and slots with no place, count on no side', () => {
    const t = totals(
      [
        { id: '1', minutes: 60, bucket: at('CH001', 'DUPJ'), status: 'REFUSED' },
        { id: '2', minutes: 60, bucket: undefined as unknown as Bucket },
        { id: '3', minutes: 30, bucket: at('CH001', 'DUPJ') },
      ],
      [],
    );
    assert.deepEqual(t.heures, { batisimply: 0.5, batigest: 0, difference: 0.5, expliquees: 0, inexpliquees: 0.5 });
  });

  test('totals are rounded to four decimals, and rows sorted by key then month', () => {
    const t = totals(
      [
        { id: '1', minutes: 20, bucket: at('CH002', 'MART', '2026-04') },
        { id: '2', minutes: 20, bucket: at('CH002', 'MART', '2026-03') },
        { id: '3', minutes: 20, bucket: at('CH001', 'MART', '2026-04') },
      ],
      [row('CH002', 'MART', 1 / 3, '2026-04'), row('CH002', 'MART', 1 / 3, '2026-03'), row('CH001', 'MART', 1 / 3, '2026-04')],
    );
    assert.deepEqual(
      t.parChantier.map((r) => [r.key, r.month, r.batisimply, r.batigest]),
      [
        ['CH001', '2026-04', 0.3333, 0.3333],
        ['CH002', '2026-03', 0.3333, 0.3333],
        ['CH002', '2026-04', 0.3333, 0.3333],
      ],
    );
    assert.deepEqual(
      t.parSalarie.map((r) => [r.key, r.month, r.batisimply]),
      [
        ['MART', '2026-03', 0.3333],
        ['MART', '2026-04', 0.6666],
      ],
    );
    // Each slot's hours are rounded first (hoursOf), SuiviMO's sums after: a ten-thousandth apart is rounding.
    assert.equal(t.heures.batisimply, 0.9999);
    assert.equal(t.heures.inexpliquees, 0);
  });
});
