/** A job's transaction: committed, or rolled back in a dry run with the same value returned. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inTransaction } from '../../../src/lib/staging/transaction.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ sandbox: false, migrate: false });
world.setup(() => world.db.exec('CREATE TABLE item (id int PRIMARY KEY)'));

const ids = async () => (await world.db.query<{ id: number }>('SELECT id FROM item ORDER BY id')).rows.map((r) => r.id);

test('a real run: committed, its value returned', async () => {
  const value = await inTransaction(world.db, false, async (tx) => {
    await tx.query('INSERT INTO item VALUES (1)');
    return 'fait';
  });
  assert.equal(value, 'fait');
  assert.deepEqual(await ids(), [1]);
});

test('a dry run: the same value returned, nothing left behind', async () => {
  const value = await inTransaction(world.db, true, async (tx) => {
    await tx.query('INSERT INTO item VALUES (2)');
    return { counted: (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM item')).rows[0]!.n };
  });
  assert.deepEqual(value, { counted: 1 });
  assert.deepEqual(await ids(), []);
});

test('a failure: rolled back and passed on unchanged, dry run or not', async () => {
  for (const dryRun of [false, true]) {
    const boom = new Error('boom');
    await assert.rejects(
      inTransaction(world.db, dryRun, async (tx) => {
        await tx.query('INSERT INTO item VALUES (3)');
        throw boom;
      }),
      (e) => e === boom,
    );
  }
  assert.deepEqual(await ids(), []);
});
