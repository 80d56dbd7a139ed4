/**
 * pushChantiers at the port level: the staging table on real PostgreSQL, BatiSimply as an
 * in-memory stand-in that the test scripts (lost answers, refusals, late creates), and the job
 * called with a context the test holds (report, progress, log). Written from the surviving mutants
 * of sync/pushChantiers.js; the sandbox tests (chantiers*.test.ts) pin the same paths over HTTP but
 * take seconds per run. Time: a lost answer waits until its create can no longer land
 * (lease + timeout + settle); tests that must not wait move a mocked clock inside the stand-in's
 * reads, so nothing depends on the machine's speed.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, mock, test } from 'node:test';
import type { BatisimplyApi, Project, ProjectBody } from '../../../src/lib/batisimply/client.js';
import { BatisimplyError } from '../../../src/lib/batisimply/http.js';
import type { MalformedProject, ProjectListing } from '../../../src/lib/batisimply/projectList.js';
import type { Env } from '../../../src/lib/config.js';
import type { Fields, Logger } from '../../../src/lib/log.js';
import { Services } from '../../../src/lib/services.js';
import type { StagingDb } from '../../../src/lib/staging/db.js';
import { upsertChantiers } from '../../../src/lib/staging/chantiers.js';
import { ATTEMPT_LEASE_MS } from '../../../src/lib/sync/pushWriter.js';
import { ReportBuilder } from '../../../src/lib/sync/report.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import type { ChantierSource } from '../../../src/lib/domain/chantier.js';
import { stepContext } from '../../support/jobContext.js';
import { pushChantiers } from '../../../src/lib/sync/transferBatisimply.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ sandbox: false });
afterEach(() => mock.timers.reset());

const TIMEOUT_MS = 100;
const SETTLE_MS = 300;
/** How long after a create's attempt was recorded it may still land: lease + timeout + settle. */
const LANDING_MS = ATTEMPT_LEASE_MS + TIMEOUT_MS + SETTLE_MS;
const ENV: Env = {
  BATISIMPLY_API_URL: 'http://127.0.0.1:9/api',
  BATISIMPLY_TOKEN_URL: 'http://127.0.0.1:9/token',
  BATISIMPLY_CLIENT_ID: 'connecteur',
  BATISIMPLY_USERNAME: 'user',
  BATISIMPLY_PASSWORD: 'password-of-the-test',
  BATISIMPLY_HEADQUARTER_ID: '7',
  BATISIMPLY_CONCURRENCY: '1',
  BATISIMPLY_TIMEOUT_MS: String(TIMEOUT_MS),
  BATISIMPLY_CREATE_SETTLE_MS: String(SETTLE_MS),
};

const ambiguous = () => new BatisimplyError('délai dépassé', { code: 'BATISIMPLY_UNREACHABLE', retryable: true, ambiguous: true });
const refused = (status: number) =>
  new BatisimplyError(`refusé (${status})`, { code: `BATISIMPLY_HTTP_${status}`, status, retryable: false });

/** What a create does, scripted by the test: applied and answered (the default), or one of these. */
type CreateScript = 'lost' | 'unapplied' | 'applied-after-next-read' | Error;

/** BatiSimply in memory: the projects it holds, each call seen, and faults the test scripts in turn. */
class StandIn implements BatisimplyApi {
  readonly projects = new Map<number, Project>();
  readonly calls: string[] = [];
  readonly puts: { id: number; body: unknown }[] = [];
  /** Date.now() when each read of the list began. */
  readonly readsAt: number[] = [];
  creates: CreateScript[] = [];
  reads: (Error | { malformed?: MalformedProject[]; unstable?: boolean })[] = [];
  getFault: Error | undefined;
  /** Moved forward by each read when set: the time a read takes, on a mocked clock. */
  readTakesMs = 0;
  /** Moved forward by each POST when set: the time a create takes before it fails or answers. */
  createTakesMs = 0;
  /** Runs when a POST arrives, before it is applied. */
  onCreate: ((body: ProjectBody) => Promise<void>) | undefined;
  private nextId = 100;
  private late: ProjectBody[] = [];

