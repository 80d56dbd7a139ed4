/** The staging pool's default size follows what one instance may run at once (issue 22.4), not a guess. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { RUNS_AT_ONCE, stagingSchema } from '../../src/lib/config.js';

test("host.json's batchSize + newBatchThreshold is RUNS_AT_ONCE, and the pool holds one connection more than that", async () => {
  const host = JSON.parse(await readFile('host.json', 'utf8')) as {
    extensions: { queues: { batchSize: number; newBatchThreshold: number } };
  };
  const { batchSize, newBatchThreshold } = host.extensions.queues;
  assert.equal(RUNS_AT_ONCE, batchSize + newBatchThreshold);
  assert.equal(stagingSchema.parse({}).STAGING_POOL_MAX, RUNS_AT_ONCE + 1);
});
