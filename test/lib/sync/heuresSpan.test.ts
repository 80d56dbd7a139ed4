/** How much of the window recup-heures asks BatiSimply for at once: about 5,000 slots per answer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextSpanMs } from '../../../src/lib/sync/recupHeures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

test('a day that held 10,000 slots: the next request asks for half a day', () => assert.equal(nextSpanMs(DAY, 10_000, 7 * DAY), 12 * HOUR));
test('a sparse day grows the span, at most fourfold', () => assert.equal(nextSpanMs(DAY, 100, 7 * DAY), 4 * DAY));
test('an empty period grows the span up to HEURES_CHUNK_DAYS', () => assert.equal(nextSpanMs(4 * DAY, 0, 7 * DAY), 7 * DAY));
test('never less than an hour, however dense', () => assert.equal(nextSpanMs(HOUR, 1_000_000, 7 * DAY), HOUR));
test('spans are whole minutes', () => assert.equal(nextSpanMs(DAY, 7_000, 7 * DAY) % 60_000, 0));
