/**
 * PushWriter on its own, on real PostgreSQL: create attempts recorded ahead in batches (and never
 * twice), the lease after which an attempt is recorded again, marks batched with the later mark of
 * a row winning, and failures reported to whom they concern. Written from the surviving mutants of
 * sync/pushWriter.js. Statements are seen through a pass-through wrapper of the database.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, mock, test } from 'node:test';
import type { Queryable } from '../../../src/lib/staging/db.js';
import { ATTEMPT_LEASE_MS, PushWriter } from '../../../src/lib/sync/pushWriter.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ sandbox: false });

const CODES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];
beforeEach(async () => {
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) SELECT c, c, false FROM unnest($1::text[]) AS c`, [CODES]);
});

/** The database, with every statement seen; `fail` makes matching statements throw. */
function watched(fail?: (text: string, params: unknown[]) => boolean) {
  const statements: { text: string; params: unknown[] }[] = [];
  const db: Queryable = {
    async query(text, params = []) {
      statements.push({ text, params });
      if (fail?.(text, params)) throw new Error('refused by the test');
      return world.db.query(text, params);
    },
  };
  const recordings = () => statements.filter((s) => s.text.includes('GREATEST(create_attempted_at')).map((s) => s.params[0] as string[]);
  const kinds = () =>
    statements.map((s) =>
      s.text.includes('GREATEST') ? 'attempt' : s.text.includes('batisimply_id = p.batisimply_id') ? 'pushed' : 'failed',
    );
  return { db, statements, recordings, kinds };
}

async function row(code: string) {
  const { rows } = await world.db.query<{ at: Date | null; sync: boolean; last_error: string | null; batisimply_id: string | null }>(
    'SELECT create_attempted_at AS at, sync, last_error, batisimply_id::text FROM batigest_chantiers WHERE code = $1',
    [code],
  );
  return rows[0]!;
}

describe('create attempts', () => {
  test('recorded ahead in one statement, then the next ones once more than half are used', async () => {
    const w = watched();
    const writer = new PushWriter(w.db, { expected: CODES.slice(0, 8), lookahead: 4 });
    await writer.createAttempt('A');
    assert.ok((await row('A')).at, 'durable before the create leaves');
    assert.deepEqual(w.recordings(), [['A', 'B', 'C', 'D']]);
    await writer.createAttempt('B');
    // 2 left ahead, not more than half of 4: topped up to 4.
    assert.deepEqual(w.recordings(), [
      ['A', 'B', 'C', 'D'],
      ['E', 'F'],
    ]);
    await writer.createAttempt('C');
    assert.equal(w.recordings().length, 2, '3 ahead: no statement');
    await writer.close();
    assert.ok((await row('F')).at);
    assert.equal((await row('G')).at, null);
  });

  test('the default lookahead records 16 ahead', async () => {
    const w = watched();
    const many = Array.from({ length: 20 }, (_, i) => `L${i}`);
    const writer = new PushWriter(w.db, { expected: many });
    await writer.close();
    assert.deepEqual(w.recordings(), [many.slice(0, 16)]);
  });

  test('a code started out of order or listed twice is not recorded ahead again', async () => {
    const w = watched();
    const writer = new PushWriter(w.db, { expected: ['A', 'B', 'A', 'C', 'D', 'E'], lookahead: 2 });
    assert.deepEqual(w.recordings(), [['A', 'B']]);
    await writer.createAttempt('D');
    await writer.createAttempt('A');
    await writer.createAttempt('B');
    await writer.createAttempt('C');
    await writer.close();
    assert.deepEqual(w.recordings(), [['A', 'B'], ['D'], ['C'], ['E']]);
  });

  test('a code nobody expected is recorded on its own when its create starts', async () => {
    const w = watched();
    const writer = new PushWriter(w.db);
    assert.deepEqual(w.recordings(), []);
    await writer.createAttempt('J');
    assert.deepEqual(w.recordings(), [['J']]);
    assert.ok((await row('J')).at);
    await writer.close();
  });

  test('an attempt recorded longer ago than the lease is recorded again, at the lease it is not', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-05-04T08:00:00Z') });
    try {
      const w = watched();
      const writer = new PushWriter(w.db, { expected: ['A', 'B'], lookahead: 4 });
      mock.timers.tick(ATTEMPT_LEASE_MS);
      await writer.createAttempt('A');
      assert.deepEqual(w.recordings(), [['A', 'B']]);
      mock.timers.tick(1);
      await writer.createAttempt('B');
      assert.deepEqual(w.recordings(), [['A', 'B'], ['B']]);
      await writer.close();
      assert.equal(ATTEMPT_LEASE_MS, 2_000);
      assert.equal((await row('A')).at?.toISOString(), '2026-05-04T08:00:00.000Z');
      assert.equal((await row('B')).at?.toISOString(), '2026-05-04T08:00:02.001Z');
    } finally {
      mock.timers.reset();
    }
  });

  test('a recording that fails fails the create waiting for it, and only that; close does not throw for it', async () => {
    let refuse = true;
    const w = watched((text) => refuse && text.includes('GREATEST'));
    const writer = new PushWriter(w.db, { expected: ['A', 'B'], lookahead: 4 });
    await assert.rejects(writer.createAttempt('A'), /refused by the test/);
    refuse = false;
    await writer.createAttempt('C');
    assert.ok((await row('C')).at);
    await writer.close();
  });
});

