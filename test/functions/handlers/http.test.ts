/**
 * The answers of the HTTP triggers, from the error to the status and body, without a trigger: what
 * an operator's browser or script reads, and what must never reach it (an internal error's text).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerMessage, errorResponse, httpStatusFor } from '../../../src/functions/handlers/http.js';
import { ConfigurationError, ConflictError, InternalError, RecordError, toConnectorError, UpstreamError } from '../../../src/lib/errors.js';

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
