import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TimeSlotList, createBatisimplyClient, type BatisimplyApi, type TimeSlot } from '../../../src/lib/batisimply/client.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { daysAgo, USER_DUPONT, USER_MARTIN, slot } from '../../support/slots.js';
import { timeSlot, TimeSlotsPort } from '../../support/timeSlotsPort.js';
import { type RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';
import { type SandboxTimeSlot } from '../../../src/sandbox/state.js';
import { batisimplySchema, parseSection } from '../../../src/lib/config.js';
import { EnvironmentSecrets } from '../../../src/lib/secrets.js';
import { nextSpanMs } from '../../../src/lib/sync/recupHeures.js';
import { slotFields } from '../../../src/lib/batisimply/slotFields.js';

/**
 * recup-heures through the job (runJob, real staging), with a BatiSimply port that records the
 * periods asked and can answer what the world.sandbox cannot: which windows are read, how refused and
 * repeated slots count, when missing slots are marked deleted or held, what each field change
 * does to `sync`. Written from the surviving mutants of issue 15; times are staged in UTC.
 */
describe('windows, refusals, deletions and field changes, through a recording port', () => {
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
    (
      await world.db.query<{ id_heure: string }>('SELECT id_heure FROM batigest_heures WHERE deleted_at IS NULL ORDER BY id_heure')
    ).rows.map((r) => r.id_heure);
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
});

/**
 * recup-heures against malformed slots (issue 10, points 3 and 6), an empty answer that would
 * erase the window (point 5), and the digest that spares unchanged slots a write (issue 12).
 */
describe('malformed slots, an empty answer and unchanged slots', () => {
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
});

/**
 * recup-heures finds deleted slots a period at a time (issue 12: memory that does not follow the
 * window). A staged slot missing from the period that holds its start is deleted only if no other
 * period of the window listed it: a slot whose start moved to another period, or one that an API
 * lists in a period other than its start's, is never lost. Dry runs decide the same way.
 */
describe('deleted slots found a period at a time', () => {
  const DAY_MS = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

  /** Which slots a period lists: by start (BatiSimply, the world.sandbox), or otherwise (see `api`). */
  let listing: 'start' | 'overlap' | 'end' = 'start';

  /**
   * The real client over the world.sandbox, listing a period's slots as another API might: every slot
   * that overlaps the period, or every slot that ends in it. It asks the world.sandbox for a wider span
   * and keeps what that rule lists.
   */
  function api(): BatisimplyApi {
    const real = createBatisimplyClient(parseSection(batisimplySchema, world.env, 'BatiSimply'), new EnvironmentSecrets(world.env));
    return {
      listProjects: () => real.listProjects(),
      readProjects: () => real.readProjects(),
      getProject: (id) => real.getProject(id),
      createProject: (body) => real.createProject(body),
      updateProject: (id, body) => real.updateProject(id, body),
      listTimeSlots: async (start, end) => {
        if (listing === 'start') return real.listTimeSlots(start, end);
        const wide = await real.listTimeSlots(new Date(start.getTime() - DAY_MS), new Date(end.getTime() + DAY_MS));
        const [from, to] = [start.getTime(), end.getTime()];
        const lists = (s: { startDate: string; endDate: string }) =>
          listing === 'overlap'
            ? Date.parse(s.startDate) < to && Date.parse(s.endDate) > from
            : Date.parse(s.endDate) >= from && Date.parse(s.endDate) < to;
        return { slots: wide.slots.filter(lists), refused: wide.refused };
      },
      ping: () => real.ping(),
      close: () => real.close(),
    };
  }

  const world = useWorld({
    services: () => {
      listing = 'start';
      return new Services(world.env, { staging: world.db, batisimply: api() });
    },
  });

  const recup = async (dryRun = false) => (await runJob(world.services, 'recup-heures', { trigger: 'cli', dryRun })).report as RunReport;
  const setSlots = (...slots: SandboxTimeSlot[]) => world.sandbox.state.load({ timeSlots: slots });
  const live = async () =>
    (
      await world.db.query<{ id_heure: string; start_utc: string }>(
        `SELECT id_heure, to_char(start_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start_utc
     FROM batigest_heures WHERE deleted_at IS NULL ORDER BY id_heure::int`,
      )
    ).rows.map((r) => [r.id_heure, r.start_utc]);

  /** The window's first period ends one day after its start (35 days before now, to the minute above). */
  function firstBoundary(): number {
    return Math.ceil(Date.now() / 60_000) * 60_000 - 34 * DAY_MS;
  }

  describe('a slot whose start moves to another period is updated, never deleted', () => {
    const early = daysAgo(30, '07:00:00');
    const late = daysAgo(3, '07:00:00');

    for (const [label, before, afterMove] of [
      ['to a later period', early, late],
      ['to an earlier period', late, early],
    ] as const) {
      test(`moved ${label}`, async () => {
        setSlots(slot(1, before, 60), slot(2, daysAgo(10, '07:00:00'), 60));
        await recup();
        setSlots(slot(1, afterMove, 60), slot(2, daysAgo(10, '07:00:00'), 60));

        const preview = await recup(true);
        assert.equal(preview.counts.deleted, 0);
        assert.equal(preview.counts.updated, 1);
        assert.deepEqual(await live(), [
          ['1', before],
          ['2', daysAgo(10, '07:00:00')],
        ]);

        const report = await recup();
        assert.deepEqual(report.counts, { read: 2, created: 0, updated: 1, deleted: 0, unchanged: 1, failed: 0, held: 0 });
        assert.deepEqual(await live(), [
          ['1', afterMove],
          ['2', daysAgo(10, '07:00:00')],
        ]);
      });
    }

    test('a slot gone from BatiSimply is still deleted, whichever period held it', async () => {
      setSlots(slot(1, early, 60), slot(2, late, 60), slot(3, daysAgo(10, '07:00:00'), 60));
      await recup();
      setSlots(slot(2, late, 60));
      const report = await recup();
      assert.equal(report.counts.deleted, 2);
      assert.deepEqual(await live(), [['2', late]]);
    });
  });

  describe('a slot listed by another period than its start’s', () => {
    test('an API that lists each period’s overlapping slots: a slot across the boundary is read and staged once, and kept', async () => {
      listing = 'overlap';
      const start = firstBoundary() - 30 * 60_000;
      setSlots(slot(1, iso(start), 120), slot(2, daysAgo(10, '07:00:00'), 60));
      const first = await recup();
      assert.deepEqual(first.counts, { read: 2, created: 2, updated: 0, deleted: 0, unchanged: 0, failed: 0, held: 0 });
      const again = await recup();
      assert.deepEqual(again.counts, { read: 2, created: 0, updated: 0, deleted: 0, unchanged: 2, failed: 0, held: 0 });
      assert.deepEqual(
        (await live()).map(([id]) => id),
        ['1', '2'],
      );
    });

    test('an API that lists slots by their end: a slot listed only by the next period is not taken for deleted', async () => {
      listing = 'end';
      const start = firstBoundary() - 30 * 60_000;
      setSlots(slot(1, iso(start), 120), slot(2, daysAgo(10, '07:00:00'), 60));
      await recup();
      const again = await recup();
      assert.deepEqual(again.counts, { read: 2, created: 0, updated: 0, deleted: 0, unchanged: 2, failed: 0, held: 0 });
      assert.deepEqual(await live(), [
        ['1', iso(start)],
        ['2', daysAgo(10, '07:00:00')],
      ]);
    });
  });
});

/** How much of the window recup-heures asks BatiSimply for at once: about 5,000 slots per answer. */
describe('how much of the window is asked at once', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;

  test('a day that held 10,000 slots: the next request asks for half a day', () =>
    assert.equal(nextSpanMs(DAY, 10_000, 7 * DAY), 12 * HOUR));
  test('a sparse day grows the span, at most fourfold', () => assert.equal(nextSpanMs(DAY, 100, 7 * DAY), 4 * DAY));
  test('an empty period grows the span up to HEURES_CHUNK_DAYS', () => assert.equal(nextSpanMs(4 * DAY, 0, 7 * DAY), 7 * DAY));
  test('never less than an hour, however dense', () => assert.equal(nextSpanMs(HOUR, 1_000_000, 7 * DAY), HOUR));
  test('spans are whole minutes', () => assert.equal(nextSpanMs(DAY, 7_000, 7 * DAY) % 60_000, 0));
});

