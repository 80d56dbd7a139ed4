import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { UpstreamError } from '../../../src/lib/errors.js';
import { addressKey } from '../../../src/lib/geocode/address.js';
import { BanGeocoder } from '../../../src/lib/geocode/ban.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { stepReport } from '../../support/reports.js';
import { useWorld } from '../../support/fixture.js';

let batigest: MemoryBatigest;
let services: Services | undefined;

const PAIX = {
  query: '1 rue de la Paix 34000 Montpellier',
  label: '1 Rue de la Paix 34000 Montpellier',
  lon: 3.8767,
  lat: 43.6108,
  score: 0.93,
};
const VAGUE = { query: 'Lieu-dit Les Vignes 34000 Montpellier', label: 'Montpellier', lon: 3.87, lat: 43.61, score: 0.41 };

const world = useWorld();
world.teardown(() => services?.close());
beforeEach(async () => {
  world.sandbox.geocoder.load([PAIX, VAGUE]);
  world.sandbox.geocoder.asked.length = 0;
  batigest = new MemoryBatigest();
  await services?.close();
  services = new Services(
    { ...world.env, GEOCODE_ENABLED: 'true', GEOCODE_URL: world.sandbox.url, GEOCODE_BATCH_FROM: '5' },
    { staging: world.db, batigest },
  );
});

const geocoder = () => new BanGeocoder({ baseUrl: world.sandbox.url, timeoutMs: 2_000 });
/** The chantiers chain: the push's report, and the geocoding step's warnings. */
const push = async (dryRun = false) => {
  const { report } = await runJob(services!, 'chantiers', { trigger: 'cli', dryRun });
  return { ...stepReport(report, 'transfer-batisimply'), warnings: stepReport(report, 'geocode-chantiers').warnings };
};
const project = (code: string) =>
  [...world.sandbox.state.projects.values()].find((p) => p.projectCode === code)! as { address?: { geoPoint?: unknown } };

describe('BAN client', () => {
  test('/search/: the best match, or null when none', async () => {
    assert.deepEqual(await geocoder().search('1, Rue de la PAIX 34000 montpellier'), {
      lon: 3.8767,
      lat: 43.6108,
      score: 0.93,
      label: PAIX.label,
    });
    assert.equal(await geocoder().search('99 avenue Nulle Part 00000 Ailleurs'), null);
  });

  test('/search/csv/: one request, one answer per address, in order', async () => {
    const results = await geocoder().searchMany(['inconnue, "citée" 12000 Rodez', PAIX.query, VAGUE.query]);
    assert.deepEqual(
      results.map((r) => r?.score ?? null),
      [null, 0.93, 0.41],
    );
    assert.equal(world.sandbox.count('POST /search/csv/'), 1);
  });

  test('429 with Retry-After then 5xx are retried', async () => {
    world.sandbox.faults.add([
      { route: 'GET /search/', fault: '429', times: 1, retryAfterSeconds: 0 },
      { route: 'GET /search/', fault: '503', times: 1 },
    ]);
    assert.equal((await geocoder().search(PAIX.query))?.score, 0.93);
    assert.equal(world.sandbox.count('GET /search/'), 3);
  });

  test('a geocoder that keeps failing is an UpstreamError of the geocoder', async () => {
    world.sandbox.faults.add([{ route: 'POST /search/csv/', fault: '500' }]);
    await assert.rejects(
      geocoder().searchMany([PAIX.query]),
      (e: unknown) => e instanceof UpstreamError && e.system === 'geocoder' && /HTTP 500/.test(e.message),
    );
  });
});

