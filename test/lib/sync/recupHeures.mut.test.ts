/**
 * recup-heures through the job (runJob, real staging), with a BatiSimply port that records the
 * periods asked and can answer what the world.sandbox cannot: which windows are read, how refused and
 * repeated slots count, when missing slots are marked deleted or held, what each field change
 * does to `sync`. Written from the surviving mutants of issue 15; times are staged in UTC.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TimeSlotList } from '../../../src/lib/batisimply/client.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { daysAgo, USER_DUPONT, USER_MARTIN } from '../../support/slots.js';
import { timeSlot, TimeSlotsPort } from '../../support/timeSlotsPort.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

const DAY = 86_400_000;

let port: TimeSlotsPort;

const world = useWorld({
  env: {
    SYNC_TIMEZONE: 'UTC',
    HEURES_WINDOW_DAYS: '3',
    HEURES_CHUNK_DAYS: '2',
    HEURES_MASS_DELETE_MIN: '2',
    HEURES_MASS_DELETE_MAX_RATIO: '0.5',
  },
  services: () => new Services(world.env, { staging: world.db, batisimply: (port = new TimeSlotsPort()) }),
});

const recup = async (options: { allowMassDelete?: boolean; dryRun?: boolean; on?: Services } = {}) =>
  (await runJob(options.on ?? world.services, 'recup-heures', { trigger: 'cli', ...options })).report as RunReport;
/** Slot `id` starting `days` ago at `time` UTC, one hour long. */
const at = (id: string, days = 2, time = '06:00:00') => timeSlot(id, daysAgo(days, time), 60);
const staged = async (id: string) =>
  (
    await world.db.query<Record<string, unknown>>(
      `SELECT date_debut::text, date_fin::text, start_utc, end_utc, id_utilisateur::text, id_projet, project_code_in_slot, code_projet,
              status_management, total_heure, panier, trajet, user_name, sync, revision, deleted_at IS NOT NULL AS deleted
       FROM batigest_heures WHERE id_heure = $1`,
      [id],
    )
  ).rows[0];
const liveIds = async () =>
  (await world.db.query<{ id_heure: string }>('SELECT id_heure FROM batigest_heures WHERE deleted_at IS NULL ORDER BY id_heure')).rows.map(
    (r) => r.id_heure,
  );
const issues = async () =>
  (await world.db.query('SELECT record_key, kind, code FROM connecteur_record_issues ORDER BY record_key')).rows as {
    record_key: string;
    kind: string;
    code: string;
  }[];
/** Everything marked exported, as heures-to-sqlserver leaves it. */
const markExported = () => world.db.query('UPDATE batigest_heures SET sync = true');
/** The period's slots, and these refused items along with them. */
const alsoRefused =
  (refused: TimeSlotList['refused']) =>
  async (served: TimeSlotList): Promise<TimeSlotList> => ({ ...served, refused });
/** Runs `body`, then fails if any promise was rejected with nobody to handle it (checked a turn of the event loop later). */
async function watchUnhandled(body: () => Promise<void>) {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await body();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}
/** An instant `ms` before now, to the minute, as "…Z". */
const ago = (ms: number) => new Date(Math.floor((Date.now() - ms) / 60_000) * 60_000).toISOString().replace('.000Z', 'Z');

