import assert from 'node:assert/strict';
import { beforeEach, test, afterEach, describe } from 'node:test';
import pg from 'pg';
import { ConflictError, RecordError, UpstreamError } from '../../../src/lib/errors.js';
import { createLogger, type Sink } from '../../../src/lib/log.js';
import { type SecretStore } from '../../../src/lib/secrets.js';
import { Services } from '../../../src/lib/services.js';
import { getRun, recentRuns, childRuns, insertQueuedRun, insertRun, recordOutcomes } from '../../../src/lib/staging/runs.js';
import { runJob, runJob as realRunJob, type StepWork } from '../../../src/lib/sync/runner.js';
import { connecteur } from '../../support/cli.js';
import { FaultyDb } from '../../support/faultyDb.js';
import { holdTable, runningRow } from '../../support/tableGate.js';
import { until } from '../../support/wait.js';
import { type RunReport, emptyCounts, type ChainReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';
import { type Env } from '../../../src/lib/config.js';
import { type HeldLock, type StagingDb } from '../../../src/lib/staging/db.js';
import { type StepJobName, type JobName } from '../../../src/lib/sync/registry.js';
import { type JobContext } from '../../../src/lib/sync/context.js';
import { randomUUID } from 'node:crypto';
import { MemoryBatigest } from '../../support/memoryBatigest.js';

describe('several processes, the CLI and the run history', () => {
  const world = useWorld({ stagingInEnv: true });
  beforeEach(async () => {
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Chantier 1', false)`);
  });

  test('two processes start the same job: exactly one runs, the other exits 3 with its run id', async () => {
    const gate = await holdTable(world.db, 'batigest_chantiers');
    try {
      const first = connecteur(['run', 'transfer-batisimply', '--json'], world.env);
      const running = await runningRow(world.db);
      const second = await connecteur(['run', 'transfer-batisimply', '--json'], world.env);
      assert.equal(second.code, 3, second.stderr);
      assert.match(second.stderr, new RegExp(`déjà en cours \\(exécution ${running.runId}\\)`));
      await gate.release();
      const winner = await first;
      assert.equal(winner.code, 0, winner.stderr);
      assert.equal((JSON.parse(winner.stdout) as RunReport).runId, running.runId);
      assert.equal(world.sandbox.state.projects.size, 1);
    } finally {
      await gate.release();
    }
  });

  test('a timer that fires while an HTTP run goes on is skipped and recorded', async () => {
    const services = new Services(world.env);
    try {
      const gate = await holdTable(world.db, 'batigest_chantiers');
      const httpRun = runJob(services, 'transfer-batisimply', { trigger: 'http' });
      await runningRow(world.db);
      const timer = (await runJob(services, 'transfer-batisimply', { trigger: 'timer' })).report as RunReport;
      assert.equal(timer.status, 'skipped');
      await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'cli' }), ConflictError);
      await gate.release();
      assert.equal(((await httpRun).report as RunReport).status, 'succeeded');
      const statuses = (await recentRuns(world.db)).map((r) => `${r.trigger}:${r.status}`).sort();
      assert.deepEqual(statuses, ['http:succeeded', 'timer:skipped']);
    } finally {
      await services.close();
    }
  });

  test('a process killed mid-run leaves no lock behind; its run is marked interrupted', async () => {
    const gate = await holdTable(world.db, 'batigest_chantiers');
    let killed = false;
    let orphanId: string;
    try {
      const result = connecteur(['run', 'transfer-batisimply'], world.env, (child) => {
        void runningRow(world.db).then((row) => {
          orphanId = row.runId;
          killed = child.kill('SIGKILL');
        });
      });
      assert.equal((await result).code, null);
      assert.ok(killed);
    } finally {
      await gate.release();
    }
    // The dead process's session ends once its blocked query wakes up; then PostgreSQL frees its lock.
    await until(async () => {
      const { rows } = await world.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return rows[0]?.n === 0;
    }, 'the advisory lock of the killed process to be freed');
    const [orphan] = await recentRuns(world.db);
    assert.equal(orphan?.runId, orphanId!);
    assert.equal(orphan?.status, 'running');

    const services = new Services(world.env);
    try {
      const report = (await runJob(services, 'transfer-batisimply', { trigger: 'cli' })).report as RunReport;
      assert.equal(report.status, 'succeeded');
      assert.equal((await getRun(world.db, orphan!.runId))?.status, 'interrupted');
    } finally {
      await services.close();
    }
  });

  test('a run killed with SIGKILL shows as interrupted in status --json, before any next run', async () => {
    // The job blocks on a table this test holds locked, so the run is surely mid-way when killed.
    const blocker = new pg.Client({ connectionString: world.t.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE batigest_chantiers IN ACCESS EXCLUSIVE MODE');
    let child: import('node:child_process').ChildProcess | undefined;
    const finished = connecteur(['run', 'transfer-batisimply'], world.env, (c) => (child = c));
    const running = await until(
      async () => (await recentRuns(world.db)).find((r) => r.status === 'running'),
      'the run to be recorded running',
    );
    child!.kill('SIGKILL');
    assert.equal((await finished).code, null);
    await blocker.query('ROLLBACK');
    await blocker.end();
    // The dead process's sessions end (its job lock with them) once the server sees its sockets close.
    await until(async () => {
      const { rows } = await world.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
      );
      return rows[0]!.n === 0;
    }, 'the advisory lock of the killed process to be freed');

    const status = await connecteur(['status', '--json'], world.env);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as { lastRuns: { runId: string; status: string }[]; running: unknown[] };
    assert.equal(report.lastRuns.find((r) => r.runId === running.runId)?.status, 'interrupted');
    assert.deepEqual(report.running, []);
    const text = await connecteur(['status'], world.env);
    assert.match(text.stdout, /transfer-batisimply\s+interrompu/);
  });

  test('status leaves a live run alone: its lock is held', async () => {
    const services = new Services(world.env);
    try {
      const lock = await world.db.tryLock('connecteur:job:transfer-batisimply');
      await world.db.query(
        `INSERT INTO connecteur_runs (run_id, job, trigger, status) VALUES ('00000000-0000-4000-8000-000000000001', 'transfer-batisimply', 'cli', 'running')`,
      );
      const status = await connecteur(['status', '--json'], world.env);
      await lock!.release();
      assert.equal(JSON.parse(status.stdout).lastRuns.find((r: { job: string }) => r.job === 'transfer-batisimply')?.status, 'running');
    } finally {
      await services.close();
    }
  });

  function capture() {
    const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
    const sink: Sink = (level, message, fields) => lines.push({ level, message, fields });
    const finished = () => lines.filter((l) => l.fields.event === 'run.finished').map((l) => [l.message, l.fields.job, l.fields.status]);
    return { log: createLogger(sink), finished };
  }

  test('staging unreachable: the run that never started logs its run.finished line, failed', async () => {
    const { log, finished } = capture();
    const services = new Services({ ...world.env, STAGING_DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/none' });
    try {
      await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'timer', log }), { code: 'STAGING_UNREACHABLE' });
      const [line] = finished();
      assert.match(String(line?.[0]), /^Job transfer-batisimply non lancé : Base de staging PostgreSQL injoignable/);
      assert.deepEqual(line?.slice(1), ['transfer-batisimply', 'failed']);
    } finally {
      await services.close();
    }
  });

  test('Key Vault failing: the run that never started logs its run.finished line, failed', async () => {
    const { log, finished } = capture();
    const failing: SecretStore = {
      kind: 'keyvault',
      get: async () =>
        Promise.reject(
          new (await import('../../../src/lib/errors.js')).UpstreamError('keyvault', 'Key Vault refuse.', { code: 'KEYVAULT_READ_FAILED' }),
        ),
      invalidate: () => {},
      save: async () => {},
    };
    const services = new Services(world.env, { secrets: failing });
    try {
      await assert.rejects(runJob(services, 'chantiers', { trigger: 'timer', log }), { code: 'KEYVAULT_READ_FAILED' });
      assert.deepEqual(finished(), [['Job chantiers non lancé : Key Vault refuse.', 'chantiers', 'failed']]);
    } finally {
      await services.close();
    }
  });

  test('the history write throwing: the run still logs its run.finished line, failed', async () => {
    const { log, finished } = capture();
    const faulty = new FaultyDb(world.db);
    faulty.failOn = /UPDATE connecteur_runs SET status/;
    const services = new Services(world.env, { staging: faulty });
    try {
      await assert.rejects(runJob(services, 'transfer-batisimply', { trigger: 'timer', log }));
      // The first history write is the one that closes interrupted runs, before this run is recorded.
      assert.deepEqual(finished(), [
        [
          'Job transfer-batisimply non lancé : Erreur interne : simulated crash at staging /UPDATE connecteur_runs SET status/',
          'transfer-batisimply',
          'failed',
        ],
      ]);
    } finally {
      await services.close();
    }
  });

  test('a chain logs one run.finished line per step and one for itself', async () => {
    const { log, finished } = capture();
    const services = new Services(world.env);
    try {
      await runJob(services, 'chantiers', { trigger: 'timer', log });
      assert.deepEqual(
        finished().map(([, job]) => job),
        ['transfer', 'fin-chantiers', 'geocode-chantiers', 'transfer-batisimply', 'chantiers'],
      );
    } finally {
      await services.close();
    }
  });
});