describe('geocoded chantiers', () => {
  test('a point is sent at a good score only; otherwise a warning names the chantier and its address', async () => {
    batigest.chantiers = [
      chantier('CH001'),
      chantier('CH002', { adrChantier: 'Lieu-dit Les Vignes' }),
      chantier('CH003', { adrChantier: '2 impasse Inconnue' }),
      chantier('CH004', { adrChantier: 'Sur le chantier', cpChantier: null, villeChantier: null }),
    ];
    const report = await push();
    assert.equal(report.counts.created, 4);
    assert.deepEqual(project('CH001').address?.geoPoint, { xLon: 3.8767, yLat: 43.6108 });
    for (const code of ['CH002', 'CH003', 'CH004']) assert.equal(project(code).address?.geoPoint, undefined, code);
    const warning = (code: string) => report.warnings?.find((w) => w.key === code);
    assert.match(
      warning('CH002')!.message,
      /CH002 : adresse « Lieu-dit Les Vignes 34000 Montpellier » trop incertaine \(« Montpellier », score 0\.41 < 0\.6\)/,
    );
    assert.equal(warning('CH003')?.code, 'ADRESSE_INTROUVABLE');
    assert.equal(warning('CH004')?.code, 'ADRESSE_ABSENTE');
    const { rows } = await world.db.query<{ address_key: string; score: number | null; label: string | null }>(
      'SELECT address_key, score, label FROM geocode_cache ORDER BY address_key',
    );
    assert.deepEqual(
      rows.find((r) => r.address_key === addressKey(PAIX.query)),
      { address_key: addressKey(PAIX.query), score: 0.93, label: PAIX.label },
    );
    assert.equal(rows.length, 3, 'no-match answers are cached too');
  });

  test('GEOCODE_MIN_SCORE moves the threshold', async () => {
    await services?.close();
    services = new Services(
      { ...world.env, GEOCODE_ENABLED: 'true', GEOCODE_URL: world.sandbox.url, GEOCODE_MIN_SCORE: '0.4' },
      { staging: world.db, batigest },
    );
    batigest.chantiers = [chantier('CH010', { adrChantier: 'Lieu-dit Les Vignes' })];
    await push();
    assert.deepEqual(project('CH010').address?.geoPoint, { xLon: 3.87, yLat: 43.61 });
  });

  test('an unchanged address is never geocoded again; a changed one is', async () => {
    batigest.chantiers = [chantier('CH020')];
    await push();
    assert.equal(world.sandbox.geocoder.asked.length, 1);
    batigest.chantiers = [chantier('CH020', { nomClient: 'Autre client' })];
    await push();
    assert.equal(world.sandbox.geocoder.asked.length, 1, 'same address: from the cache');
    batigest.chantiers = [chantier('CH020', { adrChantier: 'Lieu-dit Les Vignes' })];
    await push();
    assert.equal(world.sandbox.geocoder.asked.length, 2);
    assert.equal(project('CH020').address?.geoPoint, undefined, 'the old point goes with the old address');
  });

  test('many addresses go in one CSV request, each distinct address once', async () => {
    batigest.chantiers = Array.from({ length: 6 }, (_, i) => chantier(`CH10${i}`, { adrChantier: `${i + 1} rue de la Paix` }));
    batigest.chantiers.push(chantier('CH110'));
    await push();
    assert.equal(world.sandbox.count('POST /search/csv/'), 1);
    assert.equal(world.sandbox.count('GET /search/'), 0);
    assert.equal(world.sandbox.geocoder.asked.length, 6, 'CH100 and CH110 share « 1 rue de la Paix »');
    assert.deepEqual(project('CH110').address?.geoPoint, { xLon: 3.8767, yLat: 43.6108 });
  });

  test('a geocoder down costs the points, not the chantiers; nothing cached, tried again next time', async () => {
    world.sandbox.faults.add([{ route: 'GET /search/', fault: '503', times: 4 }]);
    batigest.chantiers = [chantier('CH030')];
    const report = await push();
    assert.equal(report.counts.created, 1);
    assert.equal(report.warnings?.[0]?.code, 'GEOCODEUR_INDISPONIBLE');
    assert.equal((await world.db.query('SELECT 1 FROM geocode_cache')).rows.length, 0);
    batigest.chantiers = [chantier('CH030', { nomClient: 'Relance' })];
    await push();
    assert.deepEqual(project('CH030').address?.geoPoint, { xLon: 3.8767, yLat: 43.6108 });
  });

  test('off by default: no geocoder call, no point', async () => {
    await services?.close();
    services = new Services({ ...world.env, GEOCODE_URL: world.sandbox.url }, { staging: world.db, batigest });
    batigest.chantiers = [chantier('CH040')];
    await push();
    assert.equal(world.sandbox.geocoder.asked.length, 0);
    assert.equal(project('CH040').address?.geoPoint, undefined);
  });

  test('a dry run geocodes but caches nothing', async () => {
    batigest.chantiers = [chantier('CH050')];
    await push(true);
    assert.equal((await world.db.query('SELECT 1 FROM geocode_cache')).rows.length, 0);
  });
});

test('a sandbox seed carries the addresses its geocoder knows; reset reloads them', async () => {
  const { Sandbox } = await import('../../../src/sandbox/server.js');
  const own = new Sandbox({ seed: { addresses: [PAIX] } });
  await own.start();
  try {
    const ban = new BanGeocoder({ baseUrl: own.url, timeoutMs: 2_000 });
    assert.equal((await ban.search(PAIX.query))?.label, PAIX.label);
    await fetch(`${own.url}/__admin/reset`, { method: 'POST', body: JSON.stringify({ addresses: [VAGUE] }) });
    assert.equal(await ban.search(PAIX.query), null);
    assert.equal((await ban.search(VAGUE.query))?.score, 0.41);
  } finally {
    await own.stop();
  }
});
