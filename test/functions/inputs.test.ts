/** Bad input on the HTTP routes is refused with 400/413 before anything runs, and a connection test writes nothing. */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import { Services } from '../../src/lib/services.js';
import { handlersFor, type TestHandlers } from '../support/handlers.js';
import { useWorld } from '../support/fixture.js';
import { freshDatabase } from '../support/pg.js';

const { HttpRequest, InvocationContext } = functions;

let h: TestHandlers;

const world = useWorld({ stagingInEnv: true });
beforeEach(() => void (h = handlersFor(new Services(world.env))));

const post = (route: string, text?: string, headers: Record<string, string> = {}) =>
  new HttpRequest({
    method: 'POST',
    url: `http://localhost/api/${route}`,
    headers,
    body: text === undefined ? undefined : { string: text },
  });
const context = () => new InvocationContext({ invocationId: 'test', functionName: 'test' });
const runs = async () => (await world.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connecteur_runs')).rows[0]!.n;
const message = (res: HttpResponseInit) => String((res.jsonBody as { message?: string }).message);

test('a 20 MB body: 413, nothing run', async () => {
  const big = JSON.stringify({ dryRun: true, padding: 'x'.repeat(20 * 1024 * 1024) });
  const res = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply', big), context());
  assert.equal(res.status, 413);
  assert.match(message(res), /trop volumineux/);
  assert.equal(await runs(), 0);
});

test('a body larger than announced by no header: still 413', async () => {
  const big = JSON.stringify({ padding: 'x'.repeat(200 * 1024) });
  const res = await h.connectHandler('postgres')(post('connect-postgres', big));
  assert.equal(res.status, 413);
});

for (const route of ['transfer-batisimply?dryRun=true', 'transfer-batisimply?dryRun=false', 'transfer-batisimply']) {
  test(`a malformed body with ${route}: 400, nothing run`, async () => {
    const res = await h.jobHandler('transfer-batisimply')(post(route, '{"dryRun": tru'), context());
    assert.equal(res.status, 400);
    assert.equal(await runs(), 0);
  });
}

test('a body dryRun that is not a boolean is refused even when the query says dryRun', async () => {
  const res = await h.jobHandler('transfer-batisimply')(post('transfer-batisimply?dryRun=true', '{"dryRun": "oui"}'), context());
  assert.equal(res.status, 400);
});

test('connect-batisimply with an invalid grantType: 400 naming the field', async () => {
  const res = await h.connectHandler('batisimply')(post('connect-batisimply', JSON.stringify({ grantType: 'implicit' })));
  assert.equal(res.status, 400);
  assert.match(message(res), /grantType/);
});

test('connect-sqlserver with a non-numeric port: 400 naming the field', async () => {
  const res = await h.connectHandler('sqlserver')(post('connect-sqlserver', JSON.stringify({ server: 'sql.example', port: '14x3' })));
  assert.equal(res.status, 400);
  assert.match(message(res), /port/);
});

test('connect-sqlserver with a port given as an object: 400', async () => {
  const res = await h.connectHandler('sqlserver')(post('connect-sqlserver', JSON.stringify({ port: { n: 1 } })));
  assert.equal(res.status, 400);
});

test('connect-postgres on a reachable empty database: ok, and the database stays empty', async () => {
  const empty = await freshDatabase({ migrate: false });
  try {
    const res = await h.connectHandler('postgres')(post('connect-postgres', JSON.stringify({ url: empty.url })));
    assert.equal(res.status, 200, JSON.stringify(res.jsonBody));
    const { rows } = await empty.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`,
    );
    assert.equal(rows[0]!.n, 0);
  } finally {
    await empty.drop();
  }
});
