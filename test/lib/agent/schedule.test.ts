/** The agent's schedules: NCRONTAB as the Functions timers read it (seconds first), in SYNC_TIMEZONE. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigurationError } from '../../../src/lib/errors.js';
import { parseSchedule } from '../../../src/lib/agent/schedule.js';

test('every 15 minutes: next quarter, previous quarter, a 900 s period', () => {
  const s = parseSchedule('CHANTIERS_SCHEDULE', '0 */15 * * * *', 'Europe/Paris');
  assert.equal(s.periodSeconds, 900);
  assert.equal(s.next(new Date('2026-11-28T10:07:30Z')).toISOString(), '2026-11-28T10:15:00.000Z');
  assert.equal(s.previous(new Date('2026-11-28T10:07:30Z'))?.toISOString(), '2026-11-28T10:00:00.000Z');
  assert.equal(s.previous(new Date('2026-11-28T10:15:00Z'))?.toISOString(), '2026-11-28T10:15:00.000Z');
});

test('the first field is seconds', () => {
  const s = parseSchedule('HEURES_SCHEDULE', '30 * * * * *', 'UTC');
  assert.equal(s.periodSeconds, 60);
  assert.equal(s.next(new Date('2026-11-28T10:00:00Z')).toISOString(), '2026-11-28T10:00:30.000Z');
});

test('hours are read in SYNC_TIMEZONE: 6 h in Paris is 5 h UTC in winter, 4 h in summer', () => {
  const s = parseSchedule('HEURES_SCHEDULE', '0 0 6 * * *', 'Europe/Paris');
  assert.equal(s.next(new Date('2026-01-10T00:00:00Z')).toISOString(), '2026-01-10T05:00:00.000Z');
  assert.equal(s.next(new Date('2026-07-10T00:00:00Z')).toISOString(), '2026-07-10T04:00:00.000Z');
});

test('day of month and day of week both restrict, as in NCRONTAB', () => {
  // The 13th when it is a Friday (5): 2026-02-13, then 2026-03-13.
  const s = parseSchedule('HEURES_SCHEDULE', '0 0 12 13 * 5', 'UTC');
  assert.equal(s.next(new Date('2026-01-01T00:00:00Z')).toISOString(), '2026-02-13T12:00:00.000Z');
  assert.equal(s.next(new Date('2026-02-14T00:00:00Z')).toISOString(), '2026-03-13T12:00:00.000Z');
});

test('weekdays at 9 and 17: the previous occurrence is found across a weekend', () => {
  const s = parseSchedule('CHANTIERS_SCHEDULE', '0 0 9,17 * * 1-5', 'UTC');
  // Monday 2026-11-30 08:00 → the last one was Friday 17:00.
  assert.equal(s.previous(new Date('2026-11-30T08:00:00Z'))?.toISOString(), '2026-11-27T17:00:00.000Z');
  assert.equal(s.periodSeconds, 8 * 3600);
});

test('a five-field crontab or a bad field is refused, naming the setting', () => {
  for (const bad of ['*/15 * * * *', '0 */15 * * * * *', '0 61 * * * *', 'toutes les 15 min']) {
    assert.throws(
      () => parseSchedule('CHANTIERS_SCHEDULE', bad, 'UTC'),
      (e: Error) => e instanceof ConfigurationError && /^CHANTIERS_SCHEDULE invalide/.test(e.message),
      bad,
    );
  }
});