  hold(project: Omit<Project, 'id'> & { id?: number }): Project {
    const p = { ...project, id: project.id ?? this.nextId++ } as Project;
    this.projects.set(p.id, p);
    return p;
  }
  byCode(code: string) {
    return [...this.projects.values()].filter((p) => p.projectCode === code);
  }

  async readProjects(): Promise<ProjectListing> {
    this.calls.push('LIST');
    this.readsAt.push(Date.now());
    if (this.readTakesMs) mock.timers.tick(this.readTakesMs);
    const next = this.reads.shift() ?? {};
    if (next instanceof Error) throw next;
    const projects = [...this.projects.values()].sort((a, b) => a.id - b.id).map((p) => structuredClone(p));
    // A create applied late lands after the read that followed it began.
    for (const body of this.late.splice(0)) this.hold({ ...body });
    return { projects, malformed: next.malformed ?? [], unstable: next.unstable ?? false };
  }
  async listProjects() {
    return (await this.readProjects()).projects;
  }
  async getProject(id: number): Promise<Project> {
    this.calls.push(`GET ${id}`);
    if (this.getFault) throw this.getFault;
    const p = this.projects.get(id);
    if (!p) throw refused(404);
    return structuredClone(p);
  }
  async createProject(body: ProjectBody): Promise<Project> {
    this.calls.push(`POST ${body.projectCode}`);
    await this.onCreate?.(body);
    if (this.createTakesMs) mock.timers.tick(this.createTakesMs);
    const script = this.creates.shift();
    if (script instanceof Error) throw script;
    if (script === 'unapplied') throw ambiguous();
    if (script === 'applied-after-next-read') {
      this.late.push(body);
      throw ambiguous();
    }
    const p = this.hold({ ...body });
    if (script === 'lost') throw ambiguous();
    return structuredClone(p);
  }
  async updateProject(id: number, body: ProjectBody): Promise<Project> {
    this.calls.push(`PUT ${id}`);
    this.puts.push({ id, body });
    const p = { ...body, id } as Project;
    this.projects.set(id, p);
    return p;
  }
  async listTimeSlots(): Promise<never> {
    throw new Error('not used by the push');
  }
  async ping() {}
  async close() {}
}

/** The staging database, with the codes of each create attempt recording seen. */
function watched(db: StagingDb) {
  const recorded: string[][] = [];
  const wrapped = Object.create(db) as StagingDb;
  wrapped.query = async (text: string, params?: unknown[]) => {
    if (text.includes('GREATEST(create_attempted_at')) recorded.push(params![0] as string[]);
    return db.query(text, params);
  };
  return { db: wrapped, recorded };
}

/** Runs the job once; returns what it reported, logged and told of its progress. */
async function run(api: StandIn, options: { dryRun?: boolean; env?: Env } = {}) {
  const services = new Services({ ...ENV, ...options.env }, { staging: world.db, batigest: new MemoryBatigest(), batisimply: api });
  const { db, recorded } = watched(world.db);
  const report = new ReportBuilder();
  // The errors as thrown, for what the report does not keep (their cause).
  const thrown: unknown[] = [];
  const fail = report.fail.bind(report);
  report.fail = (key, error) => {
    thrown.push(error);
    fail(key, error);
  };
  const progress: [number, number][] = [];
  const warned: [string, Fields | undefined][] = [];
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (m, f) => warned.push([m, f]), child: () => log };
  const ctx = await stepContext(services, db, {
    dryRun: options.dryRun ?? false,
    report,
    log,
    progress: (d, n) => void progress.push([d, n]),
  });
  try {
    await pushChantiers(ctx);
  } finally {
    await services.close();
  }
  return { report, progress, warned, recorded, thrown };
}

/** Stages chantiers as `transfer` does (sync = false), then sets what the test needs by hand. */
async function stage(...rows: (ChantierSource & { batisimplyId?: number; attemptedAt?: number })[]) {
  await upsertChantiers(world.db, rows);
  for (const r of rows) {
    await world.db.query('UPDATE batigest_chantiers SET batisimply_id = $2, create_attempted_at = $3 WHERE code = $1', [
      r.code,
      r.batisimplyId ?? null,
      r.attemptedAt === undefined ? null : new Date(r.attemptedAt),
    ]);
  }
}

