/**
 * The alert rules' KQL (infra/modules/alerts.bicep) run over log lines recorded from the real code
 * paths, written as the Functions Node worker writes them ("<texte> {json}", customDimensions
 * empty): each rule fires on what it is for, per company and job, and stays quiet otherwise.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, test } from 'node:test';
import functions from '@azure/functions';
import { contextLogger } from '../../src/functions/handlers/http.js';
import { executeRunMessage } from '../../src/lib/queue/runs.js';
import type { RunQueue } from '../../src/lib/queue/client.js';
import { enqueueRun } from '../../src/lib/queue/runs.js';
import { logNoSuccess } from '../../src/lib/ops/noSuccess.js';
import { Services } from '../../src/lib/services.js';
import { insertQueuedRun, insertRun, finishRun } from '../../src/lib/staging/runs.js';
import { logFinished } from '../../src/lib/sync/runner.js';
import { emptyCounts } from '../../src/lib/domain/runs.js';
import { useWorld } from '../support/fixture.js';
import { handlersFor } from '../support/handlers.js';
import { bicepQueries, runKql, type Row } from './kql.js';

const { InvocationContext } = functions;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let queries: Record<string, string>;
let traces: Row[];

/** A logger writing as the worker does; its lines land in `traces`. */
function recorder(fields: Record<string, unknown> = {}) {
  const context = new InvocationContext({
    invocationId: 'rec',
    functionName: 'runQueue',
    logHandler: (_level, ...args) => void traces.push({ message: args.map(String).join(' '), customDimensions: {} }),
  });
  return { context, log: contextLogger(context, fields) };
}

const fired = (query: string) => runKql(queries[query]!, { traces }).filter((r) => (r.failures ?? 1) !== 0);
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const world = useWorld({ stagingInEnv: true, services: (w) => new Services(w.env) });
world.setup(async () => {
  queries = bicepQueries(await readFile(path.join(ROOT, 'infra/modules/alerts.bicep'), 'utf8'));
});
beforeEach(() => {
  traces = [];
});

test('run failed: a delivery that will be tried again stays quiet; the last one, abandoned, fires for its company and job', async () => {
  // The cloud side refuses a Batigest step (BATIGEST_ACCESS=agent): not started, thrown for a retry.
  const agentSide = new Services({ ...world.env, BATIGEST_ACCESS: 'agent' });
  try {
    await insertQueuedRun(world.db, { runId: id(1), job: 'transfer', trigger: 'http', dryRun: false });
    const { log } = recorder({ trigger: 'queue' });
    const message = { runId: id(1), job: 'transfer' as const, company: 'default' };
    await assert.rejects(executeRunMessage(() => agentSide, message, { dequeueCount: 1, log }));
    assert.ok(
      traces.some((r) => /"event":"run.finished".*"status":"failed".*"started":false/.test(String(r.message))),
      'the line is there',
    );
    assert.deepEqual(fired('runFailedQuery'), [], 'an intended retry is no failure');
    await executeRunMessage(() => agentSide, message, { dequeueCount: 5, log });
    assert.deepEqual(
      fired('runFailedQuery').map((r) => [r.company, r.job]),
      [['default', 'transfer']],
    );
  } finally {
    await agentSide.close();
  }
});

test('run failed: a run that started and failed fires, per company and job', async () => {
  const broken = new Services({ ...world.env, BATISIMPLY_API_URL: 'pas une url' });
  try {
    for (const [n, company] of [
      [1, 'acme'],
      [2, 'beta'],
    ] as const) {
      await insertQueuedRun(world.db, { runId: id(n), job: 'recup-heures', trigger: 'timer', dryRun: false });
      const { log } = recorder({ trigger: 'queue' });
      await executeRunMessage(() => broken, { runId: id(n), job: 'recup-heures', company }, { dequeueCount: 1, log });
      await world.db.query('TRUNCATE connecteur_runs');
    }
    assert.deepEqual(
      fired('runFailedQuery')
        .map((r) => `${r.company}/${r.job}`)
        .sort(),
      ['acme/recup-heures', 'beta/recup-heures'],
    );
  } finally {
    await broken.close();
  }
});