describe('the periods asked', () => {
  test('a 3-day window with 2-day chunks: a day first, then the rest, ending at the next whole minute', async () => {
    const progress: [number, number][] = [];
    const before = Date.now();
    const outcome = await runJob(world.services, 'recup-heures', { trigger: 'cli', onProgress: (p) => progress.push([p.done, p.total]) });
    const after = Date.now();
    assert.equal(outcome.report.status, 'succeeded');
    const [first, second, ...more] = port.calls;
    assert.deepEqual(more, []);
    assert.equal(first!.end - first!.start, DAY);
    assert.deepEqual([second!.start, second!.end - second!.start], [first!.end, 2 * DAY]);
    assert.equal(second!.end % 60_000, 0);
    assert.ok(second!.end >= before && second!.end <= after + 60_000, `window end ${second!.end} not the minute after ${before}`);
    assert.deepEqual(progress, [
      [33, 101],
      [100, 101],
      [101, 101],
    ]);
  });

  test('a day that answered 2,500 items is followed by a 2-day request, refused items included', async () => {
    const wide = new Services({ ...world.env, HEURES_WINDOW_DAYS: '5', HEURES_CHUNK_DAYS: '4' }, { staging: world.db, batisimply: port });
    try {
      port.script.set(0, alsoRefused(Array.from({ length: 2_500 }, () => ({ id: null, field: 'user', message: 'salarié manquant' }))));
      await recup({ on: wide });
      assert.deepEqual(
        port.calls.map((c) => c.end - c.start),
        [DAY, 2 * DAY, 2 * DAY],
      );
    } finally {
      await wide.close();
    }
  });

  test('a slot older than the window is neither read nor marked deleted', async () => {
    const longer = new Services({ ...world.env, HEURES_WINDOW_DAYS: '10' }, { staging: world.db, batisimply: port });
    try {
      port.slots = [at('1', 6), at('2', 2), at('3', 1)];
      await recup({ on: longer });
    } finally {
      await longer.close();
    }
    port.slots = [at('2', 2)];
    const report = await recup();
    assert.equal(report.counts.deleted, 1);
    assert.deepEqual(await liveIds(), ['1', '2']);
  });
});

