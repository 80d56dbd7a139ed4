/** The job names, labels and chains; which settings each step checks; which module each step runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Services } from '../../../src/lib/services.js';
import {
  isChain,
  isJobName,
  JOB_LABELS,
  JOB_NAMES,
  stepsOf,
  STEP_JOBS,
  STEP_NAMES,
  type JobContext,
  type StepJobName,
} from '../../../src/lib/sync/jobs.js';
import { validateJobSettings } from '../../../src/lib/sync/jobSettings.js';

test('STEP_NAMES and JOB_NAMES: the five steps, then the three chains', () => {
  assert.deepEqual(STEP_NAMES, ['transfer', 'transfer-batisimply', 'recup-heures', 'update-code-projet', 'heures-to-sqlserver']);
  assert.deepEqual(JOB_NAMES, [
    'transfer',
    'transfer-batisimply',
    'recup-heures',
    'update-code-projet',
    'heures-to-sqlserver',
    'chantiers',
    'heures',
    'all',
  ]);
});

test('stepsOf: each chain runs its steps in order', () => {
  assert.deepEqual(stepsOf('chantiers'), ['transfer', 'transfer-batisimply']);
  assert.deepEqual(stepsOf('heures'), ['recup-heures', 'update-code-projet', 'heures-to-sqlserver']);
  assert.deepEqual(stepsOf('all'), ['transfer', 'transfer-batisimply', 'recup-heures', 'update-code-projet', 'heures-to-sqlserver']);
});

test('JOB_LABELS: a French label per job', () => {
  assert.deepEqual(JOB_LABELS, {
    transfer: 'Chantiers Batigest → staging',
    'transfer-batisimply': 'Chantiers staging → BatiSimply',
    'recup-heures': 'Heures BatiSimply → staging',
    'update-code-projet': 'Codes chantier des heures',
    'heures-to-sqlserver': 'Heures validées → SuiviMO',
    chantiers: 'Chantiers (enchaînement)',
    heures: 'Heures (enchaînement)',
    all: 'Tout (chantiers puis heures)',
  });
});

test('isJobName: the steps and chains, nothing else', () => {
  for (const name of JOB_NAMES) assert.equal(isJobName(name), true, name);
  for (const name of ['', 'Transfer', 'transfer ', 'toString', 'unknown']) assert.equal(isJobName(name), false, name);
});

test('isChain: true for the three chains, false for the steps', () => {
  assert.deepEqual(
    JOB_NAMES.filter((job) => isChain(job)),
    ['chantiers', 'heures', 'all'],
  );
});

/** Services that record which settings a step asked for. */
function recordingServices(calls: string[]): Services {
  return {
    sync: () => void calls.push('sync'),
    batisimplySettings: async () => void calls.push('batisimply'),
  } as unknown as Services;
}

test('validateJobSettings: the sync settings for every step, the BatiSimply ones for the steps that call it', async () => {
  const asked: Record<string, string[]> = {};
  for (const step of STEP_NAMES) {
    const calls: string[] = [];
    await validateJobSettings(recordingServices(calls), step);
    asked[step] = calls;
  }
  assert.deepEqual(asked, {
    transfer: ['sync'],
    'transfer-batisimply': ['sync', 'batisimply'],
    'recup-heures': ['sync', 'batisimply'],
    'update-code-projet': ['sync', 'batisimply'],
    'heures-to-sqlserver': ['sync'],
  });
});

test('validateJobSettings: a refused BatiSimply setting rejects', async () => {
  const services = {
    sync: () => {},
    batisimplySettings: async () => Promise.reject(new Error('BATISIMPLY_API_URL manquant')),
  } as unknown as Services;
  await assert.rejects(validateJobSettings(services, 'recup-heures'), /BATISIMPLY_API_URL manquant/);
});

test('STEP_JOBS: each step runs its own job module', async () => {
  // Any service the job reaches for throws; the stack's deepest frame under sync/ below jobs.js is
  // the step's own module (it may have called a helper module first).
  const services = new Proxy(
    {},
    {
      get: (_, key) => {
        throw new Error(`reached ${String(key)}`);
      },
    },
  );
  const modules: Record<string, string | undefined> = {};
  for (const step of STEP_NAMES) {
    const ctx = { services, db: services, dryRun: false, report: services, log: services, progress: () => {} } as unknown as JobContext;
    const error = await STEP_JOBS[step as StepJobName](ctx).then(
      () => assert.fail(`${step} resolved`),
      (e: Error) => e,
    );
    const frames = [...(error.stack ?? '').matchAll(/\/src\/lib\/sync\/(\w+)\.js/g)].map((m) => m[1]);
    modules[step] = frames.filter((name) => name !== 'jobs').at(-1);
  }
  assert.deepEqual(modules, {
    transfer: 'transferChantiers',
    'transfer-batisimply': 'pushChantiers',
    'recup-heures': 'recupHeures',
    'update-code-projet': 'updateCodeProjet',
    'heures-to-sqlserver': 'heuresToSqlServer',
  });
});
