/**
 * The answers of the HTTP triggers, from the error to the status and body, without a trigger: what
 * an operator's browser or script reads, and what must never reach it (an internal error's text).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import functions from '@azure/functions';
import {
  answerMessage,
  contextLogger,
  errorResponse,
  httpStatusFor,
  json,
  MAX_BODY_BYTES,
  readAllowMassDelete,
  readDryRun,
  readJsonBody,
} from '../../../src/functions/handlers/http.js';
import { ConfigurationError, ConflictError, InternalError, RecordError, toConnectorError, UpstreamError } from '../../../src/lib/errors.js';

const { HttpRequest, InvocationContext } = functions;
const INTERNAL = 'Erreur interne du connecteur : consultez les journaux.';
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

test('an unexpected error: 500, code INTERNAL, the fixed French message, nothing of its own text', () => {
  const answer = errorResponse(new TypeError('Cannot read properties of undefined (pool 10.0.0.4)'));
  assert.deepEqual(answer, { status: 500, jsonBody: { code: 'INTERNAL', message: INTERNAL }, headers: JSON_HEADERS });
  assert.doesNotMatch(JSON.stringify(answer), /Cannot read|10\.0\.0\.4/);
});

test('a thrown string: 500 with the fixed message', () => {
  assert.deepEqual(errorResponse('plain failure text').jsonBody, { code: 'INTERNAL', message: INTERNAL });
});

test('an internal kind with a message of its own (InternalError, RecordError): 500, the message stays in the logs', () => {
  for (const error of [
    new InternalError('détail interne : requête 42'),
    new RecordError('CHANTIER_INVALIDE', 'détail de l’enregistrement 7'),
  ]) {
    const answer = errorResponse(error);
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.jsonBody, { code: error.code, message: INTERNAL });
    assert.equal(answerMessage(error), INTERNAL);
  }
});

test('answerMessage of an unexpected error turned into a ConnectorError: the fixed message', () => {
  const e = toConnectorError(new Error('ECONNRESET at staging'));
  assert.equal(httpStatusFor(e), 500);
  assert.equal(answerMessage(e), INTERNAL);
});

test('an operator error: 400 with its own French message', () => {
  const e = new ConfigurationError('Paramètre dryRun invalide : « peut-être » (true ou false attendu).', { code: 'BAD_INPUT' });
  assert.deepEqual(errorResponse(e), { status: 400, jsonBody: { code: 'BAD_INPUT', message: e.message }, headers: JSON_HEADERS });
});

test('a body refused for its size: 413', () => {
  assert.equal(httpStatusFor(new ConfigurationError('Corps de requête trop volumineux.', { code: 'BODY_TOO_LARGE' })), 413);
});

test('an outside system down: 502 with its message and the system named', () => {
  const e = new UpstreamError('batisimply', 'BatiSimply injoignable (ETIMEDOUT).');
  assert.deepEqual(errorResponse(e), {
    status: 502,
    jsonBody: { code: 'BATISIMPLY_UNREACHABLE', message: e.message, system: 'batisimply' },
    headers: JSON_HEADERS,
  });
});

test('a job already running: 409 with its message and the running run', () => {
  const e = new ConflictError('Le job transfer est déjà en cours.', 'run-1');
  assert.deepEqual(errorResponse(e).jsonBody, { code: 'JOB_RUNNING', message: e.message, runningRunId: 'run-1' });
  assert.equal(errorResponse(e).status, 409);
});

describe('request inputs and logs of the HTTP triggers', () => {
  const request = (o: { query?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {}) =>
    new HttpRequest({
      method: 'POST',
      url: `http://localhost/api/jobs/chantiers${o.query ?? ''}`,
      ...(o.body !== undefined ? { body: typeof o.body === 'string' ? { string: o.body } : { bytes: o.body } } : {}),
      ...(o.headers ? { headers: o.headers } : {}),
    });
  const badInput = (message: string) => (e: unknown) => e instanceof ConfigurationError && e.code === 'BAD_INPUT' && e.message === message;
  const tooLarge = (e: unknown) =>
    e instanceof ConfigurationError && e.code === 'BODY_TOO_LARGE' && e.message === 'Corps de requête trop volumineux (plus de 64 Kio).';

  test('a JSON answer: its status, body and JSON content type', () => {
    assert.deepEqual(json(201, { a: 1 }), { status: 201, jsonBody: { a: 1 }, headers: JSON_HEADERS });
  });

  test('dryRun from the query (true, 1 or empty is true) or the body, the query first', async () => {
    for (const [query, expected] of [
      ['?dryRun=true', true],
      ['?dryRun=1', true],
      ['?dryRun', true],
      ['?dryRun=false', false],
      ['?dryRun=0', false],
    ] as const)
      assert.equal(await readDryRun(request({ query })), expected, query);
    assert.equal(await readDryRun(request()), false);
    assert.equal(await readDryRun(request({ body: '{"dryRun": true}' })), true);
    assert.equal(await readDryRun(request({ body: '{"dryRun": false}' })), false);
    assert.equal(await readDryRun(request({ query: '?dryRun=false', body: '{"dryRun": true}' })), false);
    await assert.rejects(
      readDryRun(request({ query: '?dryRun=oui' })),
      badInput('Paramètre dryRun invalide : « oui » (true ou false attendu).'),
    );
    await assert.rejects(readDryRun(request({ body: '{"dryRun": "true"}' })), badInput('Champ dryRun invalide : booléen attendu.'));
    // The body is checked even when the query decides.
    await assert.rejects(readDryRun(request({ query: '?dryRun=true', body: '[' })), badInput('Corps de requête JSON illisible.'));
  });

  test('allowMassDelete from the query only', () => {
    const allow = (query: string) => readAllowMassDelete(request({ query }));
    assert.equal(allow(''), false);
    assert.equal(allow('?allowMassDelete=true'), true);
    assert.equal(allow('?allowMassDelete=1'), true);
    assert.equal(allow('?allowMassDelete'), true);
    assert.equal(allow('?allowMassDelete=false'), false);
    assert.equal(allow('?allowMassDelete=0'), false);
    assert.throws(() => allow('?allowMassDelete=yes'), badInput('Paramètre allowMassDelete invalide : « yes » (true ou false attendu).'));
  });

  test('a JSON body: an object, none, or a French refusal', async () => {
    assert.deepEqual(await readJsonBody(request()), {});
    assert.deepEqual(await readJsonBody(request({ body: '  \n' })), {});
    assert.deepEqual(await readJsonBody(request({ body: '{"a": [1]}' })), { a: [1] });
    await assert.rejects(readJsonBody(request({ body: '{a' })), badInput('Corps de requête JSON illisible.'));
    for (const body of ['[1]', 'null', '3', '"x"'])
      await assert.rejects(readJsonBody(request({ body })), badInput('Corps de requête : objet JSON attendu.'), body);
  });

  test('a body over 64 KiB is refused, whether its length is declared or it is streamed; 64 KiB exactly passes', async () => {
    assert.equal(MAX_BODY_BYTES, 65_536);
    const exactly = `{"a":"${'x'.repeat(MAX_BODY_BYTES - 8)}"}`;
    assert.equal(Buffer.byteLength(exactly), MAX_BODY_BYTES);
    assert.equal(((await readJsonBody(request({ body: exactly }))).a as string).length, MAX_BODY_BYTES - 8);
    const over = `{"a":"${'x'.repeat(MAX_BODY_BYTES - 7)}"}`;
    await assert.rejects(readJsonBody(request({ body: over })), tooLarge);
    // Declared too large: refused before a byte is read.
    await assert.rejects(readJsonBody(request({ body: '{}', headers: { 'content-length': String(MAX_BODY_BYTES + 1) } })), tooLarge);
    assert.deepEqual(await readJsonBody(request({ body: '{}', headers: { 'content-length': String(MAX_BODY_BYTES) } })), {});
    // Streamed in many chunks: the sum counts.
    const chunks = new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20);
    await assert.rejects(readJsonBody(request({ body: chunks })), tooLarge);
    assert.equal(httpStatusFor(new ConfigurationError('x', { code: 'BODY_TOO_LARGE' })), 413);
  });

  test('log lines go to the invocation, by level, with its id and the fields; or to the sink given', () => {
    const lines: string[] = [];
    const context = new InvocationContext({
      invocationId: 'inv-1',
      functionName: 'jobs',
      logHandler: (level, ...args) => lines.push(`${level} ${args.map(String).join(' ')}`),
    });
    const log = contextLogger(context, { job: 'chantiers' });
    log.error('e');
    log.warn('w');
    log.info('i');
    log.debug('d');
    assert.deepEqual(lines, [
      'error e {"invocationId":"inv-1","job":"chantiers"}',
      'warning w {"invocationId":"inv-1","job":"chantiers"}',
      'information i {"invocationId":"inv-1","job":"chantiers"}',
      'information d {"invocationId":"inv-1","job":"chantiers"}',
    ]);
    const own: string[] = [];
    contextLogger(context, { job: 'x' }, (level, message, fields) => own.push(`${level} ${message} ${JSON.stringify(fields)}`)).warn(
      'à moi',
    );
    assert.deepEqual(own, ['warn à moi {"job":"x"}']);
    assert.equal(lines.length, 4);
    const bare: string[] = [];
    contextLogger(new InvocationContext({ invocationId: 'inv-2', logHandler: (_l, ...a) => bare.push(a.map(String).join(' ')) })).info('i');
    assert.deepEqual(bare, ['i {"invocationId":"inv-2"}']);
  });
});
