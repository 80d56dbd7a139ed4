/**
 * Pins the masking and shape of log lines through the logger's public face (registerSecret,
 * createLogger, the sinks). Each test registers its own values: the set of secrets is per process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, jsonLinesSink, redact, registerSecret, type Fields, type Level } from '../../src/lib/log.js';

function capture() {
  const lines: { level: Level; message: string; fields: Fields }[] = [];
  return { lines, log: createLogger((level, message, fields) => lines.push({ level, message, fields })) };
}

test('a registered secret is masked in the message, in the fields, nested ones included, and in a child logger', () => {
  registerSecret('Tr0ub4dor-77');
  const { lines, log } = capture();
  log.child({ conn: 'user:Tr0ub4dor-77' }).warn('échec avec Tr0ub4dor-77 puis Tr0ub4dor-77', { detail: { inner: ['x Tr0ub4dor-77 y'] } });
  assert.deepEqual(lines, [
    { level: 'warn', message: 'échec avec *** puis ***', fields: { conn: 'user:***', detail: { inner: ['x *** y'] } } },
  ]);
});

test('a value of 4 characters is masked; one of 3 is too common to be a secret', () => {
  registerSecret('Zq8%');
  registerSecret('Kw9');
  assert.equal(redact('a Zq8% b Kw9 c'), 'a *** b Kw9 c');
});

test('nothing registered for an empty or missing value', () => {
  registerSecret('');
  registerSecret(undefined);
  assert.equal(redact('rien à cacher'), 'rien à cacher');
});

test('a URL secret: the URL and its password alone are masked, the password decoded from %-encoding', () => {
  registerSecret('postgresql://connecteur:S3cr%40t-pg-91@db.example:5432/staging');
  assert.equal(redact('url postgresql://connecteur:S3cr%40t-pg-91@db.example:5432/staging'), 'url ***');
  assert.equal(redact('mot de passe S3cr@t-pg-91 refusé'), 'mot de passe *** refusé');
  assert.equal(redact('utilisateur connecteur sur db.example'), 'utilisateur connecteur sur db.example');
});

test('a URL whose password is shorter than 4 characters: the URL is masked, not the short password', () => {
  registerSecret('postgresql://u:p7@short.example/db');
  assert.equal(redact('postgresql://u:p7@short.example/db et p7'), '*** et p7');
});

test('a URL without password and a malformed URL are registered whole, without failing', () => {
  registerSecret('https://nopass.example/path-91');
  registerSecret('http://[not-a-host-73');
  assert.equal(redact('a https://nopass.example/path-91 b http://[not-a-host-73 c'), 'a *** b *** c');
});

test('each level reaches the sink as itself; call fields override the logger fields', () => {
  const { lines, log } = capture();
  const child = log.child({ job: 'transfer', runId: 'r1' });
  child.debug('d');
  child.info('i', { runId: 'r2' });
  child.warn('w');
  child.error('e', { code: 'X' });
  log.info('sans champs');
  assert.deepEqual(lines, [
    { level: 'debug', message: 'd', fields: { job: 'transfer', runId: 'r1' } },
    { level: 'info', message: 'i', fields: { job: 'transfer', runId: 'r2' } },
    { level: 'warn', message: 'w', fields: { job: 'transfer', runId: 'r1' } },
    { level: 'error', message: 'e', fields: { job: 'transfer', runId: 'r1', code: 'X' } },
    { level: 'info', message: 'sans champs', fields: {} },
  ]);
});

test('the JSON-lines sink prints one JSON object per line on stderr: time, level, message, fields', () => {
  const written: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string) => (written.push(chunk), true)) as typeof process.stderr.write;
  try {
    jsonLinesSink('info', 'Fin du job', { job: 'transfer', created: 2 });
  } finally {
    process.stderr.write = original;
  }
  assert.equal(written.length, 1);
  assert.ok(written[0]!.endsWith('}\n'));
  const line = JSON.parse(written[0]!) as Record<string, unknown>;
  assert.match(String(line.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.deepEqual({ ...line, time: undefined }, { time: undefined, level: 'info', message: 'Fin du job', job: 'transfer', created: 2 });
});