describe('marks', () => {
  test('marks made together are written in one statement per kind, and close waits for them', async () => {
    const w = watched();
    const writer = new PushWriter(w.db);
    writer.pushed({ code: 'A', revision: 0, batisimplyId: 101 });
    writer.pushed({ code: 'B', revision: 0, batisimplyId: 102 });
    writer.failed('C', 'refusé');
    writer.failed('D', 'refusé aussi');
    await writer.close();
    assert.deepEqual(w.kinds(), ['failed', 'pushed']);
    const [a, b, c, d] = [await row('A'), await row('B'), await row('C'), await row('D')];
    assert.deepEqual([a.sync, a.batisimply_id, b.sync, b.batisimply_id], [true, '101', true, '102']);
    assert.deepEqual([c.last_error, d.last_error], ['refusé', 'refusé aussi']);
    assert.equal(c.sync, false);
  });

  test('lost answers: each code gets the time of its own loss', async () => {
    const w = watched();
    const writer = new PushWriter(w.db);
    writer.ambiguous('A', Date.parse('2026-05-04T08:00:00Z'));
    writer.ambiguous('B', Date.parse('2026-05-04T08:00:05Z'));
    writer.ambiguous('C', Date.parse('2026-05-04T08:00:05Z'));
    await writer.close();
    assert.deepEqual(w.recordings(), [['A'], ['B', 'C']]);
    assert.equal((await row('A')).at?.toISOString(), '2026-05-04T08:00:00.000Z');
    assert.equal((await row('C')).at?.toISOString(), '2026-05-04T08:00:05.000Z');
  });

  test('in one batch, a push after a loss or a failure wins: attempt and error cleared', async () => {
    const w = watched();
    const writer = new PushWriter(w.db);
    writer.ambiguous('A', Date.parse('2026-05-04T08:00:00Z'));
    writer.failed('A', 'perdu');
    writer.pushed({ code: 'A', revision: 0, batisimplyId: 7 });
    await writer.close();
    assert.deepEqual(w.kinds(), ['attempt', 'failed', 'pushed']);
    assert.deepEqual(await row('A'), { at: null, sync: true, last_error: null, batisimply_id: '7' });
  });

  test('a lost answer leaves the error of an earlier run in place; a failure in the same batch touches only its row', async () => {
    await world.db.query(`UPDATE batigest_chantiers SET last_error = 'erreur précédente' WHERE code IN ('A', 'C')`);
    const w = watched();
    const writer = new PushWriter(w.db);
    writer.ambiguous('A', Date.parse('2026-05-04T08:00:00Z'));
    writer.failed('B', 'refusé');
    writer.pushed({ code: 'D', revision: 0, batisimplyId: 4 });
    await writer.close();
    assert.equal((await row('A')).last_error, 'erreur précédente');
    assert.equal((await row('B')).last_error, 'refusé');
    assert.equal((await row('C')).last_error, 'erreur précédente');
    assert.equal((await row('D')).last_error, null);
  });

  test('a mark that cannot be written is thrown by close', async () => {
    const w = watched((text) => text.includes('last_error = f.message'));
    const writer = new PushWriter(w.db);
    writer.failed('A', 'x');
    writer.pushed({ code: 'B', revision: 0, batisimplyId: 3 });
    await assert.rejects(writer.close(), /refused by the test/);
    assert.equal((await row('B')).sync, false, 'the batch stopped at the failed statement');
  });

  test('marks made after a batch left are written by close', async () => {
    const w = watched();
    const writer = new PushWriter(w.db);
    writer.pushed({ code: 'A', revision: 0, batisimplyId: 1 });
    await writer.createAttempt('J');
    writer.pushed({ code: 'B', revision: 0, batisimplyId: 2 });
    await writer.close();
    assert.equal((await row('A')).sync, true);
    assert.equal((await row('B')).sync, true);
  });
});