/**
 * The digest of a staged slot is stored in `batigest_heures.content_hash`: if the way it is computed
 * changed, every slot of the window would be rewritten by the first run after an upgrade. These are
 * digests computed by an earlier release (a template literal), pinned against the current code.
 */
describe('the digest of a staged slot', () => {
  test('a slot with every field: the digest of earlier releases', () => {
    const slot: TimeSlot = {
      id: '4711',
      startDate: '2026-03-29T00:30:00Z',
      endDate: '2026-03-29T02:30:00Z',
      user: { id: '0A1B2C3D-0000-4000-8000-000000000001', firstName: 'Jean', lastName: 'DUPONT' },
      project: { id: 42, projectCode: ' CH001 ' },
      managementStatus: 'VALIDATED',
      totalTimeMinutes: 120,
      hasPackedLunch: true,
      hasHomeToWorkJourney: false,
    };
    assert.equal(slotFields(slot, 'Europe/Paris').contentHash, 'hMI5eU7D/QdFI9qmXj6miakoDek=');
  });

  test('a slot with null fields (no project, no name): nulls digested apart from empty text', () => {
    const slot: TimeSlot = {
      id: '4712',
      startDate: '2026-10-25T00:30:00Z',
      endDate: '2026-10-25T01:30:00Z',
      user: { id: '0a1b2c3d-0000-4000-8000-000000000002', firstName: null, lastName: null },
      project: null,
      managementStatus: 'PENDING',
      totalTimeMinutes: 60,
      hasPackedLunch: false,
      hasHomeToWorkJourney: true,
    };
    assert.equal(slotFields(slot, 'Europe/Paris').contentHash, '69ul3K/VxYhexEHz3MoEmrdLFt0=');
  });
});
