import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import {
  normaliseWallClock,
  roundToMinute,
  sqlDateToWallClock,
  toWallClock,
  wallClockToSqlDate,
  isoUtc,
  toIsoDate,
} from '../../src/lib/time.js';

describe('wall clocks and instants in SYNC_TIMEZONE', () => {
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

  test('a zone whose change falls at half past the UTC hour (Adelaide, 16:30Z)', () => {
    assert.equal(toWallClock(new Date('2026-04-04T16:00:00Z'), 'Australia/Adelaide'), '2026-04-05T02:30');
    assert.equal(toWallClock(new Date('2026-04-04T16:29:00Z'), 'Australia/Adelaide'), '2026-04-05T02:59');
    assert.equal(toWallClock(new Date('2026-04-04T16:30:00Z'), 'Australia/Adelaide'), '2026-04-05T02:00');
    assert.equal(toWallClock(new Date('2026-04-04T16:59:00Z'), 'Australia/Adelaide'), '2026-04-05T02:29');
  });
  test('a zone that moves by half an hour (Lord Howe)', () => {
    assert.equal(toWallClock(new Date('2026-04-04T14:59:00Z'), 'Australia/Lord_Howe'), '2026-04-05T01:59');
    assert.equal(toWallClock(new Date('2026-04-04T15:00:00Z'), 'Australia/Lord_Howe'), '2026-04-05T01:30');
  });
  test('New York springs forward at 07:00Z', () => {
    assert.equal(toWallClock(new Date('2026-03-08T06:59:00Z'), 'America/New_York'), '2026-03-08T01:59');
    assert.equal(toWallClock(new Date('2026-03-08T07:00:00Z'), 'America/New_York'), '2026-03-08T03:00');
  });
  test('a quarter-hour offset (Kathmandu) and seconds of an old local mean time (Paris, 1900)', () => {
    assert.equal(toWallClock(new Date('2026-06-01T00:00:00Z'), 'Asia/Kathmandu'), '2026-06-01T05:45');
    assert.equal(toWallClock(new Date('1900-01-01T12:00:00Z'), 'Europe/Paris'), '1900-01-01T12:09');
    assert.equal(toWallClock(new Date('1900-01-01T12:30:00Z'), 'Europe/Paris'), '1900-01-01T12:39');
  });
  test('the same instant in two zones, asked in turn, honours each zone', () => {
    const instant = new Date('2026-07-15T06:00:00Z');
    assert.equal(toWallClock(instant, 'Europe/Paris'), '2026-07-15T08:00');
    assert.equal(toWallClock(instant, 'America/New_York'), '2026-07-15T02:00');
    assert.equal(toWallClock(instant, 'Europe/Paris'), '2026-07-15T08:00');
    assert.equal(toWallClock(instant, 'UTC'), '2026-07-15T06:00');
  });
  test('every minute around both 2026 changes matches Intl, in four zones', () => {
    const intl = (ms: number, timeZone: string) => {
      const p = Object.fromEntries(
        new Intl.DateTimeFormat('en-CA', {
          timeZone,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        })
          .formatToParts(new Date(ms))
          .map((x) => [x.type, x.value]),
      );
      return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
    };
    for (const timeZone of ['Europe/Paris', 'Australia/Adelaide', 'Australia/Lord_Howe', 'America/St_Johns']) {
      for (const around of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-04-04T16:00:00Z', '2026-11-01T03:00:00Z']) {
        const start = Date.parse(around) - 6 * 3_600_000;
        for (let ms = start; ms < start + 12 * 3_600_000; ms += 60_000) {
          assert.equal(toWallClock(new Date(ms), timeZone), intl(ms, timeZone), `${timeZone} ${new Date(ms).toISOString()}`);
        }
      }
    }
  });
});

/** Pins what the mutation run of time.ts found unpinned: date-only values, instants sent to BatiSimply, unreadable wall clocks. */
describe('date-only values, instants sent to BatiSimply, unreadable wall clocks', () => {
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
});
