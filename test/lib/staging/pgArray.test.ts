/**
 * Array literals read back by PostgreSQL itself: every element comes back as it went in, whatever
 * it holds, so that the cheap encoding of the bulk statements never changes a value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrayLiteral } from '../../../src/lib/staging/pgArray.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ sandbox: false, migrate: false });

async function roundTrip<T>(values: readonly (T | null)[], type: string): Promise<(T | null)[]> {
  const { rows } = await world.db.query<{ v: (T | null)[] | null }>(`SELECT $1::${type}[] AS v`, [arrayLiteral(values as never)]);
  return rows[0]!.v ?? [];
}

test('text: quotes, backslashes, separators, braces, blanks and the word NULL come back unchanged', async () => {
  const tricky = [
    'CH001',
    'DUPONT Jean',
    'a,b',
    '{x}',
    'dit "le grand"',
    'C:\\chantiers\\',
    '\\"',
    '',
    ' ',
    ' bord ',
    'tab\there',
    'ligne\nsuivante',
    'NULL',
    'null',
    'NuLl',
    'NULLE',
    'Élodie Œuvre 🚧',
    'base64+/=',
    '2026-03-29T00:30:00Z',
  ];
  assert.deepEqual(await roundTrip(tricky, 'text'), tricky);
});

test('nulls (and undefined) are the array null, distinct from the text "NULL"', async () => {
  assert.deepEqual(await roundTrip(['NULL', null, 'x', undefined as never], 'text'), ['NULL', null, 'x', null]);
});

test('numbers, booleans, timestamps and uuids keep their values', async () => {
  assert.deepEqual(await roundTrip([0, -7, 123456789012, null], 'bigint'), ['0', '-7', '123456789012', null]);
  assert.deepEqual(await roundTrip([1.5, -0.25], 'float8'), [1.5, -0.25]);
  assert.deepEqual(await roundTrip([true, false, null], 'bool'), [true, false, null]);
  const ts = await roundTrip(['2026-03-29T00:30:00Z', null], 'timestamptz');
  assert.equal((ts[0] as unknown as Date).toISOString(), '2026-03-29T00:30:00.000Z');
  assert.equal(ts[1], null);
  const uuid = '0a1b2c3d-0000-4000-8000-000000000001';
  assert.deepEqual(await roundTrip([uuid.toUpperCase()], 'uuid'), [uuid]);
});

test('an empty array is an empty literal', async () => {
  assert.equal(arrayLiteral([]), '{}');
  assert.deepEqual(await roundTrip([], 'text'), []);
});

test('only what needs it is quoted (the point of the encoding)', () => {
  // Four letters that are not NULL stay bare: only the word NULL, in any case, needs quotes.
  assert.equal(arrayLiteral(['CH001', 'CH01', 'a b', '', 'null', null, 5, true]), '{CH001,CH01,"a b","","null",NULL,5,true}');
});

test('a number that PostgreSQL cannot read is refused with its value named', () => {
  assert.throws(() => arrayLiteral([1, Number.NaN]), /Valeur numérique invalide dans un tableau : NaN/);
  assert.throws(() => arrayLiteral([Number.POSITIVE_INFINITY]), /Infinity/);
});