/**
 * The runner in-process, with stand-in steps: each test replaces the steps' work (RunOptions.work), so
 * that what the runner records (report, run rows, locks, progress, log lines) is pinned without
 * any outside system. Busy jobs are made by holding their lock, never by timing.
 */
describe('what the runner records, with stand-in steps', () => {
  // Settings every step validates; nothing is called at these addresses (the steps are stand-ins).
  const ENV: Env = {
    SYNC_TIMEZONE: 'Europe/Paris',
    RUN_HISTORY_DAYS: '2',
    BATISIMPLY_API_URL: 'http://127.0.0.1:9/api',
    BATISIMPLY_TOKEN_URL: 'http://127.0.0.1:9/token',
    BATISIMPLY_CLIENT_ID: 'runner-test-client',
    BATISIMPLY_USERNAME: 'runner-test-user',
    BATISIMPLY_PASSWORD: 'runner-test-password-5d1a',
  };

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  const QUEUED = '00000000-0000-4000-8000-00000000000a';
  const OTHER = '00000000-0000-4000-8000-00000000000b';

  /** The stand-ins of the test under way, handed to every run. */
  let work: Partial<Record<StepJobName, StepWork>> = {};
  const runJob: typeof realRunJob = (services, job, options) => realRunJob(services, job, { ...options, work });

  const world = useWorld({ sandbox: false });
  afterEach(() => void (work = {}));

  /** Replaces a step's work; the contexts it was called with are kept. */
  function stepDoes(job: StepJobName, does: (ctx: JobContext) => Promise<void> | void = () => {}): JobContext[] {
    const calls: JobContext[] = [];
    work[job] = async (ctx) => {
      calls.push(ctx);
      await does(ctx);
    };
    return calls;
  }

  function capture() {
    const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
    const sink: Sink = (level, message, fields) => void lines.push({ level, message, fields });
    return { log: createLogger(sink), lines };
  }

  /** The staging database, noting the locks asked for and the progress written, as they are sent. */
  class RecordingDb implements StagingDb {
    readonly kind = 'postgres' as const;
    locks: string[] = [];
    progress: unknown[] = [];
    constructor(private readonly inner: StagingDb) {}
    query<R>(text: string, params?: unknown[]) {
      if (text.startsWith('UPDATE connecteur_runs SET progress')) this.progress.push(JSON.parse(params![1] as string));
      return this.inner.query<R>(text, params);
    }
    transaction<T>(fn: Parameters<StagingDb['transaction']>[0]) {
      return this.inner.transaction(fn) as Promise<T>;
    }
    exec(script: string) {
      return this.inner.exec(script);
    }
    tryLock(key: string): Promise<HeldLock | null> {
      this.locks.push(key);
      return this.inner.tryLock(key);
    }
    close() {
      return Promise.resolve();
    }
  }

  const services = (staging: StagingDb = world.db, env: Env = ENV) => new Services(env, { staging });

  async function holdLock(job: string): Promise<HeldLock> {
    const lock = await world.db.tryLock(`connecteur:job:${job}`);
    assert.ok(lock, `the lock of ${job}`);
    return lock;
  }

  test('a step run: its report, its row, the context its work gets, its two log lines', async () => {
    const s = services();
    const { log, lines } = capture();
    const ownRowWhileWorking: unknown[] = [];
    const calls = stepDoes('transfer', async (ctx) => {
      const { rows } = await world.db.query(
        `SELECT status, finished_at IS NOT NULL AS finished FROM connecteur_runs WHERE job = 'transfer'`,
      );
      ownRowWhileWorking.push(...rows);
      ctx.report.add('read', 3);
      ctx.report.ok('A', 'created');
      ctx.report.ok('B');
    });
    const outcome = await runJob(s, 'transfer', { trigger: 'cli', log });
    const report = outcome.report as RunReport;
    assert.match(report.runId, UUID);
    assert.match(report.startedAt, ISO_MS);
    assert.match(report.finishedAt, ISO_MS);
    assert.deepEqual(outcome, {
      report: {
        job: 'transfer',
        runId: report.runId,
        status: 'succeeded',
        dryRun: false,
        startedAt: report.startedAt,
        finishedAt: report.finishedAt,
        counts: { ...emptyCounts(), read: 3, created: 1 },
        errors: [],
        records: [{ key: 'A', action: 'create' }],
      },
      fatal: undefined,
    });
    assert.equal(calls.length, 1);
    assert.deepEqual(ownRowWhileWorking, [{ status: 'running', finished: false }]);
    assert.deepEqual(
      [calls[0]!.dryRun, calls[0]!.allowMassDelete, calls[0]!.db === world.db, calls[0]!.services === s],
      [false, false, true, true],
    );

    const row = await getRun(world.db, report.runId);
    assert.deepEqual(
      [row?.job, row?.status, row?.trigger, row?.dryRun, row?.parentRunId, row?.message, row?.counts, row?.errors],
      ['transfer', 'succeeded', 'cli', false, null, null, { ...emptyCounts(), read: 3, created: 1 }, []],
    );

    const durationMs = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
    assert.deepEqual(lines, [
      { level: 'info', message: 'Début du job transfer', fields: { job: 'transfer', runId: report.runId, dryRun: false, trigger: 'cli' } },
      {
        level: 'info',
        message: 'Fin du job transfer : réussi',
        fields: {
          job: 'transfer',
          runId: report.runId,
          dryRun: false,
          event: 'run.finished',
          status: 'succeeded',
          durationMs,
          ...emptyCounts(),
          read: 3,
          created: 1,
        },
      },
    ]);

    // The lock was released: the next run goes.
    assert.equal(((await runJob(s, 'transfer', { trigger: 'cli' })).report as RunReport).status, 'succeeded');
  });

  test('a dry run: told to the work and the log, no record outcome kept; a real run keeps them', async () => {
    const s = services();
    await recordOutcomes(world.db, 'transfer', OTHER, [{ key: 'A', kind: 'failed', code: 'E', message: 'avant' }], []);
    const calls = stepDoes('transfer', (ctx) => {
      ctx.report.ok('A', 'unchanged');
      ctx.report.fail('B', new RecordError('CHANTIER_INVALIDE', 'invalide'));
    });
    const { log, lines } = capture();
    const dry = (await runJob(s, 'transfer', { trigger: 'cli', dryRun: true, allowMassDelete: true, log })).report as RunReport;
    assert.deepEqual([dry.dryRun, dry.status, calls[0]!.dryRun, calls[0]!.allowMassDelete], [true, 'partial', true, true]);
    assert.equal((await getRun(world.db, dry.runId))?.dryRun, true);
    assert.equal(lines[0]?.message, 'Début du job transfer (simulation)');
    const issues = async () =>
      (await world.db.query<{ k: string }>(`SELECT record_key AS k FROM connecteur_record_issues ORDER BY 1`)).rows.map((r) => r.k);
    assert.deepEqual(await issues(), ['A']);

    await runJob(s, 'transfer', { trigger: 'cli' });
    assert.deepEqual(await issues(), ['B']);
  });

  test('a step whose work throws: failed, its error first, its message on the row, logged as errors', async () => {
    const { log, lines } = capture();
    stepDoes('transfer', (ctx) => {
      ctx.report.fail('R1', new RecordError('CHANTIER_INVALIDE', 'invalide'));
      throw new UpstreamError('batisimply', 'BatiSimply indisponible.');
    });
    const outcome = await runJob(services(), 'transfer', { trigger: 'timer', log });
    const report = outcome.report as RunReport;
    assert.equal(outcome.fatal?.code, 'BATISIMPLY_UNREACHABLE');
    assert.equal(report.status, 'failed');
    assert.deepEqual(report.errors, [
      { key: 'transfer', code: 'BATISIMPLY_UNREACHABLE', message: 'BatiSimply indisponible.' },
      { key: 'R1', code: 'CHANTIER_INVALIDE', message: 'invalide' },
    ]);
    const row = await getRun(world.db, report.runId);
    assert.deepEqual([row?.status, row?.message, row?.errors.length], ['failed', 'BatiSimply indisponible.', 2]);
    assert.deepEqual(
      lines.map((l) => [l.level, l.message, l.fields.code]),
      [
        ['info', 'Début du job transfer', undefined],
        ['error', 'Échec du job transfer : BatiSimply indisponible.', 'BATISIMPLY_UNREACHABLE'],
        ['error', 'Fin du job transfer : échec', 'BATISIMPLY_UNREACHABLE'],
      ],
    );
  });

  test('a step whose work throws an unexpected error: INTERNAL', async () => {
    stepDoes('transfer', () => {
      throw new Error('boom');
    });
    const report = (await runJob(services(), 'transfer', { trigger: 'cli' })).report as RunReport;
    assert.deepEqual(report.errors, [{ key: 'transfer', code: 'INTERNAL', message: 'Erreur interne : boom' }]);
  });

  test('a step whose settings are missing fails before its work', async () => {
    const calls = stepDoes('transfer-batisimply');
    const { BATISIMPLY_API_URL: _, ...env } = ENV;
    const outcome = await runJob(services(world.db, env), 'transfer-batisimply', { trigger: 'cli' });
    assert.equal(calls.length, 0);
    assert.equal((outcome.report as RunReport).status, 'failed');
    assert.equal(outcome.fatal?.code, 'CONFIG_INVALID');
    assert.equal((outcome.report as RunReport).errors[0]?.key, 'transfer-batisimply');
  });

  test('progress: every call is passed on; the run row is written first, then at most once a second, and at the end', async () => {
    const db = new RecordingDb(world.db);
    const told: unknown[] = [];
    const written: unknown[][] = [];
    stepDoes('transfer', (ctx) => {
      ctx.progress(1, 10);
      written.push([...db.progress]);
      ctx.progress(2, 10);
      written.push([...db.progress]);
      ctx.progress(10, 10);
      written.push([...db.progress]);
    });
    const report = (await runJob(services(db), 'transfer', { trigger: 'cli', onProgress: (p) => told.push(p) })).report as RunReport;
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(told, [
      { job: 'transfer', done: 1, total: 10 },
      { job: 'transfer', done: 2, total: 10 },
      { job: 'transfer', done: 10, total: 10 },
    ]);
    const first = { done: 1, total: 10, step: 'transfer' };
    assert.deepEqual(written, [[first], [first], [first, { done: 10, total: 10, step: 'transfer' }]]);
    assert.deepEqual(db.locks, ['connecteur:job:transfer']);
  });

  test('progress without onProgress: the work goes on', async () => {
    stepDoes('transfer', (ctx) => ctx.progress(1, 2));
    assert.equal(((await runJob(services(), 'transfer', { trigger: 'cli' })).report as RunReport).status, 'succeeded');
  });

  test('warnings: in the report when there are some', async () => {
    stepDoes('transfer', (ctx) => ctx.report.warn('W', 'ADRESSE_INTROUVABLE', 'adresse inconnue'));
    const report = (await runJob(services(), 'transfer', { trigger: 'cli' })).report as RunReport;
    assert.deepEqual(report.warnings, [{ key: 'W', code: 'ADRESSE_INTROUVABLE', message: 'adresse inconnue' }]);
    assert.equal(report.status, 'succeeded');
  });

  test('a step run prunes the history older than RUN_HISTORY_DAYS', async () => {
    stepDoes('transfer');
    for (const [runId, days] of [
      [QUEUED, 3],
      [OTHER, 1],
    ] as const) {
      await insertRun(world.db, { runId, job: 'recup-heures', parentRunId: null, trigger: 'cli', dryRun: false, status: 'succeeded' });
      await world.db.query(`UPDATE connecteur_runs SET started_at = now() - make_interval(days => $2) WHERE run_id = $1`, [runId, days]);
    }
    await runJob(services(), 'transfer', { trigger: 'cli' });
    assert.equal(await getRun(world.db, QUEUED), null);
    assert.equal((await getRun(world.db, OTHER))?.status, 'succeeded');
  });

  test('a busy step asked by an operator: ConflictError naming the running run, logged skipped, nothing recorded', async () => {
    const calls = stepDoes('transfer');
    await insertRun(world.db, { runId: OTHER, job: 'transfer', parentRunId: null, trigger: 'timer', dryRun: false, status: 'running' });
    const lock = await holdLock('transfer');
    try {
      for (const trigger of ['cli', 'http'] as const) {
        const { log, lines } = capture();
        const error = await runJob(services(), 'transfer', { trigger, log }).then(
          () => assert.fail('resolved'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof ConflictError);
        assert.equal(error.message, `Le job « transfer » est déjà en cours (exécution ${OTHER}).`);
        assert.equal(error.runningRunId, OTHER);
        assert.deepEqual(lines, [
          {
            level: 'info',
            message: `Job transfer non lancé : ${error.message}`,
            fields: { event: 'run.finished', job: 'transfer', status: 'skipped', code: 'JOB_RUNNING', started: false },
          },
        ]);
      }
    } finally {
      await lock.release();
    }
    assert.equal(calls.length, 0);
    assert.equal((await recentRuns(world.db)).length, 1);
  });

  test('a busy step with no running row: the message names no run', async () => {
    const lock = await holdLock('transfer');
    try {
      await assert.rejects(runJob(services(), 'transfer', { trigger: 'cli' }), {
        message: 'Le job « transfer » est déjà en cours.',
        runningRunId: null,
      });
    } finally {
      await lock.release();
    }
  });

  test('a busy step fired by the timer: skipped, recorded with its reason, logged', async () => {
    const calls = stepDoes('transfer');
    const lock = await holdLock('transfer');
    const { log, lines } = capture();
    let outcome;
    try {
      outcome = await runJob(services(), 'transfer', { trigger: 'timer', dryRun: true, log });
    } finally {
      await lock.release();
    }
    const report = outcome.report as RunReport;
    const message = 'Le job « transfer » est déjà en cours.';
    assert.match(report.runId, UUID);
    assert.match(report.startedAt, ISO_MS);
    assert.deepEqual(outcome, {
      report: {
        job: 'transfer',
        runId: report.runId,
        status: 'skipped',
        dryRun: true,
        startedAt: report.startedAt,
        finishedAt: report.startedAt,
        counts: emptyCounts(),
        errors: [{ key: 'transfer', code: 'JOB_RUNNING', message }],
      },
    });
    assert.equal(calls.length, 0);
    const row = await getRun(world.db, report.runId);
    assert.deepEqual(
      [row?.status, row?.trigger, row?.dryRun, row?.parentRunId, row?.message, typeof row?.finishedAt],
      ['skipped', 'timer', true, null, message, 'string'],
    );
    assert.deepEqual(lines, [
      {
        level: 'info',
        message: 'Fin du job transfer : ignoré',
        fields: { event: 'run.finished', job: 'transfer', status: 'skipped', runId: report.runId, code: 'JOB_RUNNING' },
      },
    ]);
  });

  test('a busy step taken from the queue by the timer: its queued row is claimed as skipped, once', async () => {
    await insertQueuedRun(world.db, { runId: QUEUED, job: 'transfer', trigger: 'timer', dryRun: false });
    const lock = await holdLock('transfer');
    try {
      const first = await runJob(services(), 'transfer', { trigger: 'timer', runId: QUEUED });
      assert.deepEqual([first.report.runId, first.report.status, first.duplicate], [QUEUED, 'skipped', undefined]);
      assert.equal((await getRun(world.db, QUEUED))?.status, 'skipped');
      const again = await runJob(services(), 'transfer', { trigger: 'timer', runId: QUEUED });
      assert.equal(again.duplicate, true);
    } finally {
      await lock.release();
    }
    assert.equal((await recentRuns(world.db)).length, 1);
  });

  test('a step taken from the queue: runs as its queued row; a second delivery runs nothing', async () => {
    const calls = stepDoes('transfer');
    await insertQueuedRun(world.db, { runId: QUEUED, job: 'transfer', trigger: 'http', dryRun: false });
    const first = await runJob(services(), 'transfer', { trigger: 'http', runId: QUEUED });
    assert.deepEqual([first.report.runId, first.report.status, first.duplicate], [QUEUED, 'succeeded', undefined]);
    assert.equal((await getRun(world.db, QUEUED))?.status, 'succeeded');
    const again = await runJob(services(), 'transfer', { trigger: 'http', runId: QUEUED, dryRun: true });
    const report = again.report as RunReport;
    assert.match(report.startedAt, ISO_MS);
    assert.deepEqual(again, {
      report: {
        job: 'transfer',
        runId: QUEUED,
        status: 'skipped',
        dryRun: true,
        startedAt: report.startedAt,
        finishedAt: report.startedAt,
        counts: emptyCounts(),
        errors: [],
      },
      duplicate: true,
    });
    assert.equal(calls.length, 1);
    assert.equal((await recentRuns(world.db)).length, 1);
  });

  test('a chain: its steps in order under it, its counts and errors summed, its status the worst, one log line', async () => {
    const db = new RecordingDb(world.db);
    const chainRowWhileStepping: unknown[] = [];
    stepDoes('transfer', async (ctx) => {
      const { rows } = await world.db.query<{ status: string; finished: boolean }>(
        `SELECT status, finished_at IS NOT NULL AS finished FROM connecteur_runs WHERE job = 'chantiers'`,
      );
      chainRowWhileStepping.push(...rows);
      ctx.report.add('read', 2);
      ctx.report.ok('A', 'created');
      ctx.report.fail('B', new RecordError('CHANTIER_INVALIDE', 'invalide'));
    });
    stepDoes('transfer-batisimply', (ctx) => {
      ctx.report.add('read', 3);
      ctx.report.ok('C', 'updated');
      ctx.report.hold('D', 'SALARIE_AMBIGU', 'ambigu');
    });
    const { log, lines } = capture();
    const outcome = await runJob(services(db), 'chantiers', { trigger: 'timer', log });
    const report = outcome.report as ChainReport;
    assert.equal(outcome.fatal, undefined);
    assert.match(report.runId, UUID);
    assert.deepEqual(
      { ...report, steps: report.steps.map((s) => [s.job, s.status, s.dryRun]) },
      {
        job: 'chantiers',
        runId: report.runId,
        status: 'partial',
        dryRun: false,
        steps: [
          ['transfer', 'partial', false],
          ['fin-chantiers', 'succeeded', false],
          ['geocode-chantiers', 'succeeded', false],
          ['transfer-batisimply', 'partial', false],
        ],
      },
    );
    assert.deepEqual(chainRowWhileStepping, [{ status: 'running', finished: false }]);
    assert.deepEqual(db.locks, [
      'connecteur:job:chantiers',
      'connecteur:job:transfer',
      // fin-chantiers and the push both write BatiSimply's projects: one lock.
      'connecteur:job:transfer-batisimply',
      'connecteur:job:geocode-chantiers',
      'connecteur:job:transfer-batisimply',
    ]);

    const counts = { read: 5, created: 1, updated: 1, deleted: 0, unchanged: 0, failed: 1, held: 1 };
    const chainRow = await getRun(world.db, report.runId);
    assert.deepEqual(
      [chainRow?.status, chainRow?.trigger, chainRow?.parentRunId, chainRow?.dryRun, chainRow?.counts],
      ['partial', 'timer', null, false, counts],
    );
    assert.deepEqual(
      chainRow?.errors.map((e) => e.key),
      ['B', 'D'],
    );
    const steps = await childRuns(world.db, report.runId);
    assert.deepEqual(
      steps.map((r) => [r.job, r.runId, r.trigger, r.status]),
      report.steps.map((s) => [s.job, s.runId, 'timer', s.status]),
    );
    assert.deepEqual(
      lines.filter((l) => l.fields.job === 'chantiers'),
      [
        {
          level: 'info',
          message: 'Fin du job chantiers : partiel',
          fields: { event: 'run.finished', job: 'chantiers', status: 'partial', runId: report.runId, dryRun: false, ...counts },
        },
      ],
    );

    // The chain's lock was released: the next run goes.
    assert.equal((await runJob(services(), 'chantiers', { trigger: 'cli' })).report.status, 'partial');
  });

  test('a chain whose first step fails: the next step still runs, the chain fails with the first error', async () => {
    stepDoes('transfer', () => {
      throw new UpstreamError('batigest', 'SQL Server injoignable.');
    });
    const second = stepDoes('transfer-batisimply');
    const { log, lines } = capture();
    const outcome = await runJob(services(), 'chantiers', { trigger: 'cli', log });
    assert.equal(second.length, 1);
    assert.equal(outcome.report.status, 'failed');
    assert.equal(outcome.fatal?.code, 'BATIGEST_UNREACHABLE');
    assert.deepEqual(lines.at(-1)?.level, 'error');
    assert.equal((await getRun(world.db, outcome.report.runId))?.status, 'failed');
  });

  test('a chain whose last step fails: the chain fails with that error', async () => {
    stepDoes('transfer');
    stepDoes('transfer-batisimply', () => {
      throw new UpstreamError('batisimply', 'BatiSimply indisponible.');
    });
    const outcome = await runJob(services(), 'chantiers', { trigger: 'cli' });
    assert.equal(outcome.fatal?.code, 'BATISIMPLY_UNREACHABLE');
  });

  test('a dry run of a chain: every step is a dry run', async () => {
    const first = stepDoes('transfer');
    const second = stepDoes('transfer-batisimply');
    const report = (await runJob(services(), 'chantiers', { trigger: 'cli', dryRun: true })).report as ChainReport;
    assert.deepEqual(
      [report.dryRun, first[0]?.dryRun, second[0]?.dryRun, (await getRun(world.db, report.runId))?.dryRun],
      [true, true, true, true],
    );
  });

  test('a chain whose step is busy: that step is skipped and recorded under the chain, the chain goes on', async () => {
    const first = stepDoes('transfer');
    const second = stepDoes('transfer-batisimply');
    const lock = await holdLock('transfer');
    let outcome;
    try {
      outcome = await runJob(services(), 'chantiers', { trigger: 'cli' });
    } finally {
      await lock.release();
    }
    const report = outcome.report as ChainReport;
    assert.deepEqual([first.length, second.length, report.status, outcome.fatal], [0, 1, 'skipped', undefined]);
    assert.deepEqual(
      report.steps.map((s) => [s.job, s.status, s.errors.map((e) => e.code)]),
      [
        ['transfer', 'skipped', ['JOB_RUNNING']],
        ['fin-chantiers', 'succeeded', []],
        ['geocode-chantiers', 'succeeded', []],
        ['transfer-batisimply', 'succeeded', []],
      ],
    );
    assert.deepEqual(
      (await childRuns(world.db, report.runId)).map((r) => [r.job, r.status, r.trigger]),
      [
        ['transfer', 'skipped', 'cli'],
        ['fin-chantiers', 'succeeded', 'cli'],
        ['geocode-chantiers', 'succeeded', 'cli'],
        ['transfer-batisimply', 'succeeded', 'cli'],
      ],
    );
  });

  test('a busy chain: an operator gets a ConflictError, the timer a skipped run', async () => {
    const first = stepDoes('transfer');
    const lock = await holdLock('chantiers');
    try {
      await assert.rejects(runJob(services(), 'chantiers', { trigger: 'cli' }), ConflictError);
      const report = (await runJob(services(), 'chantiers', { trigger: 'timer' })).report as RunReport;
      assert.deepEqual([report.job, report.status, report.dryRun, report.errors[0]?.code], ['chantiers', 'skipped', false, 'JOB_RUNNING']);
      const row = await getRun(world.db, report.runId);
      assert.deepEqual([row?.status, row?.dryRun], ['skipped', false]);
    } finally {
      await lock.release();
    }
    assert.equal(first.length, 0);
  });

  test('a chain taken from the queue: runs as its queued row, its steps under it; a second delivery runs nothing', async () => {
    const first = stepDoes('transfer');
    stepDoes('transfer-batisimply');
    await insertQueuedRun(world.db, { runId: QUEUED, job: 'chantiers', trigger: 'http', dryRun: false });
    const outcome = await runJob(services(), 'chantiers', { trigger: 'http', runId: QUEUED });
    const report = outcome.report as ChainReport;
    assert.deepEqual([report.runId, report.status, outcome.duplicate], [QUEUED, 'succeeded', undefined]);
    assert.equal((await getRun(world.db, QUEUED))?.status, 'succeeded');
    const steps = await childRuns(world.db, QUEUED);
    assert.deepEqual(
      steps.map((s) => s.job),
      ['transfer', 'fin-chantiers', 'geocode-chantiers', 'transfer-batisimply'],
    );
    assert.ok(steps.every((s) => UUID.test(s.runId) && s.runId !== QUEUED));

    const again = await runJob(services(), 'chantiers', { trigger: 'http', runId: QUEUED });
    assert.deepEqual([again.duplicate, again.report.runId, again.report.status, first.length], [true, QUEUED, 'skipped', 1]);
  });

  test('the history write failing before the run is recorded: the error is thrown and logged « non lancé », failed, with its code', async () => {
    const faulty = new FaultyDb(world.db);
    faulty.failOn = /INSERT INTO connecteur_runs/;
    const { log, lines } = capture();
    await assert.rejects(runJob(services(faulty), 'transfer', { trigger: 'timer', log }), { code: 'INTERNAL' });
    assert.deepEqual(lines, [
      {
        level: 'error',
        message: 'Job transfer non lancé : Erreur interne : simulated crash at staging /INSERT INTO connecteur_runs/',
        fields: { event: 'run.finished', job: 'transfer', status: 'failed', code: 'INTERNAL', started: false },
      },
    ]);
  });

  /** Holds each progress write until the test lets it go, noting when each write and the final row were sent. */
  class HoldingDb extends RecordingDb {
    events: string[] = [];
    private held: (() => void)[] = [];
    heldCount = 0;
    override query<R>(text: string, params?: unknown[]) {
      if (text.startsWith('UPDATE connecteur_runs SET progress')) {
        this.events.push('progress sent');
        this.heldCount++;
        return new Promise<void>((r) => this.held.push(r)).then(async () => {
          const answer = await super.query<R>(text, params);
          this.events.push('progress written');
          return answer;
        });
      }
      if (text.includes('SET status = $2, counts = $3')) this.events.push('run finished');
      return super.query<R>(text, params);
    }
    release() {
      for (const r of this.held.splice(0)) r();
    }
  }

  test('a progress write still under way when the work ends is written before the run row is finished', async () => {
    const db = new HoldingDb(world.db);
    let returned = false;
    stepDoes('transfer', (ctx) => {
      ctx.progress(1, 2);
      returned = true;
    });
    const running = runJob(services(db), 'transfer', { trigger: 'cli' });
    // Macrotasks: by the time this sees the work returned, the runner has gone as far as it goes unwaited.
    while (!(returned && db.heldCount === 1)) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
    db.release();
    const report = (await running).report as RunReport;
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(db.events, ['progress sent', 'progress written', 'run finished']);
    const { rows } = await world.db.query<{ progress: unknown }>(`SELECT progress FROM connecteur_runs WHERE job = 'transfer'`);
    assert.deepEqual(rows, [{ progress: null }]);
  });

  test('an invalid RUN_HISTORY_DAYS fails the run before its work, not after it', async () => {
    const calls = stepDoes('transfer');
    const outcome = await runJob(services(world.db, { ...ENV, RUN_HISTORY_DAYS: 'jamais' }), 'transfer', { trigger: 'cli' });
    assert.equal((outcome.report as RunReport).status, 'failed');
    assert.equal(outcome.fatal?.code, 'CONFIG_INVALID');
    assert.equal(calls.length, 0);
    const { rows } = await world.db.query<{ status: string }>(`SELECT status FROM connecteur_runs WHERE job = 'transfer'`);
    assert.deepEqual(rows, [{ status: 'failed' }]);
  });
});

/**
 * Pins the runner's clean-up of runs a killed process left `running`, deterministically: the
 * orphan is the row such a process leaves (recorded running, no lock held), not a real kill.
 */
describe('runs a killed process left running', () => {
  const world = useWorld({ services: () => new Services(world.env, { staging: world.db, batigest: new MemoryBatigest() }) });

  async function orphan(job: JobName): Promise<string> {
    const runId = randomUUID();
    await insertRun(world.db, { runId, job, parentRunId: null, trigger: 'cli', dryRun: false, status: 'running' });
    return runId;
  }

  const closed = async (runId: string) => {
    const run = await getRun(world.db, runId);
    return run !== null && run.status !== 'running' && run.status !== 'succeeded';
  };

  test('a step run closes the runs of its job left running by a killed process, and only those', async () => {
    const mine = await orphan('transfer-batisimply');
    const other = await orphan('recup-heures');
    const report = (await runJob(world.services, 'transfer-batisimply', { trigger: 'cli' })).report as RunReport;
    assert.equal(report.status, 'succeeded');
    assert.equal(await closed(mine), true, 'the orphan of the job is closed');
    assert.equal((await getRun(world.db, other))?.status, 'running', "another job's run is not touched");
  });

  test('a chain run closes the chain runs left running by a killed process', async () => {
    const mine = await orphan('chantiers');
    await runJob(world.services, 'chantiers', { trigger: 'cli' });
    assert.equal(await closed(mine), true);
  });
});
