/**
 * The heap growth of the processes that run jobs (src/lib/heapPolicy.ts), read from what V8 itself
 * prints under --trace-gc-verbose each time it sets the next collection: "Limit: … (factor)".
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { HEAP_GROWING_PERCENT } from '../../src/lib/heapPolicy.js';

const CHILD = fileURLToPath(new URL('../support/heapChild.js', import.meta.url));

/** The growth factors V8 used for the old generation's limits in a child process. */
async function factors(nodeArgs: string[], childArgs: string[]): Promise<{ factors: number[]; stdout: string }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--trace-gc-verbose', ...nodeArgs, CHILD, ...childArgs], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const found = [...stdout.matchAll(/\[HeapController\] Limit: .*\((\d+(?:\.\d+)?)\)/g)].map((m) => Number(m[1]));
  return { factors: found, stdout };
}

const policyFactor = 1 + HEAP_GROWING_PERCENT / 100;

test('applied, the heap grows by at most half of what a collection kept', async () => {
  const { factors: f, stdout } = await factors([], ['policy']);
  assert.match(stdout, new RegExp(`applied ${HEAP_GROWING_PERCENT}`));
  assert.ok(f.length >= 3, `V8 set its limit ${f.length} time(s)`);
  assert.deepEqual(new Set(f), new Set([policyFactor]));
});

test('the CLI applies it before any command', async () => {
  const { factors: f } = await factors([], ['cli']);
  assert.ok(f.length >= 3);
  assert.deepEqual(new Set(f), new Set([policyFactor]));
});

for (const entry of ['jobs', 'queue']) {
  test(`the Functions entry file ${entry}.js applies it when the worker loads it`, async () => {
    const { factors: f } = await factors([], ['functions', entry]);
    assert.ok(f.length >= 3);
    assert.deepEqual(new Set(f), new Set([policyFactor]));
  });
}

test("an operator's flag on node's command line stands (0: V8's default)", async () => {
  const { factors: f, stdout } = await factors(['--heap-growing-percent=0'], ['policy']);
  assert.match(stdout, /applied null/);
  assert.ok(f.length >= 3);
  // V8's own factor depends on the machine and the moment; the policy's fixed one is not forced on it.
  assert.ok(
    f.some((x) => x !== policyFactor),
    `facteurs : ${f.join(', ')}`,
  );
});

test('without the policy, V8 chooses the factor itself (what the policy replaces)', async () => {
  const { factors: f } = await factors([], ['none']);
  assert.ok(f.length >= 3);
  assert.ok(
    f.some((x) => x !== policyFactor),
    `facteurs : ${f.join(', ')}`,
  );
});
