/** SQL of `geocode_cache`: geocoded addresses by normalised address, so an unchanged one is never sent again. */
import type { Queryable } from './db.js';

export interface CachedGeocode {
  key: string;
  /** Null point: the geocoder found nothing for this address. */
  lon: number | null;
  lat: number | null;
  score: number | null;
  label: string | null;
}

export async function cachedGeocodes(db: Queryable, keys: readonly string[]): Promise<Map<string, CachedGeocode>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<CachedGeocode>(
    'SELECT address_key AS key, lon, lat, score, label FROM geocode_cache WHERE address_key = ANY($1::text[])',
    [keys],
  );
  return new Map(rows.map((r) => [r.key, r]));
}

export async function storeGeocodes(db: Queryable, entries: readonly (CachedGeocode & { query: string })[]) {
  if (entries.length === 0) return;
  const c = <K extends keyof (CachedGeocode & { query: string })>(k: K) => entries.map((e) => e[k]);
  await db.query(
    `INSERT INTO geocode_cache (address_key, query, lon, lat, score, label)
     SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::text[])
     ON CONFLICT (address_key) DO UPDATE SET query = EXCLUDED.query, lon = EXCLUDED.lon, lat = EXCLUDED.lat,
       score = EXCLUDED.score, label = EXCLUDED.label, geocoded_at = now()`,
    [c('key'), c('query'), c('lon'), c('lat'), c('score'), c('label')],
  );
}
