/**
 * The Base Adresse Nationale geocoder (api-adresse.data.gouv.fr, or any addok server): `/search/`
 * for one address, `/search/csv/` for many in one request. Answers are validated; 429 (with its
 * Retry-After) and 5xx are retried with the project's backoff.
 */
import pRetry, { AbortError } from 'p-retry';
import * as z from 'zod';
import { UpstreamError } from '../errors.js';
import { BACKOFF, networkCode, RETRYABLE_HTTP_STATUSES } from '../retry.js';

export interface GeoResult {
  lon: number;
  lat: number;
  /** 0 to 1: how well the matched address fits the query. */
  score: number;
  label: string;
}

/** GeoCodeJSON: a FeatureCollection whose best match comes first. */
const searchSchema = z.looseObject({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.looseObject({
      geometry: z.looseObject({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
      properties: z.looseObject({ label: z.string(), score: z.number() }),
    }),
  ),
});

export interface GeocoderOptions {
  baseUrl: string;
  timeoutMs: number;
  maxRetries?: number;
}

export class BanGeocoder {
  private readonly base: string;

  constructor(private readonly options: GeocoderOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** The best match for one address, or null when the geocoder finds none. */
  async search(query: string): Promise<GeoResult | null> {
    const url = `${this.base}/search/?${new URLSearchParams({ q: query, limit: '1' })}`;
    const text = await this.call('GET', url);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UpstreamError('geocoder', `Géocodeur : réponse illisible (${text.slice(0, 120)}).`, {
        code: 'GEOCODER_BAD_ANSWER',
        retryable: false,
        cause: error,
      });
    }
    const parsed = searchSchema.safeParse(json);
    if (!parsed.success)
      throw new UpstreamError('geocoder', `Géocodeur : réponse inattendue (${text.slice(0, 120)}).`, {
        code: 'GEOCODER_BAD_ANSWER',
        retryable: false,
      });
    const best = parsed.data.features[0];
    if (!best) return null;
    const [lon, lat] = best.geometry.coordinates;
    return { lon, lat, score: best.properties.score, label: best.properties.label };
  }

  /** Many addresses in one CSV request: the answer holds one row per address, in order. */
  async searchMany(queries: readonly string[]): Promise<(GeoResult | null)[]> {
    if (queries.length === 0) return [];
    const csv = ['id,adresse', ...queries.map((q, i) => `${i},${quote(q)}`)].join('\n');
    const form = () => {
      const f = new FormData();
      f.append('data', new Blob([csv], { type: 'text/csv' }), 'adresses.csv');
      f.append('columns', 'adresse');
      return f;
    };
    const text = await this.call('POST', `${this.base}/search/csv/`, form);
    let rows: Record<string, string>[];
    try {
      rows = (await import('csv-parse/sync')).parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true });
    } catch (error) {
      throw new UpstreamError('geocoder', `Géocodeur : CSV illisible (${text.slice(0, 120)}).`, {
        code: 'GEOCODER_BAD_ANSWER',
        retryable: false,
        cause: error,
      });
    }
    const results: (GeoResult | null)[] = queries.map(() => null);
    for (const row of rows) {
      const i = Number(row.id);
      const [lon, lat, score] = [Number(row.longitude), Number(row.latitude), Number(row.result_score)];
      // An address not found comes back with empty result columns.
      if (!Number.isInteger(i) || i < 0 || i >= queries.length || row.result_score === '' || row.result_score === undefined) continue;
      if ([lon, lat, score].some((n) => !Number.isFinite(n))) continue;
      results[i] = { lon, lat, score, label: row.result_label ?? '' };
    }
    return results;
  }

  private async call(method: 'GET' | 'POST', url: string, body?: () => FormData): Promise<string> {
    return pRetry(
      async () => {
        let res: Response;
        try {
          res = await fetch(url, { method, body: body?.(), signal: AbortSignal.timeout(this.options.timeoutMs) });
        } catch (error) {
          throw new UpstreamError('geocoder', `Géocodeur injoignable (${networkCode(error) ?? (error as Error).message}).`, {
            code: 'GEOCODER_UNREACHABLE',
            cause: error,
          });
        }
        const text = await res.text();
        if (res.ok) return text;
        const retryable = RETRYABLE_HTTP_STATUSES.has(res.status);
        const error = new UpstreamError('geocoder', `Géocodeur : HTTP ${res.status}${res.status === 429 ? ' (trop de requêtes)' : ''}.`, {
          code: `GEOCODER_HTTP_${res.status}`,
          retryable,
        });
        if (!retryable) throw new AbortError(error);
        const wait = Number(res.headers.get('retry-after'));
        if (Number.isFinite(wait) && wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 30) * 1000));
        throw error;
      },
      { ...BACKOFF, retries: this.options.maxRetries ?? 3 },
    );
  }
}

function quote(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
