/** The geocode cache's SQL: an address geocoded once is read back as stored, and a new answer replaces it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Queryable } from '../../../src/lib/staging/db.js';
import { cachedGeocodes, storeGeocodes } from '../../../src/lib/staging/geocode.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ sandbox: false });

/** The test database, counting the statements sent. */
function counted(): Queryable & { statements: number } {
  const db = {
    statements: 0,
    query: <R>(text: string, params?: unknown[]) => (db.statements++, world.db.query<R>(text, params)),
  };
  return db;
}

const paix = {
  key: 'paix',
  query: '1 rue de la Paix 34000 Montpellier',
  lon: 3.8767,
  lat: 43.6108,
  score: 0.93,
  label: '1 Rue de la Paix 34000 Montpellier',
};
const nowhere = { key: 'nowhere', query: 'Nulle part', lon: null, lat: null, score: null, label: null };

test('nothing to read or store: no statement sent', async () => {
  const db = counted();
  assert.deepEqual(await cachedGeocodes(db, []), new Map());
  await storeGeocodes(db, []);
  assert.equal(db.statements, 0);
});

test('stored addresses read back by key, a search that found nothing as a null point; others absent', async () => {
  await storeGeocodes(world.db, [paix, nowhere]);
  const cached = await cachedGeocodes(world.db, ['paix', 'nowhere', 'unknown']);
  assert.deepEqual(
    [...cached.entries()].sort(([a], [b]) => a.localeCompare(b)),
    [
      ['nowhere', { key: 'nowhere', lon: null, lat: null, score: null, label: null }],
      ['paix', { key: 'paix', lon: 3.8767, lat: 43.6108, score: 0.93, label: '1 Rue de la Paix 34000 Montpellier' }],
    ],
  );
});

test('an address geocoded again: the new answer replaces the old one and its date moves', async () => {
  await storeGeocodes(world.db, [paix]);
  await world.db.exec(`UPDATE geocode_cache SET geocoded_at = '2020-01-01T00:00:00Z'`);
  await storeGeocodes(world.db, [{ ...paix, query: '1 r de la Paix Montpellier', lon: 3.9, lat: 43.7, score: 0.5, label: 'Montpellier' }]);
  const { rows } = await world.db.query(`SELECT query, lon, lat, score, label, geocoded_at > '2020-01-02' AS moved FROM geocode_cache`);
  assert.deepEqual(rows, [{ query: '1 r de la Paix Montpellier', lon: 3.9, lat: 43.7, score: 0.5, label: 'Montpellier', moved: true }]);
});
