/**
 * The sandbox's Base Adresse Nationale geocoder: `GET /search/?q=` answers GeoCodeJSON like
 * api-adresse.data.gouv.fr, `POST /search/csv/` (multipart, file `data`, `columns`) answers the
 * CSV with the BAN's result columns appended. Addresses it knows are listed with the score to
 * answer; any other answers no match. 429 and 5xx come from the sandbox's fault plan (routes
 * "GET /search/" and "POST /search/csv/").
 */
import { addressKey } from '../lib/geocode/address.js';

export interface SandboxAddress {
  /** The address as a client would send it (compared case, accents and punctuation aside). */
  query: string;
  label: string;
  lon: number;
  lat: number;
  score: number;
}

export interface GeocoderAnswer {
  status: number;
  body?: unknown;
  text?: string;
  contentType?: string;
}

const RESULT_COLUMNS = [
  'latitude',
  'longitude',
  'result_label',
  'result_score',
  'result_score_next',
  'result_type',
  'result_id',
  'result_housenumber',
  'result_name',
  'result_street',
  'result_postcode',
  'result_city',
  'result_context',
  'result_citycode',
  'result_oldcitycode',
  'result_oldcity',
  'result_district',
  'result_status',
];

export class SandboxGeocoder {
  private known = new Map<string, SandboxAddress>();
  /** Addresses asked for, one entry per address (a CSV request counts each of its rows). */
  readonly asked: string[] = [];

  load(addresses: readonly SandboxAddress[]) {
    this.known = new Map(addresses.map((a) => [addressKey(a.query), a]));
  }

  static handles(route: string): boolean {
    return route === 'GET /search/' || route === 'GET /search' || route === 'POST /search/csv/' || route === 'POST /search/csv';
  }

  async answer(route: string, url: URL, raw: string, contentType: string): Promise<GeocoderAnswer> {
    return route.startsWith('GET') ? this.search(url) : this.csv(raw, contentType);
  }

  private match(q: string): SandboxAddress | undefined {
    this.asked.push(q);
    return this.known.get(addressKey(q));
  }

  private search(url: URL): GeocoderAnswer {
    const q = url.searchParams.get('q') ?? '';
    // The BAN refuses queries shorter than 3 characters.
    if (q.trim().length < 3)
      return { status: 400, body: { code: 400, detail: ['q: must contain between 3 and 200 chars and start with a number or a letter'] } };
    const hit = this.match(q);
    return {
      status: 200,
      body: {
        type: 'FeatureCollection',
        version: 'draft',
        features: hit ? [feature(hit)] : [],
        attribution: 'BAN',
        licence: 'ETALAB-2.0',
        query: q,
        limit: Number(url.searchParams.get('limit') ?? 5),
      },
    };
  }

  private async csv(raw: string, contentType: string): Promise<GeocoderAnswer> {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData().catch(() => null);
    const file = form?.get('data');
    if (!form || !file || typeof file === 'string')
      return { status: 400, body: { code: 400, message: 'A CSV file must be provided in data field' } };
    const columns = form.getAll('columns').map(String);
    const { parse } = await import('csv-parse/sync');
    const rows: Record<string, string>[] = parse(await file.text(), { columns: true, skip_empty_lines: true });
    const header = rows.length > 0 ? Object.keys(rows[0]!) : ['id', ...columns];
    const lines = [[...header, ...RESULT_COLUMNS].join(',')];
    for (const row of rows) {
      const q = (columns.length > 0 ? columns : header).map((c) => row[c] ?? '').join(' ');
      const hit = this.match(q);
      const result = hit
        ? [hit.lat, hit.lon, hit.label, hit.score, '', 'housenumber', 'sbx', '', hit.label, '', '', '', '', '', '', '', '', 'ok']
        : [...RESULT_COLUMNS.map(() => '').slice(0, -1), 'not-found'];
      lines.push([...header.map((c) => row[c] ?? ''), ...result].map((v) => csvCell(String(v))).join(','));
    }
    return { status: 200, text: `${lines.join('\n')}\n`, contentType: 'text/csv; charset=utf-8' };
  }
}

function feature(a: SandboxAddress) {
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [a.lon, a.lat] },
    properties: { label: a.label, score: a.score, id: 'sbx', name: a.label, type: 'housenumber', importance: 0.5 },
  };
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}
