/**
 * The BAN client against a local HTTP server: no database, no sandbox,
 * so each case runs in milliseconds (the mutation run of `geocode/` uses this file).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { UpstreamError } from '../../../src/lib/errors.js';
import { BanGeocoder } from '../../../src/lib/geocode/ban.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: ReturnType<typeof createServer>;
let base: string;
let seen: Seen[] = [];
/** One handler per request, in order; the last one answers every request after it. */
let answers: Handler[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const handler = answers[Math.min(seen.length - 1, answers.length - 1)]!;
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  answers = [];
});

const json =
  (value: unknown, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
const csv =
  (text: string): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv' });
    res.end(text);
  };
const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(code, headers);
    res.end('');
  };
const feature = (lon: number, lat: number, score: number, label: string) => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [lon, lat] },
  properties: { label, score },
});
const client = (options: { maxRetries?: number; timeoutMs?: number; baseUrl?: string } = {}) =>
  new BanGeocoder({ baseUrl: options.baseUrl ?? base, timeoutMs: options.timeoutMs ?? 2_000, maxRetries: options.maxRetries });
const geocoderError = (code: string, retryable: boolean, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof UpstreamError, String(e));
  assert.equal(e.system, 'geocoder');
  assert.equal(e.code, code);
  assert.equal(e.retryable, retryable);
  if (message) assert.match(e.message, message);
  return true;
};

