/**
 * Pins the runner's clean-up of runs a killed process left `running`, deterministically: the
 * orphan is the row such a process leaves (recorded running, no lock held), not a real kill.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Services } from '../../../src/lib/services.js';
import { getRun, insertRun } from '../../../src/lib/staging/runs.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import type { RunReport } from '../../../src/lib/domain/runs.js';
import type { JobName } from '../../../src/lib/sync/registry.js';
import { useWorld } from '../../support/fixture.js';

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
