/** The job registry: names, labels, chains, locks, the settings and systems each step declares, which module each step runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Services } from '../../../src/lib/services.js';
import type { JobContext } from '../../../src/lib/sync/context.js';
import {
  isChain,
  isJobName,
  JOB_LABELS,
  JOB_NAMES,
  lockOf,
  stepsOf,
  STEPS,
  STEP_NAMES,
  stepTouches,
  type StepJobName,
} from '../../../src/lib/sync/registry.js';
import { stepSettings } from '../../../src/lib/sync/runner.js';

test('STEP_NAMES and JOB_NAMES: the seven steps, then the three chains', () => {
  const steps = [
    'transfer',
    'fin-chantiers',
    'geocode-chantiers',
    'transfer-batisimply',
    'recup-heures',
    'update-code-projet',
    'heures-to-sqlserver',
  ];
  assert.deepEqual(STEP_NAMES, steps);
  assert.deepEqual(JOB_NAMES, [...steps, 'chantiers', 'heures', 'all']);
});

test('stepsOf: each chain runs its steps in order; a step is its own only step', () => {
  assert.deepEqual(stepsOf('chantiers'), ['transfer', 'fin-chantiers', 'geocode-chantiers', 'transfer-batisimply']);
  assert.deepEqual(stepsOf('heures'), ['recup-heures', 'update-code-projet', 'heures-to-sqlserver']);
  assert.deepEqual(stepsOf('all'), [...stepsOf('chantiers'), ...stepsOf('heures')]);
  assert.deepEqual(stepsOf('recup-heures'), ['recup-heures']);
});

test('JOB_LABELS: a French label per job', () => {
  assert.deepEqual(JOB_LABELS, {
    transfer: 'Chantiers Batigest → staging',
    'fin-chantiers': 'Chantiers terminés → BatiSimply',
    'geocode-chantiers': 'Géocodage des chantiers',
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

test("lockOf: the two steps that write BatiSimply projects share the push's lock; every other job has its own", () => {
  assert.deepEqual(Object.fromEntries(JOB_NAMES.map((job) => [job, lockOf(job)])), {
    transfer: 'transfer',
    'fin-chantiers': 'transfer-batisimply',
    'geocode-chantiers': 'geocode-chantiers',
    'transfer-batisimply': 'transfer-batisimply',
    'recup-heures': 'recup-heures',
    'update-code-projet': 'update-code-projet',
    'heures-to-sqlserver': 'heures-to-sqlserver',
    chantiers: 'chantiers',
    heures: 'heures',
    all: 'all',
  });
});

test('systems: only transfer and heures-to-sqlserver touch Batigest', () => {
  assert.deepEqual(
    STEP_NAMES.filter((s) => stepTouches(s, 'batigest')),
    ['transfer', 'heures-to-sqlserver'],
  );
  assert.deepEqual(
    STEP_NAMES.filter((s) => stepTouches(s, 'batisimply')),
    ['fin-chantiers', 'transfer-batisimply', 'recup-heures', 'update-code-projet'],
  );
});

/** Services that record which settings a step asked for. */
function recordingServices(calls: string[]): Services {
  return {
    sync: () => void calls.push('sync'),
    geocode: () => void calls.push('geocode'),
    batisimplySettings: async () => void calls.push('batisimply'),
  } as unknown as Services;
}

test('stepSettings: the sync settings for every step, and the sections each step declares', async () => {
  const asked: Record<string, string[]> = {};
  for (const step of STEP_NAMES) {
    const calls: string[] = [];
    await stepSettings(recordingServices(calls), step);
    asked[step] = calls;
  }
  assert.deepEqual(asked, {
    transfer: ['sync'],
    'fin-chantiers': ['sync', 'batisimply'],
    'geocode-chantiers': ['sync', 'geocode'],
    'transfer-batisimply': ['sync', 'batisimply', 'geocode'],
    'recup-heures': ['sync', 'batisimply'],
    'update-code-projet': ['sync', 'batisimply'],
    'heures-to-sqlserver': ['sync'],
  });
});

test('stepSettings: a refused BatiSimply setting rejects', async () => {
  const services = {
    sync: () => {},
    batisimplySettings: async () => Promise.reject(new Error('BATISIMPLY_API_URL manquant')),
  } as unknown as Services;
  await assert.rejects(stepSettings(services, 'recup-heures'), /BATISIMPLY_API_URL manquant/);
});

test('entry: each step runs its own job module', async () => {
  // Any service the job reaches for throws; the stack's deepest frame under sync/ is the step's
  // own module (it may have called a helper module first).
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
    const ctx = { services, db: services, settings: services, dryRun: false, report: services, log: services, progress: () => {} };
    const run = (await STEPS[step as StepJobName].entry()) as (ctx: JobContext) => Promise<void>;
    const error = await run(ctx as unknown as JobContext).then(
      () => assert.fail(`${step} resolved`),
      (e: Error) => e,
    );
    const frames = [...(error.stack ?? '').matchAll(/\/src\/lib\/sync\/(\w+)\.js/g)].map((m) => m[1]);
    modules[step] = frames.at(-1);
  }
  assert.deepEqual(modules, {
    transfer: 'transfer',
    'fin-chantiers': 'finChantiers',
    'geocode-chantiers': 'geocodeChantiers',
    'transfer-batisimply': 'transferBatisimply',
    'recup-heures': 'recupHeures',
    'update-code-projet': 'updateCodeProjet',
    'heures-to-sqlserver': 'heuresToSqlServer',
  });
});
