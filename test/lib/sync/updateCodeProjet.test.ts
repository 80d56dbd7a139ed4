/**
 * update-code-projet from a known starting point: slots and chantiers are written straight into
 * staging, and BatiSimply is a stand-in whose answer per project id is set by each case (a code,
 * a padded code, none, a 404, a 500), so that each expected code, count and warning is a literal.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatisimplyError } from '../../../src/lib/batisimply/http.js';
import type { BatisimplyApi } from '../../../src/lib/batisimply/client.js';
import type { Project } from '../../../src/lib/batisimply/schemas.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import { useWorld } from '../../support/fixture.js';

// Settings that pass validation; the stand-in below answers instead of this address.
const ENV = {
  BATISIMPLY_API_URL: 'http://127.0.0.1:9/api',
  BATISIMPLY_TOKEN_URL: 'http://127.0.0.1:9/token',
  BATISIMPLY_CLIENT_ID: 'connecteur',
  BATISIMPLY_USERNAME: 'user',
  BATISIMPLY_PASSWORD: 'password',
};

const unused = async (): Promise<never> => {
  throw new Error('not used by update-code-projet');
};

/** What GET /api/project/{id} answers, per id: a project, or an error thrown. */
let answers: Map<number, Omit<Project, 'id'> | Error>;
/** How many times the job opened the BatiSimply client. */
let opened: number;

const api: BatisimplyApi = {
  listProjects: unused,
  readProjects: unused,
  async getProject(id) {
    const answer = answers.get(id);
    if (!answer) throw new Error(`no answer set for project ${id}`);
    if (answer instanceof Error) throw answer;
    return { id, ...answer };
  },
  createProject: unused,
  updateProject: unused,
  listTimeSlots: unused,
  async ping() {},
  async close() {},
};

const world = useWorld({
  sandbox: false,
  services: () => {
    answers = new Map();
    opened = 0;
    return new Services(ENV, {
      staging: world.db,
      get batisimply() {
        opened++;
        return api;
      },
    });
  },
});

/** A staged slot of BatiSimply project `project`, whose slot carried no chantier code. */
const stage = (id: string, project: number) =>
  world.db.query(`INSERT INTO batigest_heures (id_heure, id_projet, code_projet, sync, revision) VALUES ($1, $2, NULL, true, 1)`, [
    id,
    project,
  ]);
const codes = async () =>
  (
    await world.db.query<{ id: string; code: string | null }>(
      'SELECT id_heure AS id, code_projet AS code FROM batigest_heures ORDER BY id_heure',
    )
  ).rows;
const run = async () => (await runJob(world.services, 'update-code-projet', { trigger: 'cli' })).report as RunReport;

describe('update-code-projet', () => {
  test('codes from staged chantiers only: every slot counted, BatiSimply not opened', async () => {
    await world.db.query(`INSERT INTO batigest_chantiers (code, batisimply_id, sync) VALUES ('CH555', 42, true)`);
    await stage('1', 42);
    await stage('2', 42);
    const report = await run();
    assert.deepEqual([report.counts.read, report.counts.updated, report.counts.unchanged], [2, 2, 0]);
    assert.deepEqual(await codes(), [
      { id: '1', code: 'CH555' },
      { id: '2', code: 'CH555' },
    ]);
    assert.equal(opened, 0);
  });

  test('a code from BatiSimply is trimmed; unresolved slots are counted unchanged', async () => {
    answers.set(7, { projectCode: '  CH777 ' });
    answers.set(8, { projectCode: null });
    await stage('1', 7);
    await stage('2', 8);
    await stage('3', 8);
    const report = await run();
    assert.deepEqual([report.counts.read, report.counts.updated, report.counts.unchanged], [3, 1, 2]);
    assert.deepEqual(await codes(), [
      { id: '1', code: 'CH777' },
      { id: '2', code: null },
      { id: '3', code: null },
    ]);
  });

  test('a project without a code: a warning, no code invented', async () => {
    answers.set(8, { projectCode: null });
    await stage('1', 8);
    const report = await run();
    assert.deepEqual(report.warnings, [
      { key: '8', code: 'PROJET_SANS_CODE', message: "Le projet BatiSimply 8 n'a pas de code chantier." },
    ]);
    assert.deepEqual(await codes(), [{ id: '1', code: null }]);
  });

  test('a project whose code is blank: a warning, the slot keeps no code', async () => {
    answers.set(8, { projectCode: '   ' });
    await stage('1', 8);
    const report = await run();
    assert.equal(report.warnings?.[0]?.code, 'PROJET_SANS_CODE');
    assert.deepEqual(await codes(), [{ id: '1', code: null }]);
  });

  test('a project BatiSimply no longer has (404): a warning, the run goes on', async () => {
    answers.set(9, new BatisimplyError('introuvable', { code: 'BATISIMPLY_NOT_FOUND', retryable: false, status: 404 }));
    await stage('1', 9);
    const report = await run();
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(report.warnings, [{ key: '9', code: 'PROJET_INTROUVABLE', message: 'Le projet BatiSimply 9 est introuvable.' }]);
  });

  test('a BatiSimply failure other than 404: the run fails, no code written', async () => {
    answers.set(7, { projectCode: 'CH777' });
    answers.set(9, new BatisimplyError('erreur serveur', { code: 'BATISIMPLY_HTTP_500', retryable: true, status: 500 }));
    await stage('1', 7);
    await stage('2', 9);
    const report = await run();
    assert.equal(report.status, 'failed');
    assert.deepEqual(await codes(), [
      { id: '1', code: null },
      { id: '2', code: null },
    ]);
  });
});