async function staged(code: string) {
  const { rows } = await world.db.query<{ sync: boolean; batisimply_id: string | null; attempted: Date | null; last_error: string | null }>(
    'SELECT sync, batisimply_id::text, create_attempted_at AS attempted, last_error FROM batigest_chantiers WHERE code = $1',
    [code],
  );
  return rows[0]!;
}

const errorsOf = (report: ReportBuilder) => report.errors.map((e) => [e.key, e.code, e.message]);

describe('nothing to push', () => {
  test('no pending row: BatiSimply is not asked anything', async () => {
    const api = new StandIn();
    const { report } = await run(api);
    assert.deepEqual(api.calls, []);
    assert.equal(report.counts.read, 0);
  });
});

describe('creates and updates', () => {
  test('new codes are created, counted, stored and reported in order of progress', async () => {
    const api = new StandIn();
    await stage(chantier('CH001'), chantier('CH002'));
    const { report, progress } = await run(api);
    assert.deepEqual(api.calls, ['LIST', 'POST CH001', 'POST CH002']);
    assert.deepEqual([report.counts.read, report.counts.created, report.counts.updated], [2, 2, 0]);
    assert.deepEqual(progress, [
      [1, 2],
      [2, 2],
    ]);
    const [a] = api.byCode('CH001');
    assert.deepEqual(await staged('CH001'), { sync: true, batisimply_id: String(a!.id), attempted: null, last_error: null });
  });

  test('the attempt is durable before the POST leaves, recorded ahead or not', async () => {
    const now = Date.parse('2026-05-04T08:00:00Z');
    mock.timers.enable({ apis: ['Date'], now });
    const api = new StandIn();
    const seen: [string, string | undefined][] = [];
    api.onCreate = async (body) => {
      seen.push([body.projectCode!, (await staged(body.projectCode!)).attempted?.toISOString()]);
    };
    // CH002's attempt of an earlier run settled long ago: it is not recorded ahead, but at its POST.
    await stage(chantier('CH001'), { ...chantier('CH002'), attemptedAt: Date.parse('2020-01-01T00:00:00Z') });
    await run(api);
    assert.deepEqual(seen, [
      ['CH001', '2026-05-04T08:00:00.000Z'],
      ['CH002', '2026-05-04T08:00:00.000Z'],
    ]);
  });

  test('a code held by BatiSimply is updated with the whole object: its own fields kept, ours overlaid', async () => {
    const api = new StandIn();
    const p = api.hold({ projectCode: 'CH003', projectName: 'ancien', projectColor: '#ff0000' } as never);
    await stage(chantier('CH003'));
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', `PUT ${p.id}`]);
    assert.deepEqual(api.puts[0], {
      id: p.id,
      body: {
        id: p.id,
        projectCode: 'CH003',
        projectName: 'Chantier CH003',
        projectColor: '#ff0000',
        startEstimated: '2026-03-01',
        endEstimated: '2026-06-30',
        customerName: 'Client',
        hoursSold: 120,
        headQuarter: { id: 7 },
        address: {
          street: '1 rue de la Paix',
          postalCode: '34000',
          city: 'Montpellier',
          countryCode: 'FR',
          googleFormattedAddress: '1 rue de la Paix, 34000 Montpellier, France',
        },
      },
    });
    assert.deepEqual([report.counts.created, report.counts.updated], [0, 1]);
    assert.equal((await staged('CH003')).batisimply_id, String(p.id));
  });

  test('a row that knows its project id updates that project, even when another holds its code', async () => {
    const api = new StandIn();
    const mine = api.hold({ projectCode: 'AUTRE', projectName: 'renommé dans BatiSimply' });
    api.hold({ projectCode: 'CH004', projectName: 'un autre projet' });
    await stage({ ...chantier('CH004'), batisimplyId: mine.id });
    await run(api);
    assert.deepEqual(api.calls, ['LIST', `GET ${mine.id}`, `PUT ${mine.id}`]);
    assert.equal(api.puts[0]!.id, mine.id);
  });

  test('its project deleted in BatiSimply (404): the one holding its code is updated', async () => {
    const api = new StandIn();
    const other = api.hold({ projectCode: 'CH005', projectName: 'x' });
    await stage({ ...chantier('CH005'), batisimplyId: 9_999 });
    await run(api);
    assert.deepEqual(api.calls, ['LIST', 'GET 9999', `PUT ${other.id}`]);
    assert.equal((await staged('CH005')).batisimply_id, String(other.id));
  });

  test('its project deleted and no project with its code: created again', async () => {
    const api = new StandIn();
    await stage({ ...chantier('CH006'), batisimplyId: 9_999 });
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', 'GET 9999', 'POST CH006']);
    assert.equal(report.counts.created, 1);
  });

  test('reading its project fails otherwise than 404: the record fails, nothing is created', async () => {
    const api = new StandIn();
    api.getFault = refused(500);
    await stage({ ...chantier('CH007'), batisimplyId: 12 });
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', 'GET 12']);
    assert.deepEqual(errorsOf(report), [['CH007', 'BATISIMPLY_HTTP_500', 'refusé (500)']]);
    assert.equal((await staged('CH007')).last_error, 'refusé (500)');
  });

  test('reading its project fails with an error that is not an HTTP one: the record fails, nothing is created', async () => {
    const api = new StandIn();
    api.getFault = new Error('socket fermé');
    await stage({ ...chantier('CH008'), batisimplyId: 12 });
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', 'GET 12']);
    assert.equal(report.counts.failed, 1);
  });

  test('a code known to the index is updated without reading its project again', async () => {
    const api = new StandIn();
    api.hold({ projectCode: 'CH009', projectName: 'x', id: 40 });
    await stage(chantier('CH009'));
    await run(api);
    assert.deepEqual(api.calls, ['LIST', 'PUT 40']);
  });

  test('an edit made while the row was pushed leaves it to the next run', async () => {
    const api = new StandIn();
    api.onCreate = async () => {
      await upsertChantiers(world.db, [chantier('CH010', { nomClient: 'Client modifié' })]);
    };
    await stage(chantier('CH010'));
    await run(api);
    const row = await staged('CH010');
    assert.equal(row.sync, false);
    assert.equal(row.batisimply_id, String(api.byCode('CH010')[0]!.id));
  });
});

