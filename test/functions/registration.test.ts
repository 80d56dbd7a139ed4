/**
 * What the Functions host would receive: the library is handed a fake `@azure/functions-core`
 * (the module the host provides), so every `app.http` / `app.timer` call really registers, and
 * each registered function's bindings are checked — an HTTP route without a function key fails here.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { before, test } from 'node:test';
import { installFakeFunctionsCore, type Registration } from '../support/functionsCore.js';
import { JOB_NAMES } from '../../src/lib/sync/registry.js';

interface Binding {
  type: string;
  direction: string;
  authLevel?: string;
  methods?: string[];
  route?: string;
  schedule?: string;
}
const registered: Registration<Binding>[] = [];

before(async () => {
  installFakeFunctionsCore<Binding>((metadata) => registered.push(metadata));
  // Every entry file, as the host loads them (package.json `main`).
  const folder = new URL('../../src/functions/', import.meta.url);
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.js'))) await import(new URL(file, folder).href);
});

const triggers = () =>
  registered.map((f) => ({
    name: f.name,
    trigger: Object.values(f.bindings).find((b) => b.direction === 'in' && b.type.endsWith('Trigger'))!,
  }));

test('every registered HTTP function requires a function key', () => {
  const http = triggers().filter((f) => f.trigger.type === 'httpTrigger');
  assert.ok(http.length >= JOB_NAMES.length + 5);
  for (const f of http) assert.equal(f.trigger.authLevel, 'function', f.name);
});

test('one POST route per job, and the operator routes', () => {
  const routes = triggers()
    .filter((f) => f.trigger.type === 'httpTrigger')
    .map((f) => `${(f.trigger.methods ?? []).join(',')} ${f.trigger.route}`)
    .sort();
  assert.deepEqual(
    routes,
    [
      ...JOB_NAMES.map((j) => `POST ${j}`),
      'GET audit',
      'GET dashboard',
      'GET guide',
      'GET runs',
      'GET runs/{runId}',
      'GET status',
      'POST connect-batisimply',
      'POST connect-postgres',
      'POST connect-sqlserver',
      'POST chantiers/{code}/renvoyer',
      'POST heures/{id}/renvoyer',
    ].sort(),
  );
});

test('the two timers run on the schedule settings', () => {
  const timers = Object.fromEntries(
    triggers()
      .filter((f) => f.trigger.type === 'timerTrigger')
      .map((f) => [f.name, f.trigger.schedule]),
  );
  assert.deepEqual(timers, { chantiersTimer: '%CHANTIERS_SCHEDULE%', heuresTimer: '%HEURES_SCHEDULE%' });
});