describe('what is read, once', () => {
  test('a slot across two periods, listed by both, is read and staged once', async () => {
    // Half an hour before the first period ends, two hours long: an API listing the slots that
    // overlap a period gives it to both.
    let twice: ReturnType<typeof timeSlot> | undefined;
    port.script.set(0, async (_served, period) => {
      twice = timeSlot('1', new Date(period.end - 30 * 60_000).toISOString().replace('.000Z', 'Z'), 120);
      return { slots: [structuredClone(twice)], refused: [] };
    });
    port.script.set(1, async () => ({ slots: [structuredClone(twice!)], refused: [] }));
    const report = await recup();
    assert.deepEqual([report.counts.read, report.counts.created, report.counts.unchanged], [1, 1, 0]);
  });

  test('a slot listed twice in one period is read and staged once', async () => {
    port.script.set(0, async (_served, period) => {
      const once = timeSlot('1', new Date(period.start + 60 * 60_000).toISOString().replace('.000Z', 'Z'), 60);
      return { slots: [structuredClone(once), structuredClone(once)], refused: [] };
    });
    const report = await recup();
    assert.deepEqual([report.counts.read, report.counts.created, report.counts.unchanged], [1, 1, 0]);
  });

  test('a refused slot listed by two periods is read and failed once', async () => {
    const refused = { id: '9', field: 'totalTimeMinutes', message: 'nombre entier de minutes attendu' };
    port.script.set(0, alsoRefused([refused]));
    port.script.set(1, alsoRefused([refused]));
    const report = await recup();
    assert.deepEqual([report.counts.read, report.counts.failed], [1, 1]);
    assert.deepEqual(report.errors, [
      { key: '9', code: 'CRENEAU_INVALIDE', message: 'Créneau refusé (totalTimeMinutes) : nombre entier de minutes attendu.' },
    ]);
  });

  test('refused slots without an id are numbered, counted as read, and no slot is marked deleted', async () => {
    port.slots = [at('1'), at('2', 1)];
    await recup();
    port.slots = [];
    port.calls.length = 0;
    const nameless = { id: null, field: 'id', message: 'identifiant manquant' };
    port.script.set(0, alsoRefused([nameless, nameless]));
    const report = await recup();
    assert.deepEqual([report.counts.read, report.counts.failed, report.counts.deleted], [2, 2, 0]);
    assert.deepEqual(
      report.errors.map((e) => e.key),
      ['créneau sans identifiant 1', 'créneau sans identifiant 2'],
    );
    assert.deepEqual(report.warnings, [
      {
        key: 'recup-heures',
        code: 'SUPPRESSIONS_NON_DETERMINEES',
        message: "2 créneau(x) sans identifiant lisible : aucun créneau n'est marqué supprimé pendant cette exécution.",
      },
    ]);
    assert.deepEqual(await liveIds(), ['1', '2']);
  });

  test('a period that fails while the one before is written fails the run, and that one stays staged', () =>
    watchUnhandled(async () => {
      // Slot 1 lies in the first period (the window's first day), so that period has rows to write.
      port.slots = [timeSlot('1', ago(2.5 * DAY), 60), at('2', 1)];
      // The second request fails at once, before the first period's slots are written.
      port.script.set(1, () => Promise.reject(new Error('BatiSimply ne répond plus')));
      const report = await recup();
      assert.equal(report.status, 'failed');
      assert.match(report.errors[0]!.message, /BatiSimply ne répond plus/);
      assert.equal(port.calls.length, 2);
      assert.deepEqual(await liveIds(), ['1']);
    }));

  test('a period of more than 5,000 slots is written in batches: each slot once, inserted then updated', async () => {
    // All in the window's first day (the first period), past one write batch (WRITE_BATCH = 5,000).
    port.slots = Array.from({ length: 5_001 }, (_, i) => timeSlot(String(i + 1), ago(2.2 * DAY + (i % 900) * 60_000), 60));
    const first = await recup();
    assert.equal(first.status, 'succeeded');
    assert.equal(first.counts.created, 5_001);
    const rows = async () =>
      (
        await world.db.query<{ n: number; revisions: number[]; minutes: number[] }>(
          'SELECT count(*)::int AS n, array_agg(DISTINCT revision) AS revisions, array_agg(DISTINCT total_heure) AS minutes FROM batigest_heures',
        )
      ).rows[0]!;
    assert.deepEqual(await rows(), { n: 5_001, revisions: [1], minutes: [60] });
    for (const slot of port.slots) slot.totalTimeMinutes = 90;
    const second = await recup();
    assert.equal(second.status, 'succeeded');
    assert.equal(second.counts.updated, 5_001);
    assert.deepEqual(await rows(), { n: 5_001, revisions: [2], minutes: [90] });
  });

  describe('a write that fails (the next period is read and sorted out while one is written)', () => {
    /** Staging refuses the row of slot "bloque", as a constraint or a full disk would. */
    before(() =>
      world.db.exec(`CREATE FUNCTION refuse_bloque() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF NEW.id_heure = 'bloque' THEN RAISE EXCEPTION 'écriture refusée par la base'; END IF; RETURN NEW; END $$;
               CREATE TRIGGER refuse_bloque BEFORE INSERT OR UPDATE ON batigest_heures FOR EACH ROW EXECUTE FUNCTION refuse_bloque();`),
    );
    after(() => world.db.exec('DROP TRIGGER refuse_bloque ON batigest_heures; DROP FUNCTION refuse_bloque();'));

    test('stops the run with its own error: the next period, listed meanwhile, is not written', () =>
      watchUnhandled(async () => {
        port.slots = [timeSlot('bloque', ago(2.5 * DAY), 60), timeSlot('1', ago(2.6 * DAY), 60), at('2', 1)];
        const report = await recup();
        assert.equal(report.status, 'failed');
        assert.match(report.errors[0]!.message, /écriture refusée par la base/);
        assert.equal(port.calls.length, 2);
        // The first period's transaction rolled back; the second was never written.
        assert.deepEqual(await liveIds(), []);
      }));

    test('is the error reported when the next period fails too', () =>
      watchUnhandled(async () => {
        port.slots = [timeSlot('bloque', ago(2.5 * DAY), 60), at('2', 1)];
        port.script.set(1, () => Promise.reject(new Error('BatiSimply ne répond plus')));
        const report = await recup();
        assert.equal(report.status, 'failed');
        assert.match(report.errors[0]!.message, /écriture refusée par la base/);
        assert.deepEqual(await liveIds(), []);
      }));

    test('fails the run without an unhandled rejection while the next period is still on its way', () =>
      watchUnhandled(async () => {
        port.slots = [timeSlot('bloque', ago(2.5 * DAY), 60), at('2', 1)];
        // The second period answers only once the first one's transaction has failed, a turn of the event loop later.
        let writeFailed!: () => void;
        const failed = new Promise<void>((resolve) => (writeFailed = resolve));
        port.script.set(1, (served) => failed.then(() => new Promise<TimeSlotList>((resolve) => setImmediate(() => resolve(served)))));
        const db = world.db;
        const staging = new Proxy(db, {
          get(target, prop) {
            if (prop === 'transaction') {
              return (fn: Parameters<typeof db.transaction>[0]) =>
                target.transaction(fn).catch((error: unknown) => {
                  writeFailed();
                  throw error;
                });
            }
            const value = Reflect.get(target, prop, target) as unknown;
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        const watched = new Services(world.env, { staging, batisimply: port });
        try {
          const report = await recup({ on: watched });
          assert.equal(report.status, 'failed');
          assert.match(report.errors[0]!.message, /écriture refusée par la base/);
          assert.equal(port.calls.length, 2);
        } finally {
          await watched.close();
        }
      }));
  });
});

describe('missing slots: deleted, or held past the threshold (at least 2 and over half)', () => {
  const three = () => [at('1'), at('2', 2, '12:00:00'), at('3', 1)];

  test('2 of 4 missing, exactly half: deleted', async () => {
    port.slots = [...three(), at('4', 1, '12:00:00')];
    await recup();
    port.slots = [at('1'), at('2', 2, '12:00:00')];
    const report = await recup();
    assert.deepEqual([report.status, report.counts.deleted, report.counts.held], ['succeeded', 2, 0]);
    assert.deepEqual(await liveIds(), ['1', '2']);
  });

  test('1 of 1 missing, under the minimum: deleted', async () => {
    port.slots = [at('1')];
    await recup();
    port.slots = [];
    const report = await recup();
    assert.equal(report.counts.deleted, 1);
    assert.deepEqual(await liveIds(), []);
  });

  test('2 of 3 missing: held, with the numbers and how to confirm', async () => {
    port.slots = three();
    await recup();
    port.slots = [at('1')];
    const report = await recup();
    assert.deepEqual([report.status, report.counts.deleted, report.counts.held], ['partial', 0, 1]);
    assert.deepEqual(await liveIds(), ['1', '2', '3']);
    const message =
      'Suppressions retenues : 2 des 3 créneaux de la période (67 %) ne sont plus renvoyés par BatiSimply ' +
      '(au-delà de 50 %, HEURES_MASS_DELETE_MAX_RATIO). Panne ou mauvais compte ? ' +
      'Si ces suppressions sont réelles, relancer avec --allow-mass-delete (ou ?allowMassDelete=true).';
    assert.deepEqual(report.errors, [{ key: 'suppressions-creneaux', code: 'SUPPRESSION_MASSIVE_RETENUE', message }]);
    assert.deepEqual(report.warnings, [{ key: 'suppressions-creneaux', code: 'SUPPRESSION_MASSIVE_RETENUE', message }]);
  });

  test('2 of 3 missing, confirmed: deleted', async () => {
    port.slots = three();
    await recup();
    port.slots = [at('1')];
    const report = await recup({ allowMassDelete: true });
    assert.deepEqual([report.status, report.counts.deleted], ['succeeded', 2]);
    assert.deepEqual(await liveIds(), ['1']);
  });

  test('held deletions stay open through a run that cannot tell deletions, and close on a confirmed run that refuses a slot', async () => {
    port.slots = three();
    await recup();
    port.slots = [at('1')];
    await recup();
    port.calls.length = 0;
    port.script.set(0, alsoRefused([{ id: null, field: 'id', message: 'identifiant manquant' }]));
    await recup();
    assert.deepEqual(
      (await issues()).filter((i) => i.record_key === 'suppressions-creneaux'),
      [{ record_key: 'suppressions-creneaux', kind: 'held', code: 'SUPPRESSION_MASSIVE_RETENUE' }],
    );
    port.script.clear();
    port.calls.length = 0;
    port.script.set(1, alsoRefused([{ id: '7', field: 'user', message: 'salarié manquant' }]));
    const report = await recup({ allowMassDelete: true });
    assert.equal(report.counts.deleted, 2);
    assert.deepEqual(await issues(), [
      { record_key: '7', kind: 'failed', code: 'CRENEAU_INVALIDE' },
      { record_key: 'créneau sans identifiant 1', kind: 'failed', code: 'CRENEAU_INVALIDE' },
    ]);
  });

  test('a dry run counts the deletions and marks nothing', async () => {
    port.slots = [at('1'), at('2', 1)];
    await recup();
    port.slots = [at('1')];
    const report = await recup({ dryRun: true });
    assert.equal(report.counts.deleted, 1);
    assert.deepEqual(await liveIds(), ['1', '2']);
  });
});

describe('what is staged from a slot', () => {
  test('every field, with the names and the project code tidied', async () => {
    port.slots = [
      timeSlot('1', daysAgo(2, '06:00:00'), 90, {
        user: { id: USER_DUPONT.toUpperCase(), firstName: 'Jean', lastName: 'DUPONT' },
        project: { id: 42, projectCode: '  CH042 ' },
        managementStatus: 'PENDING',
        hasPackedLunch: true,
        hasHomeToWorkJourney: true,
      }),
      timeSlot('2', daysAgo(2, '09:00:00'), 60, {
        user: { id: USER_MARTIN, firstName: null, lastName: 'MARTIN' },
        project: { id: 43, projectCode: '   ' },
      }),
      timeSlot('3', daysAgo(2, '11:00:00'), 60, { user: { id: USER_MARTIN, firstName: 'Paul', lastName: null }, project: null }),
      timeSlot('4', daysAgo(2, '13:00:00'), 60, { user: { id: USER_MARTIN, firstName: null, lastName: null } }),
    ];
    const report = await recup();
    assert.deepEqual([report.counts.read, report.counts.created], [4, 4]);
    const day = daysAgo(2).slice(0, 10);
    assert.deepEqual(await staged('1'), {
      date_debut: `${day} 06:00:00`,
      date_fin: `${day} 07:30:00`,
      start_utc: new Date(`${day}T06:00:00Z`),
      end_utc: new Date(`${day}T07:30:00Z`),
      id_utilisateur: USER_DUPONT,
      id_projet: 42,
      project_code_in_slot: 'CH042',
      code_projet: 'CH042',
      status_management: 'PENDING',
      total_heure: 90,
      panier: true,
      trajet: true,
      user_name: 'DUPONT Jean',
      sync: false,
      revision: 1,
      deleted: false,
    });
    const names = await world.db.query(
      'SELECT id_heure, user_name, id_projet, project_code_in_slot, code_projet FROM batigest_heures ORDER BY id_heure',
    );
    assert.deepEqual(names.rows.slice(1), [
      { id_heure: '2', user_name: 'MARTIN', id_projet: 43, project_code_in_slot: null, code_projet: null },
      { id_heure: '3', user_name: 'Paul', id_projet: null, project_code_in_slot: null, code_projet: null },
      { id_heure: '4', user_name: null, id_projet: 1, project_code_in_slot: 'CH001', code_projet: 'CH001' },
    ]);
  });

  test('a slot whose user id came in capitals is not taken as moved to another salarié', async () => {
    port.slots = [timeSlot('1', daysAgo(2), 60, { user: { id: USER_DUPONT.toUpperCase(), firstName: 'Jean', lastName: 'DUPONT' } })];
    await recup();
    await markExported();
    port.get('1').user.firstName = 'Jean-Pierre';
    const report = await recup();
    assert.equal(report.counts.updated, 1);
    assert.deepEqual([(await staged('1'))?.user_name, (await staged('1'))?.sync], ['DUPONT Jean-Pierre', true]);
  });

  test('a deleted slot that comes back as it was is counted created and restored for SuiviMO', async () => {
    port.slots = [at('1'), at('2', 1)];
    await recup();
    await markExported();
    port.slots = [at('1')];
    await recup();
    port.slots = [at('1'), at('2', 1)];
    const report = await recup();
    assert.deepEqual([report.counts.created, report.counts.unchanged], [1, 1]);
    assert.deepEqual([(await staged('2'))?.deleted, (await staged('2'))?.sync, (await staged('2'))?.revision], [false, false, 3]);
  });
});

describe('which edits go back to SuiviMO', () => {
  const reaching: [string, (s: ReturnType<typeof at>) => void][] = [
    ['the status', (s) => void (s.managementStatus = 'REFUSED')],
    ['the start (same minutes)', (s) => Object.assign(s, { startDate: daysAgo(2, '07:00:00'), endDate: daysAgo(2, '08:00:00') })],
    ['the minutes', (s) => void (s.totalTimeMinutes = 45)],
    ['the meal allowance', (s) => void (s.hasPackedLunch = true)],
    ['the travel allowance', (s) => void (s.hasHomeToWorkJourney = true)],
    ['the project id (same code)', (s) => void (s.project = { id: 2, projectCode: 'CH001' })],
    ['the project code', (s) => void (s.project = { id: 1, projectCode: 'CH002' })],
    ['the salarié', (s) => void (s.user = { id: USER_MARTIN, firstName: 'Jean', lastName: 'DUPONT' })],
  ];
  for (const [field, change] of reaching) {
    test(`${field} alone changing: updated, sent again (sync false, revision 2)`, async () => {
      port.slots = [at('1')];
      await recup();
      await markExported();
      change(port.get('1'));
      const report = await recup();
      assert.deepEqual([report.counts.updated, report.counts.unchanged], [1, 0]);
      const row = await staged('1');
      assert.deepEqual([row?.sync, row?.revision], [false, 2]);
    });
  }

  const staying: [string, (s: ReturnType<typeof at>) => void, string, unknown][] = [
    ['the end', (s) => void (s.endDate = daysAgo(2, '07:30:00')), 'date_fin', `${daysAgo(2).slice(0, 10)} 07:30:00`],
    ['the user name', (s) => void (s.user.lastName = 'DUPOND'), 'user_name', 'DUPOND Jean'],
  ];
  for (const [field, change, column, value] of staying) {
    test(`${field} alone changing: written, not sent again (sync true, revision 1)`, async () => {
      port.slots = [at('1')];
      await recup();
      await markExported();
      change(port.get('1'));
      const report = await recup();
      assert.deepEqual([report.counts.updated, report.counts.unchanged], [1, 0]);
      const row = await staged('1');
      assert.deepEqual([row?.[column], row?.sync, row?.revision], [value, true, 1]);
    });
  }
});

describe('the chantier code resolved by update-code-projet', () => {
  /** Slot 1 on project 7 without a code, staged, its code then resolved to CH777 and exported. */
  const resolved = async () => {
    port.slots = [timeSlot('1', daysAgo(2), 60, { project: { id: 7, projectCode: null } })];
    await recup();
    await world.db.query(`UPDATE batigest_heures SET code_projet = 'CH777', sync = true`);
  };

  test('stays when the minutes change', async () => {
    await resolved();
    port.get('1').totalTimeMinutes = 30;
    await recup();
    assert.equal((await staged('1'))?.code_projet, 'CH777');
  });

  test('is dropped when the slot moves to another project', async () => {
    await resolved();
    port.get('1').project = { id: 8, projectCode: null };
    await recup();
    assert.deepEqual([(await staged('1'))?.code_projet, (await staged('1'))?.sync], [null, false]);
  });

  test('gives way to a code the slot now carries', async () => {
    await resolved();
    port.get('1').project = { id: 7, projectCode: 'CH999' };
    await recup();
    assert.deepEqual([(await staged('1'))?.code_projet, (await staged('1'))?.sync], ['CH999', false]);
  });

  test('the slot now carrying that same code: written, not sent again', async () => {
    await resolved();
    port.get('1').project = { id: 7, projectCode: 'CH777' };
    const report = await recup();
    assert.equal(report.counts.updated, 1);
    const row = await staged('1');
    assert.deepEqual([row?.project_code_in_slot, row?.code_projet, row?.sync], ['CH777', 'CH777', true]);
  });
});
