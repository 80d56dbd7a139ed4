/** Pins what the mutation run of time.ts found unpinned: date-only values, instants sent to BatiSimply, unreadable wall clocks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoUtc, normaliseWallClock, toIsoDate, toWallClock, wallClockToSqlDate } from '../../src/lib/time.js';

test('a date-only value from a driver: a Date at UTC midnight or a string, both "YYYY-MM-DD"', () => {
  assert.equal(toIsoDate(new Date(Date.UTC(2026, 2, 1))), '2026-03-01');
  assert.equal(toIsoDate('2026-03-01T00:00:00.000Z'), '2026-03-01');
  assert.equal(toIsoDate('2026-03-01'), '2026-03-01');
});

test('a missing date-only value stays missing', () => {
  assert.equal(toIsoDate(null), null);
  assert.equal(toIsoDate(undefined), null);
});

test('an instant sent to BatiSimply carries no milliseconds', () => {
  assert.equal(isoUtc(new Date('2026-01-15T07:00:00.123Z')), '2026-01-15T07:00:00Z');
  assert.equal(isoUtc(new Date('2026-01-15T07:00:00.000Z')), '2026-01-15T07:00:00Z');
});

test('an unreadable wall clock is refused, naming the value', () => {
  assert.throws(() => normaliseWallClock('15/01/2026 08:00'), /heure locale illisible : 15\/01\/2026 08:00/);
  assert.throws(() => wallClockToSqlDate('demain 8h'), /heure locale illisible : demain 8h/);
  // A time inside other text is not a wall clock: the whole value must start with it.
  assert.throws(() => normaliseWallClock('le 2026-01-15 08:00'), /heure locale illisible/);
  assert.throws(() => wallClockToSqlDate('le 2026-01-15T08:00'), /heure locale illisible/);
});

test('the same instant in two zones in a row: each zone keeps its own offset', () => {
  const instant = new Date('2026-01-15T07:00:00Z');
  assert.equal(toWallClock(instant, 'Asia/Tokyo'), '2026-01-15T16:00');
  assert.equal(toWallClock(instant, 'America/New_York'), '2026-01-15T02:00');
  assert.equal(toWallClock(instant, 'Asia/Tokyo'), '2026-01-15T16:00');
});
