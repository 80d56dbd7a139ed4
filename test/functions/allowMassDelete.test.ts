/** `?allowMassDelete=true` on a job route confirms the deletions recup-heures held (issue 10, point 5). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import { Services } from '../../src/lib/services.js';
import { daysAgo, slot } from '../support/slots.js';
import { handlersFor, type TestHandlers } from '../support/handlers.js';
import { useWorld } from '../support/fixture.js';

const { HttpRequest, InvocationContext } = functions;

let h: TestHandlers;

const world = useWorld({ stagingInEnv: true });
world.setup(() => void (h = handlersFor(new Services(world.env))));

const call = (query = '') =>
  h.jobHandler('recup-heures')(
    new HttpRequest({ method: 'POST', url: `http://localhost/api/recup-heures${query}` }),
    new InvocationContext({ invocationId: 't', functionName: 't' }),
  );
const body = (res: HttpResponseInit) => res.jsonBody as { status: string; counts: { deleted: number; held: number } };

test('held without the parameter, done with ?allowMassDelete=true, 400 when malformed', async () => {
  world.sandbox.state.load({ timeSlots: Array.from({ length: 25 }, (_, i) => slot(i + 1, daysAgo(2, '08:00:00'), 30 + i)) });
  assert.equal(body(await call()).status, 'succeeded');
  world.sandbox.state.load({});
  const held = body(await call());
  assert.deepEqual([held.status, held.counts.held, held.counts.deleted], ['partial', 1, 0]);
  assert.equal((await call('?allowMassDelete=peut-etre')).status, 400);
  const confirmed = body(await call('?allowMassDelete=true'));
  assert.deepEqual([confirmed.status, confirmed.counts.deleted], ['succeeded', 25]);
});
