/** The audit's window: the days asked for, checked, or the jobs' window up to today included. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditWindow, cliBound } from '../../../src/lib/audit/read.js';
import { ConfigurationError } from '../../../src/lib/errors.js';
import { Services } from '../../../src/lib/services.js';

const services = (env: Record<string, string> = {}) => new Services(env);
const NOW = new Date('2026-03-15T23:30:00Z');

describe('audit window', () => {
  test('unset: HEURES_WINDOW_DAYS days before today, to tomorrow excluded, in SYNC_TIMEZONE', () => {
    // 23:30 UTC is already the 16th in Paris.
    assert.deepEqual(auditWindow(services(), {}, NOW), { from: '2026-02-09', to: '2026-03-17', timeZone: 'Europe/Paris' });
    assert.deepEqual(auditWindow(services({ SYNC_TIMEZONE: 'UTC', HEURES_WINDOW_DAYS: '7' }), {}, NOW), {
      from: '2026-03-08',
      to: '2026-03-16',
      timeZone: 'UTC',
    });
  });

  test('the days asked for are kept; one bound alone sets the other from the window', () => {
    const s = services({ HEURES_WINDOW_DAYS: '7' });
    assert.deepEqual(auditWindow(s, { from: '2026-01-01', to: '2026-02-01' }, NOW), {
      from: '2026-01-01',
      to: '2026-02-01',
      timeZone: 'Europe/Paris',
    });
    assert.equal(auditWindow(s, { to: '2026-02-01' }, NOW).from, '2026-01-24');
    assert.equal(auditWindow(s, { from: '2026-03-01' }, NOW).to, '2026-03-17');
  });

  test('a day that does not exist, or not a day, is refused naming the bound as the caller names it', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '15/03/2026', '2026-03-15T00:00', ' 2026-03-15']) {
      assert.throws(
        () => auditWindow(services(), { from: bad }, NOW),
        (e: unknown) =>
          e instanceof ConfigurationError &&
          e.code === 'BAD_INPUT' &&
          e.message === `--from invalide : « ${bad} » (date AAAA-MM-JJ existante attendue).`,
        bad,
      );
    }
    assert.throws(
      () => auditWindow(services(), { to: 'hier' }, NOW, (b) => `paramètre ${b}`),
      /^ConfigurationError: Paramètre to invalide : « hier » \(date AAAA-MM-JJ existante attendue\)\.$/,
    );
    assert.equal(cliBound('to'), '--to');
  });

  test('an empty window is refused', () => {
    for (const asked of [
      { from: '2026-03-01', to: '2026-03-01' },
      { from: '2026-03-02', to: '2026-03-01' },
    ]) {
      assert.throws(
        () => auditWindow(services(), asked, NOW),
        (e: unknown) =>
          e instanceof ConfigurationError &&
          e.code === 'BAD_INPUT' &&
          e.message === `Période vide : --from ${asked.from} doit précéder --to ${asked.to}.`,
      );
    }
  });
});
