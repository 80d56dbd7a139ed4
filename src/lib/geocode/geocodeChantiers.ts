/**
 * Part of `transfer-batisimply`: the point BatiSimply places each chantier at (workers clock in
 * near it). Addresses are geocoded once (cached by normalised address), many at once through the
 * CSV endpoint; a point is sent only when its score reaches GEOCODE_MIN_SCORE, otherwise none is
 * sent and a warning names the chantier and its address. A geocoder that cannot be reached costs
 * the run its points, never its chantiers.
 */
import pLimit from 'p-limit';
import { geocodeSchema, parseSection } from '../config.js';
import { operatorMessage } from '../errors.js';
import type { StagedChantier } from '../staging/chantiers.js';
import { cachedGeocodes, storeGeocodes, type CachedGeocode } from '../staging/geocode.js';
import type { JobContext } from '../sync/jobs.js';
import { addressKey, addressQuery } from './address.js';
import { BanGeocoder, type GeoResult } from './ban.js';

export type GeoPoint = { xLon: number; yLat: number };

export async function geocodeChantiers(ctx: JobContext, rows: readonly StagedChantier[]): Promise<Map<string, GeoPoint>> {
  const points = new Map<string, GeoPoint>();
  const settings = parseSection(geocodeSchema, ctx.services.env, 'géocodage');
  if (!settings.GEOCODE_ENABLED || rows.length === 0) return points;

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
    if (!query || !hit) continue;
    if (hit.lon === null || hit.lat === null || hit.score === null) {
      ctx.report.warn(
        row.code,
        'ADRESSE_INTROUVABLE',
        `Chantier ${row.code} : adresse « ${query} » introuvable par le géocodeur ; aucun point envoyé à BatiSimply.`,
      );
    } else if (hit.score < settings.GEOCODE_MIN_SCORE) {
      ctx.report.warn(
        row.code,
        'ADRESSE_IMPRECISE',
        `Chantier ${row.code} : adresse « ${query} » trop incertaine (« ${hit.label ?? ''} », score ${hit.score.toFixed(2)} < ${settings.GEOCODE_MIN_SCORE}) ; aucun point envoyé à BatiSimply.`,
      );
    } else {
      points.set(row.code, { xLon: hit.lon, yLat: hit.lat });
    }
  }
  return points;
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