test('held for a day: per company, one company with no held hours never hides another', async () => {
  logFinished(recorder({ company: 'acme' }).log, 'heures-to-sqlserver', 'partial', { held: 3 });
  logFinished(recorder({ company: 'beta' }).log, 'heures-to-sqlserver', 'succeeded', { held: 0 });
  assert.deepEqual(
    runKql(queries.heldQuery!, { traces }).map((r) => r.company),
    ['acme'],
  );
  traces = [];
  logFinished(recorder({ company: 'acme' }).log, 'heures-to-sqlserver', 'succeeded', { held: 0 });
  assert.deepEqual(runKql(queries.heldQuery!, { traces }), []);
});

test('no success in N × its schedule: fires for that company and job, quiet after a recent success', async () => {
  await insertRun(world.db, { runId: id(1), job: 'heures', parentRunId: null, trigger: 'timer', dryRun: false, status: 'running' });
  await finishRun(world.db, id(1), { status: 'succeeded', counts: emptyCounts(), errors: [] });
  await world.db.query(`UPDATE connecteur_runs SET started_at = now() - interval '5 hours'`);
  const { log } = recorder({ trigger: 'timer' });
  assert.ok((await logNoSuccess(world.services, 'heures', log))! >= 300);
  assert.deepEqual(
    runKql(queries.noSuccessQuery!, { traces }).map((r) => [r.company, r.job]),
    [['default', 'heures']],
  );
  traces = [];
  await world.db.query(`UPDATE connecteur_runs SET started_at = now() - interval '2 hours'`);
  assert.equal(await logNoSuccess(world.services, 'heures', log), null, 'hourly × 3 not past');
  assert.deepEqual(runKql(queries.noSuccessQuery!, { traces }), []);
});

test('poison queue not empty: a message handed to the poison handler fires for its company and job', async () => {
  const h = handlersFor(world.services);
  const { context } = recorder();
  await h.poisonQueueHandler({ runId: id(9), job: 'chantiers', company: 'default' }, context);
  assert.deepEqual(
    runKql(queries.poisonQuery!, { traces }).map((r) => [r.company, r.job]),
    [['default', 'chantiers']],
  );
  await h.directory.close();
});

test('queue age: a run taken after 20 minutes in the queue fires, one taken at once does not; a dead run reclaimed fires', async () => {
  await insertQueuedRun(world.db, { runId: id(1), job: 'update-code-projet', trigger: 'timer', dryRun: false });
  await world.db.query(`UPDATE connecteur_runs SET started_at = now() - interval '20 minutes'`);
  const { log } = recorder({ trigger: 'queue' });
  await executeRunMessage(() => world.services, { runId: id(1), job: 'update-code-projet', company: 'default' }, { dequeueCount: 1, log });
  assert.deepEqual(
    runKql(queries.queueAgeQuery!, { traces }).map((r) => r.job),
    ['update-code-projet'],
  );
  traces = [];
  await insertQueuedRun(world.db, { runId: id(2), job: 'update-code-projet', trigger: 'timer', dryRun: false });
  await executeRunMessage(() => world.services, { runId: id(2), job: 'update-code-projet', company: 'default' }, { dequeueCount: 1, log });
  assert.deepEqual(runKql(queries.queueAgeQuery!, { traces }), []);
  await insertRun(world.db, { runId: id(3), job: 'recup-heures', parentRunId: null, trigger: 'timer', dryRun: false, status: 'running' });
  const queue: RunQueue = { send: async () => {} };
  await enqueueRun(world.services, queue, {
    job: 'recup-heures',
    dryRun: false,
    trigger: 'timer',
    log: recorder({ company: 'default' }).log,
  });
  assert.deepEqual(
    runKql(queries.queueAgeQuery!, { traces }).map((r) => [r.company, r.job]),
    [['default', 'recup-heures']],
  );
});

test('the evaluator refuses what it does not know: a rule outside the subset fails its test', () => {
  assert.throws(() => runKql('traces\n| join kind=inner (requests) on id', { traces: [] }), /outside the subset/);
});
