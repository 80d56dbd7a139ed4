/**
 * `geocode-chantiers`: the point BatiSimply places each chantier at (workers clock in near it).
 * The addresses of the chantiers waiting for `transfer-batisimply` are geocoded once each (cached
 * by normalised address in staging), many at once through the CSV endpoint. `transfer-batisimply`
 * then sends a cached point when its score reaches GEOCODE_MIN_SCORE; otherwise none is sent and
 * this step's report names the chantier and its address. A geocoder that cannot be reached costs
 * the run its points, never its chantiers.
 */
import pLimit from 'p-limit';
import type { GeocodeSettings } from '../config.js';
import { operatorMessage } from '../errors.js';
import { addressKey, addressQuery } from '../geocode/address.js';
import { BanGeocoder, type GeoResult } from '../geocode/ban.js';
import { pendingChantiers, type StagedChantier } from '../staging/chantiers.js';
import type { Queryable } from '../staging/db.js';
import { cachedGeocodes, storeGeocodes, type CachedGeocode } from '../staging/geocode.js';
import type { JobContext } from './context.js';

export type GeoPoint = { xLon: number; yLat: number };

export async function geocodeChantiers(ctx: JobContext<'geocode'>): Promise<void> {
  const settings = ctx.settings.geocode;
  if (!settings.GEOCODE_ENABLED) return;
  const rows = await pendingChantiers(ctx.db);
  ctx.report.add('read', rows.length);
  if (rows.length === 0) return;

  const wanted = rows.map((row) => {
    const query = addressQuery(row);
    return { row, query, key: query ? addressKey(query) : null };
  });
  for (const w of wanted.filter((x) => !x.query)) {
    ctx.report.warn(
      w.row.code,
      'ADRESSE_ABSENTE',
      `Chantier ${w.row.code} : pas d'adresse (code postal ou ville) à géocoder ; aucun point envoyé à BatiSimply.`,
    );
  }
  const keys = [...new Set(wanted.flatMap((w) => (w.key ? [w.key] : [])))];
  const known = await cachedGeocodes(ctx.db, keys);
  const missing = keys.filter((k) => !known.has(k)).map((k) => ({ key: k, query: wanted.find((w) => w.key === k)!.query! }));
  ctx.report.add('unchanged', keys.length - missing.length);
  if (missing.length > 0) {
    try {
      const fresh = await geocode(
        new BanGeocoder({ baseUrl: settings.GEOCODE_URL, timeoutMs: settings.GEOCODE_TIMEOUT_MS }),
        missing.map((m) => m.query),
        settings.GEOCODE_BATCH_FROM,
      );
      const entries = missing.map((m, i) => toCached(m.key, m.query, fresh[i] ?? null));
      for (const e of entries) known.set(e.key, e);
      if (!ctx.dryRun) await storeGeocodes(ctx.db, entries);
      ctx.report.add('created', entries.length);
    } catch (error) {
      ctx.report.warn(
        'géocodage',
        'GEOCODEUR_INDISPONIBLE',
        `Géocodage impossible (${operatorMessage(error)}) : ${missing.length} adresse(s) sans point, réessayées au prochain envoi.`,
      );
    }
  }
  for (const { row, query, key } of wanted) {
    const hit = key ? known.get(key) : undefined;
    if (!query || !hit || pointOf(hit, settings)) continue;
    if (hit.lon === null || hit.lat === null || hit.score === null) {
      ctx.report.warn(
        row.code,
        'ADRESSE_INTROUVABLE',
        `Chantier ${row.code} : adresse « ${query} » introuvable par le géocodeur ; aucun point envoyé à BatiSimply.`,
      );
    } else {
      ctx.report.warn(
        row.code,
        'ADRESSE_IMPRECISE',
        `Chantier ${row.code} : adresse « ${query} » trop incertaine (« ${hit.label ?? ''} », score ${hit.score.toFixed(2)} < ${settings.GEOCODE_MIN_SCORE}) ; aucun point envoyé à BatiSimply.`,
      );
    }
  }
}

/** The points `transfer-batisimply` sends: the cached ones whose score reached the threshold. */
export async function geocodedPoints(
  db: Queryable,
  rows: readonly StagedChantier[],
  settings: GeocodeSettings,
): Promise<Map<string, GeoPoint>> {
  const points = new Map<string, GeoPoint>();
  if (!settings.GEOCODE_ENABLED || rows.length === 0) return points;
  const keyOf = new Map<string, string>();
  for (const row of rows) {
    const query = addressQuery(row);
    if (query) keyOf.set(row.code, addressKey(query));
  }
  const known = await cachedGeocodes(db, [...new Set(keyOf.values())]);
  for (const [code, key] of keyOf) {
    const hit = known.get(key);
    const point = hit ? pointOf(hit, settings) : null;
    if (point) points.set(code, point);
  }
  return points;
}

function pointOf(hit: CachedGeocode, settings: GeocodeSettings): GeoPoint | null {
  if (hit.lon === null || hit.lat === null || hit.score === null || hit.score < settings.GEOCODE_MIN_SCORE) return null;
  return { xLon: hit.lon, yLat: hit.lat };
}

async function geocode(geocoder: BanGeocoder, queries: string[], batchFrom: number): Promise<(GeoResult | null)[]> {
  if (queries.length >= batchFrom) return geocoder.searchMany(queries);
  // The public service allows 50 requests a second per address: a few at a time stays far below.
  const limit = pLimit(4);
  return Promise.all(queries.map((q) => limit(() => geocoder.search(q))));
}

function toCached(key: string, query: string, r: GeoResult | null): CachedGeocode & { query: string } {
  return { key, query, lon: r?.lon ?? null, lat: r?.lat ?? null, score: r?.score ?? null, label: r?.label ?? null };
}
