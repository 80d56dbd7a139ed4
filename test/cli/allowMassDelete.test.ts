/** `connecteur run recup-heures --allow-mass-delete` confirms held deletions; without it they are held (exit 1). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connecteur } from '../support/cli.js';
import { daysAgo, slot } from '../support/slots.js';
import { useWorld } from '../support/fixture.js';

const world = useWorld({ stagingInEnv: true });

test('recup-heures: held deletions exit 1, --allow-mass-delete carries them out', async () => {
  world.sandbox.state.load({ timeSlots: Array.from({ length: 25 }, (_, i) => slot(i + 1, daysAgo(2, '08:00:00'), 30 + i)) });
  assert.equal((await connecteur(['run', 'recup-heures', '--json'], world.env)).code, 0);
  world.sandbox.state.load({});
  const held = await connecteur(['run', 'recup-heures', '--json'], world.env);
  assert.equal(held.code, 1);
  assert.equal(JSON.parse(held.stdout).counts.held, 1);
  const confirmed = await connecteur(['run', 'recup-heures', '--json', '--allow-mass-delete'], world.env);
  assert.equal(confirmed.code, 0, confirmed.stderr);
  assert.equal(JSON.parse(confirmed.stdout).counts.deleted, 25);
});