describe('records that fail', () => {
  test('a code too long fails with its reason, and the others go on', async () => {
    const api = new StandIn();
    await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('ABCDEFGHI', 'x', false)`);
    await stage(chantier('CH011'));
    const { report, recorded } = await run(api);
    assert.deepEqual(errorsOf(report), [
      [
        'ABCDEFGHI',
        'CHANTIER_INVALIDE',
        'Code chantier « ABCDEFGHI » trop long (9 caractères, 8 au plus dans Batigest) : refusé pour ne pas changer la clé.',
      ],
    ]);
    assert.deepEqual(recorded, [['CH011']], 'no attempt for a code that will not be created');
    assert.match((await staged('ABCDEFGHI')).last_error ?? '', /trop long/);
    assert.deepEqual(api.calls, ['LIST', 'POST CH011']);
  });

  test('the list cannot be read: every record fails with the reason, staged as its error', async () => {
    const api = new StandIn();
    api.reads = [new Error('liste indisponible')];
    await stage(chantier('CH012'), chantier('CH013'));
    const { report } = await run(api);
    assert.deepEqual(errorsOf(report), [
      ['CH012', 'INTERNAL', 'liste indisponible'],
      ['CH013', 'INTERNAL', 'liste indisponible'],
    ]);
    assert.deepEqual(api.calls, ['LIST']);
    assert.equal((await staged('CH013')).last_error, 'liste indisponible');
  });

  test('the list cannot be read in a dry run: reported, nothing staged', async () => {
    const api = new StandIn();
    api.reads = [new Error('liste indisponible')];
    await stage(chantier('CH012'));
    const { report } = await run(api, { dryRun: true });
    assert.equal(report.counts.failed, 1);
    assert.equal((await staged('CH012')).last_error, null);
  });

  test('refused projects of the list are reported by code, or by position when they have none', async () => {
    const api = new StandIn();
    api.reads = [
      {
        malformed: [
          { position: 2, projectCode: 'X1', reason: 'id nul' },
          { position: 4, projectCode: null, reason: 'id texte' },
        ],
      },
    ];
    await stage(chantier('CH014'));
    const { report } = await run(api);
    assert.deepEqual(errorsOf(report), [
      ['projet BatiSimply X1', 'PROJET_ILLISIBLE', 'Projet n° 3 de la liste refusé : id nul.'],
      ['projet BatiSimply n° 5', 'PROJET_ILLISIBLE', 'Projet n° 5 de la liste refusé : id texte.'],
    ]);
    assert.equal(report.counts.created, 1);
  });

  test('a code carried by an unreadable project is not created, and not recorded ahead', async () => {
    const api = new StandIn();
    api.reads = [{ malformed: [{ position: 0, projectCode: 'CH015', reason: 'id nul' }] }];
    await stage(chantier('CH015'), chantier('CH016'));
    const { report, recorded } = await run(api);
    assert.deepEqual(errorsOf(report).slice(1), [
      [
        'CH015',
        'PROJET_ILLISIBLE',
        'Un projet BatiSimply porte le code CH015 mais est illisible (id nul) : création refusée pour ne pas le doubler.',
      ],
    ]);
    assert.deepEqual(recorded, [['CH016']]);
    assert.deepEqual(api.calls, ['LIST', 'POST CH016']);
    assert.equal((await staged('CH015')).attempted, null);
  });

  test('a list that moved under both reads: known codes are updated, new ones wait, none recorded ahead', async () => {
    const api = new StandIn();
    const known = api.hold({ projectCode: 'CH017', projectName: 'x' });
    api.reads = [{ unstable: true }, { unstable: true }];
    await stage(chantier('CH017'), chantier('CH018'));
    const { report, recorded } = await run(api);
    assert.deepEqual(errorsOf(report), [
      ['CH018', 'LISTE_INSTABLE', 'La liste des projets BatiSimply a changé pendant sa lecture : création reportée au prochain passage.'],
    ]);
    assert.deepEqual(api.calls, ['LIST', 'LIST', `PUT ${known.id}`]);
    assert.deepEqual(recorded, []);
  });

  test('no headquarter configured: known codes are updated, new ones fail with the setting named, none recorded ahead', async () => {
    const api = new StandIn();
    const known = api.hold({ projectCode: 'CH019', projectName: 'x' });
    await stage(chantier('CH019'), chantier('CH020'));
    const { report, recorded } = await run(api, { env: { BATISIMPLY_HEADQUARTER_ID: undefined } });
    assert.deepEqual(errorsOf(report), [
      [
        'CH020',
        'CONFIG_HEADQUARTER',
        'BATISIMPLY_HEADQUARTER_ID manquant : impossible de créer le projet dans BatiSimply (agence inconnue).',
      ],
    ]);
    assert.deepEqual(api.calls, ['LIST', `PUT ${known.id}`]);
    assert.deepEqual(recorded, []);
    assert.equal('headQuarter' in (api.puts[0]!.body as object), false);
  });

  test('a create refused by BatiSimply fails at once, its attempt kept for the next run to check', async () => {
    const api = new StandIn();
    api.creates = [refused(400)];
    await stage(chantier('CH021'));
    const { report } = await run(api);
    assert.deepEqual(errorsOf(report), [['CH021', 'BATISIMPLY_HTTP_400', 'refusé (400)']]);
    assert.deepEqual(api.calls, ['LIST', 'POST CH021']);
  });

  test('a create failing with an error that is not an HTTP one fails at once', async () => {
    const api = new StandIn();
    api.creates = [new Error('bug')];
    await stage(chantier('CH022'));
    const { report } = await run(api);
    assert.equal(report.counts.failed, 1);
    assert.deepEqual(api.calls, ['LIST', 'POST CH022']);
  });
});

describe('attempts recorded ahead', () => {
  test('only codes sure to be created, the lookahead being 8 per concurrency slot', async () => {
    const api = new StandIn();
    const codes = Array.from({ length: 20 }, (_, i) => `N${String(i).padStart(2, '0')}`);
    const known = api.hold({ projectCode: 'K1', projectName: 'x' });
    await stage(
      ...codes.map((c) => chantier(c)),
      chantier('K1'),
      { ...chantier('K2'), batisimplyId: known.id },
      { ...chantier('K3'), attemptedAt: Date.parse('2020-01-01T00:00:00Z') },
    );
    const { recorded } = await run(api, { env: { BATISIMPLY_CONCURRENCY: '2' } });
    // K1 to K3 come first in the run's order: none of them is recorded ahead.
    assert.deepEqual(recorded[0], codes.slice(0, 16));
    assert.deepEqual(
      recorded.flat().filter((c) => c.startsWith('K')),
      ['K3'],
      'K3 is recorded when its own create starts',
    );
  });

  test('a dry run records nothing, writes nothing and counts what it would do', async () => {
    const api = new StandIn();
    api.hold({ projectCode: 'CH023', projectName: 'x' });
    await stage(chantier('CH023'), chantier('CH024'), chantier('ABCDEFGHI'));
    const { report, recorded } = await run(api, { dryRun: true });
    assert.deepEqual(recorded, []);
    assert.deepEqual(api.calls, ['LIST']);
    assert.deepEqual([report.counts.created, report.counts.updated, report.counts.failed], [1, 1, 1]);
    assert.deepEqual(report.records.map((r) => [r.key, r.action]).sort(), [
      ['ABCDEFGHI', 'fail'],
      ['CH023', 'update'],
      ['CH024', 'create'],
    ]);
    assert.deepEqual(await staged('CH023'), { sync: false, batisimply_id: null, attempted: null, last_error: null });
    assert.equal((await staged('ABCDEFGHI')).last_error, null);
  });
});

describe('a create whose answer is lost', () => {
  test('applied before the answer was lost: found by the first look-up, never sent again', async () => {
    const api = new StandIn();
    api.creates = ['lost'];
    await stage(chantier('CH030'));
    const { report, warned } = await run(api);
    const [p] = api.byCode('CH030');
    assert.deepEqual(api.calls, ['LIST', 'POST CH030', 'LIST']);
    assert.equal(report.counts.created, 1);
    assert.deepEqual(warned, [['Projet CH030 retrouvé après une réponse perdue', { projectId: p!.id }]]);
    assert.deepEqual(await staged('CH030'), { sync: true, batisimply_id: String(p!.id), attempted: null, last_error: null });
  });

  test('not applied: looked up again only once it can no longer land, then sent again', async () => {
    const api = new StandIn();
    api.creates = ['unapplied'];
    await stage(chantier('CH031'));
    const lostAt: number[] = [];
    const realCreate = api.createProject.bind(api);
    api.createProject = async (body) => {
      try {
        return await realCreate(body);
      } finally {
        lostAt.push(Date.now());
      }
    };
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', 'POST CH031', 'LIST', 'LIST', 'POST CH031']);
    assert.equal(report.counts.created, 1);
    assert.ok(api.readsAt[2]! >= lostAt[0]! + LANDING_MS, `read at +${api.readsAt[2]! - lostAt[0]!} ms, wanted ${LANDING_MS}`);
    assert.equal(api.byCode('CH031').length, 1);
  });

  test('applied late: found by the look-up made once it could no longer land', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-05-04T08:00:00Z') });
    const api = new StandIn();
    api.readTakesMs = LANDING_MS;
    api.creates = ['applied-after-next-read'];
    await stage(chantier('CH032'));
    const { report } = await run(api);
    // The first look-up's read begins before the create is applied; the second finds it.
    assert.deepEqual(api.calls, ['LIST', 'POST CH032', 'LIST', 'LIST']);
    assert.equal(report.counts.created, 1);
    assert.equal(api.byCode('CH032').length, 1);
  });

  test('lost three times without being applied: the record fails with the last error after three POSTs', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-05-04T08:00:00Z') });
    const api = new StandIn();
    api.readTakesMs = LANDING_MS;
    api.createTakesMs = 1_000;
    api.creates = ['unapplied', 'unapplied', 'unapplied', 'unapplied'];
    await stage(chantier('CH033'));
    const { report } = await run(api);
    assert.deepEqual(api.calls.filter((c) => c.startsWith('POST')).length, 3);
    assert.deepEqual(errorsOf(report), [['CH033', 'BATISIMPLY_UNREACHABLE', 'délai dépassé']]);
    assert.deepEqual(api.projects.size, 0);
    // Each attempt: POST (1 s), then two reads (2.4 s each); the third create was lost at 08:00:15,
    // a second after it was recorded. The staged time is that of the loss, for the next run to check.
    assert.equal((await staged('CH033')).attempted?.toISOString(), '2026-05-04T08:00:15.000Z');
  });

  test('the look-up fails: the record fails as uncertain, its attempt kept', async () => {
    const api = new StandIn();
    api.creates = ['unapplied'];
    const lookUpError = new Error('503');
    api.reads = [{}, lookUpError];
    await stage(chantier('CH034'));
    const { report, thrown } = await run(api);
    assert.equal((thrown[0] as Error).cause, lookUpError);
    assert.deepEqual(errorsOf(report), [
      [
        'CH034',
        'CREATION_INCERTAINE',
        'Création du projet CH034 sans réponse, et la recherche par code a échoué (503) : elle sera vérifiée avant toute nouvelle création.',
      ],
    ]);
    assert.deepEqual(api.calls, ['LIST', 'POST CH034', 'LIST']);
    const row = await staged('CH034');
    assert.notEqual(row.attempted, null);
    assert.match(row.last_error ?? '', /CH034 sans réponse/);
  });
});

describe('an attempt left by an earlier run', () => {
  test('long settled and found in the list: the project is updated, no new read, no POST', async () => {
    const api = new StandIn();
    const p = api.hold({ projectCode: 'CH040', projectName: 'créé par la précédente exécution' });
    await stage({ ...chantier('CH040'), attemptedAt: Date.parse('2020-01-01T00:00:00Z') });
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', `PUT ${p.id}`]);
    assert.equal(report.counts.updated, 1);
  });

  test('long settled and not in the list: created, without a new read', async () => {
    const api = new StandIn();
    await stage({ ...chantier('CH041'), attemptedAt: Date.parse('2020-01-01T00:00:00Z') });
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', 'POST CH041']);
    assert.equal(report.counts.created, 1);
  });

  test('settled exactly when the list was read: the list is trusted', async () => {
    const now = Date.parse('2026-05-04T08:00:00Z');
    mock.timers.enable({ apis: ['Date'], now });
    const api = new StandIn();
    await stage({ ...chantier('CH042'), attemptedAt: now - LANDING_MS });
    await run(api);
    assert.deepEqual(api.calls, ['LIST', 'POST CH042']);
  });

  test('settling 1 ms after the list was read: looked up again once settled, then found and updated', async () => {
    const now = Date.parse('2026-05-04T08:00:00Z');
    mock.timers.enable({ apis: ['Date'], now });
    const api = new StandIn();
    api.readTakesMs = LANDING_MS;
    await stage({ ...chantier('CH043'), attemptedAt: now - LANDING_MS + 1 });
    let landed: Project | undefined;
    const realRead = api.readProjects.bind(api);
    api.readProjects = async () => {
      // The earlier run's create lands between the list and the look-up.
      if (api.calls.length === 1) landed = api.hold({ projectCode: 'CH043', projectName: 'arrivé tard' });
      return realRead();
    };
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', 'LIST', `PUT ${landed!.id}`]);
    assert.equal(report.counts.updated, 1);
  });

  test('its look-up fails: the record fails as uncertain, nothing is sent', async () => {
    const now = Date.parse('2026-05-04T08:00:00Z');
    mock.timers.enable({ apis: ['Date'], now });
    const api = new StandIn();
    api.readTakesMs = LANDING_MS;
    api.reads = [{}, new Error('503')];
    await stage({ ...chantier('CH044'), attemptedAt: now });
    const { report } = await run(api);
    assert.deepEqual(api.calls, ['LIST', 'LIST']);
    assert.equal(report.errors[0]!.code, 'CREATION_INCERTAINE');
  });
});
