import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseWallClock, roundToMinute, sqlDateToWallClock, toWallClock, wallClockToSqlDate } from '../../src/lib/time.js';

const paris = (iso: string) => toWallClock(new Date(iso), 'Europe/Paris');

test('winter instant: UTC+1', () => assert.equal(paris('2026-01-15T07:00:00Z'), '2026-01-15T08:00'));
test('summer instant: UTC+2', () => assert.equal(paris('2026-07-15T06:00:00Z'), '2026-07-15T08:00'));
test('last Sunday of March, before and after the change at 01:00Z', () => {
  assert.equal(paris('2026-03-29T00:30:00Z'), '2026-03-29T01:30');
  assert.equal(paris('2026-03-29T01:30:00Z'), '2026-03-29T03:30');
});
test('last Sunday of October, both 02:30 exist', () => {
  assert.equal(paris('2026-10-25T00:30:00Z'), '2026-10-25T02:30');
  assert.equal(paris('2026-10-25T01:30:00Z'), '2026-10-25T02:30');
  assert.equal(paris('2026-10-25T02:30:00Z'), '2026-10-25T03:30');
});
test('23:30 UTC belongs to the next local day', () => assert.equal(paris('2026-05-04T23:30:00Z'), '2026-05-05T01:30'));
test('seconds jitter rounds to the nearest minute', () => {
  assert.equal(paris('2026-05-04T06:00:01Z'), '2026-05-04T08:00');
  assert.equal(paris('2026-05-04T05:59:57Z'), '2026-05-04T08:00');
  assert.equal(roundToMinute(new Date('2026-05-04T05:59:29Z')).toISOString(), '2026-05-04T05:59:00.000Z');
});
test('wall clock to SQL date keeps the fields whatever the process zone', () => {
  const d = wallClockToSqlDate('2026-10-25T02:30');
  assert.equal(d.toISOString(), '2026-10-25T02:30:00.000Z');
  assert.equal(sqlDateToWallClock(d), '2026-10-25T02:30');
});
test('PostgreSQL timestamp text is normalised', () => assert.equal(normaliseWallClock('2026-10-25 02:30:00'), '2026-10-25T02:30'));