describe('BanGeocoder.search', () => {
  test('asks /search/ for one result of the query, under a base URL given with trailing slashes', async () => {
    answers = [json({ type: 'FeatureCollection', features: [feature(3.8767, 43.6108, 0.93, '1 Rue de la Paix 34000 Montpellier')] })];
    const result = await client({ baseUrl: `${base}//` }).search('1 rue de la Paix & co');
    assert.deepEqual(result, { lon: 3.8767, lat: 43.6108, score: 0.93, label: '1 Rue de la Paix 34000 Montpellier' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'GET');
    const url = new URL(seen[0]!.url, base);
    assert.equal(url.pathname, '/search/');
    assert.equal(url.searchParams.get('q'), '1 rue de la Paix & co');
    assert.equal(url.searchParams.get('limit'), '1');
  });

  test('the first feature is the answer; none is null', async () => {
    answers = [json({ type: 'FeatureCollection', features: [feature(1, 2, 0.8, 'A'), feature(3, 4, 0.9, 'B')] })];
    assert.deepEqual(await client().search('x'), { lon: 1, lat: 2, score: 0.8, label: 'A' });
    answers = [json({ type: 'FeatureCollection', features: [] })];
    assert.equal(await client().search('x'), null);
  });

  test('a body that is not JSON is a bad answer, not retried, quoting the start of the body', async () => {
    answers = [json(`<html>${'x'.repeat(300)}`)];
    await assert.rejects(client().search('x'), (e: unknown) => {
      geocoderError('GEOCODER_BAD_ANSWER', false, /^Géocodeur : réponse illisible \(<html>x+\)\.$/)(e);
      assert.ok((e as Error).cause instanceof SyntaxError);
      assert.equal((e as Error).message.length, 'Géocodeur : réponse illisible ().'.length + 120);
      return true;
    });
    assert.equal(seen.length, 1);
  });

  test('JSON of another shape is a bad answer, not retried', async () => {
    answers = [json({ type: 'FeatureCollection', features: [{ geometry: { type: 'Point', coordinates: [1] }, properties: {} }] })];
    await assert.rejects(client().search('x'), geocoderError('GEOCODER_BAD_ANSWER', false, /^Géocodeur : réponse inattendue \(\{/));
    answers = [json({ type: 'Feature', features: [] })];
    await assert.rejects(client().search('x'), geocoderError('GEOCODER_BAD_ANSWER', false, /réponse inattendue/));
    assert.equal(seen.length, 2);
  });
});

describe('BanGeocoder.searchMany', () => {
  test('no address, no request', async () => {
    assert.deepEqual(await client().searchMany([]), []);
    assert.equal(seen.length, 0);
  });

  test('one CSV POST to /search/csv/, values with commas or quotes quoted; one result per address, in order', async () => {
    answers = [
      csv(
        '\uFEFFid,adresse,longitude,latitude,result_label,result_score\n' +
          '1,"2 rue ""Haute"", Rodez",2.57,44.35,2 Rue Haute 12000 Rodez,0.88\n' +
          '0,1 rue Basse Rodez,,,,\n' +
          '2,Montpellier,3.87,43.61,Montpellier,0.41\n',
      ),
    ];
    const results = await client().searchMany(['1 rue Basse Rodez', '2 rue "Haute", Rodez', 'Montpellier']);
    assert.deepEqual(results, [
      null,
      { lon: 2.57, lat: 44.35, score: 0.88, label: '2 Rue Haute 12000 Rodez' },
      { lon: 3.87, lat: 43.61, score: 0.41, label: 'Montpellier' },
    ]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/search/csv/');
    const body = seen[0]!.body;
    assert.match(
      body,
      /name="data"; filename="adresses\.csv"\r\nContent-Type: text\/csv\r\n\r\nid,adresse\n0,1 rue Basse Rodez\n1,"2 rue ""Haute"", Rodez"\n2,Montpellier\r\n/,
    );
    assert.match(body, /name="columns"\r\n\r\nadresse\r\n/);
  });

  test('a value with a line break is quoted too', async () => {
    answers = [csv('id,adresse,longitude,latitude,result_label,result_score\n')];
    assert.deepEqual(await client().searchMany(['a\nb', 'c\rd']), [null, null]);
    assert.match(seen[0]!.body, /\n0,"a\nb"\n1,"c\rd"\r\n/);
  });

  test('rows that name no asked address, or carry no number, are left out; a missing label is empty', async () => {
    answers = [
      csv(
        'id,adresse,longitude,latitude,result_score\n' +
          '-1,x,1,1,0.9\n' +
          '2,x,1,1,0.9\n' +
          '0.5,x,1,1,0.9\n' +
          'abc,x,1,1,0.9\n' +
          '0,x,abc,1,0.9\n' +
          '1,x,1,1,0.7\n',
      ),
    ];
    assert.deepEqual(await client().searchMany(['a', 'b']), [null, { lon: 1, lat: 1, score: 0.7, label: '' }]);
    answers = [csv('id,adresse,longitude,latitude\n0,x,1,1\n')];
    assert.deepEqual(await client().searchMany(['a']), [null]);
    answers = [csv('id,adresse,longitude,latitude,result_score\n0,x,1,abc,0.9\n1,x,1,1,abc\n')];
    assert.deepEqual(await client().searchMany(['a', 'b']), [null, null]);
  });

  test('a CSV that cannot be read is a bad answer, not retried', async () => {
    answers = [csv('id,adresse\n0,"open quote\n')];
    await assert.rejects(client().searchMany(['a']), (e: unknown) => {
      geocoderError('GEOCODER_BAD_ANSWER', false, /^Géocodeur : CSV illisible \(id,adresse/)(e);
      assert.ok((e as Error).cause instanceof Error);
      return true;
    });
    assert.equal(seen.length, 1);
  });
});

describe('BanGeocoder: HTTP failures', () => {
  test('a 4xx other than 408/425/429 is not retried and names its status', async () => {
    answers = [status(404)];
    await assert.rejects(client().search('x'), geocoderError('GEOCODER_HTTP_404', false, /^Géocodeur : HTTP 404\.$/));
    assert.equal(seen.length, 1);
  });

  test('5xx are retried up to maxRetries (3 by default), then fail as retryable', async () => {
    answers = [status(503)];
    await assert.rejects(client({ maxRetries: 1 }).search('x'), geocoderError('GEOCODER_HTTP_503', true, /^Géocodeur : HTTP 503\.$/));
    assert.equal(seen.length, 2);
    seen = [];
    await assert.rejects(client().search('x'), geocoderError('GEOCODER_HTTP_503', true));
    assert.equal(seen.length, 4);
  });

  test('429 says « trop de requêtes » and waits its Retry-After', async () => {
    answers = [status(429, { 'retry-after': '1' })];
    const started = Date.now();
    await assert.rejects(
      client({ maxRetries: 0 }).search('x'),
      geocoderError('GEOCODER_HTTP_429', true, /^Géocodeur : HTTP 429 \(trop de requêtes\)\.$/),
    );
    assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
    assert.equal(seen.length, 1);
  });

  test('after a 429 with Retry-After the next attempt succeeds', async () => {
    answers = [status(429, { 'retry-after': '0' }), json({ type: 'FeatureCollection', features: [feature(1, 2, 0.5, 'A')] })];
    assert.equal((await client({ maxRetries: 1 }).search('x'))?.label, 'A');
    assert.equal(seen.length, 2);
  });

  test('a geocoder that cannot be reached is GEOCODER_UNREACHABLE, naming the network code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      client({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 }).search('x'),
      geocoderError('GEOCODER_UNREACHABLE', true, /^Géocodeur injoignable \(ECONNREFUSED\)\.$/),
    );
  });

  test('a geocoder that does not answer in time is unreachable (ETIMEDOUT)', async () => {
    answers = [() => undefined];
    await assert.rejects(
      client({ timeoutMs: 100, maxRetries: 0 }).search('x'),
      geocoderError('GEOCODER_UNREACHABLE', true, /^Géocodeur injoignable \(ETIMEDOUT\)\.$/),
    );
  });
});

describe('BanGeocoder: answers at the edges (from the mutation run)', () => {
  test('a feature without its coordinates or its score is a bad answer', async () => {
    answers = [json({ type: 'FeatureCollection', features: [{ geometry: { type: 'Point' }, properties: { label: 'A', score: 1 } }] })];
    await assert.rejects(client().search('x'), geocoderError('GEOCODER_BAD_ANSWER', false));
    answers = [
      json({ type: 'FeatureCollection', features: [{ geometry: { type: 'Point', coordinates: [1, 2] }, properties: { label: 'A' } }] }),
    ];
    await assert.rejects(client().search('x'), geocoderError('GEOCODER_BAD_ANSWER', false));
  });

  test('bad answers quote at most 120 characters of the body', async () => {
    answers = [json({ type: 'Other', pad: 'x'.repeat(300) })];
    await assert.rejects(
      client().search('x'),
      (e: unknown) => (e as Error).message.length === 'Géocodeur : réponse inattendue ().'.length + 120,
    );
    answers = [csv(`id,adresse\n0,"${'x'.repeat(300)}\n`)];
    await assert.rejects(
      client().searchMany(['a']),
      (e: unknown) => (e as Error).message.length === 'Géocodeur : CSV illisible ().'.length + 120,
    );
  });

  test('the first address (id 0) gets its row; blank lines in the CSV are skipped', async () => {
    answers = [csv('id,adresse,longitude,latitude,result_label,result_score\n0,x,1,2,A,0.9\n\n1,y,3,4,B,0.8\n')];
    assert.deepEqual(await client().searchMany(['a', 'b']), [
      { lon: 1, lat: 2, score: 0.9, label: 'A' },
      { lon: 3, lat: 4, score: 0.8, label: 'B' },
    ]);
  });

  test('an unreachable geocoder keeps the network error as the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      client({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 }).search('x'),
      (e: unknown) => (e as Error).cause instanceof Error,
    );
  });

  test('Retry-After waits what it says, not more (capped at 30 s)', async () => {
    answers = [status(429, { 'retry-after': '1' })];
    const started = Date.now();
    await assert.rejects(client({ maxRetries: 0 }).search('x'), geocoderError('GEOCODER_HTTP_429', true));
    assert.ok(Date.now() - started < 20_000, `waited ${Date.now() - started} ms`);
  });
});
