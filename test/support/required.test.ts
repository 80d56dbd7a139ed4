/**
 * A test that cannot run here skips with a printed reason; where REQUIRE_<NAME> says the thing it
 * needs is provided (the GitHub workflow, .ci/run), it fails instead. Checked on the real contract
 * suite in a child process, and over the sources: every skip in test/ goes through skipUnless.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { isRequired } from './required.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CONTRACT = path.resolve(HERE, '../batigest/contract.test.js');
const TEST_SOURCES = path.resolve(HERE, '../../../test');

/** Runs a built test file on its own, with only PATH and the given settings (no SQL Server URL, no runner context). */
function runAlone(file: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--test-reporter=spec', file], { env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr });
    });
  });
}

test('REQUIRE_SQLSERVER=1 without BATIGEST_TEST_SQL_URL: the contract suite fails, naming what is missing', async () => {
  const { code, output } = await runAlone(CONTRACT, { REQUIRE_SQLSERVER: '1' });
  assert.equal(code, 1, output);
  assert.match(output, /✖ REQUIRE_SQLSERVER is set: Batigest contract suite: no SQL Server, BATIGEST_TEST_SQL_URL is not set/);
  assert.match(output, /ℹ fail 1/);
});

test('without REQUIRE_SQLSERVER and without a SQL Server: the contract suite skips, loudly, and passes', async () => {
  const { code, output } = await runAlone(CONTRACT, {});
  assert.equal(code, 0, output);
  assert.match(output, /!! SKIPPED — Batigest contract suite: no SQL Server, .*\(REQUIRE_SQLSERVER=1 makes this an error\)/);
  assert.match(output, /ℹ fail 0/);
});

test('REQUIRE_<NAME>: 1, true, yes require; unset, empty, 0, false do not', () => {
  const required = (value: string | undefined) => isRequired('CHROMIUM', { REQUIRE_CHROMIUM: value });
  assert.deepEqual(['1', 'true', 'TRUE', 'yes', undefined, '', ' ', '0', 'false'].map(required), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
    false,
  ]);
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

test('every skip in test/ is a constant from skipUnless: none can be silent where its need is provided', () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(TEST_SOURCES)) {
    const text = readFileSync(file, 'utf8');
    const where = path.relative(TEST_SOURCES, file);
    for (const m of text.matchAll(/\.(skip|todo)[ \t]*\(|\b(skip|todo)[ \t]*:[ \t]*([^,}\n]*)/g)) {
      const name = m[3]?.trim();
      const fromSkipUnless = name !== undefined && /^[A-Z_]+$/.test(name) && new RegExp(`const ${name} = skipUnless\\(`).test(text);
      if (!fromSkipUnless) offenders.push(`${where}: ${m[0]}`);
    }
  }
  assert.deepEqual(offenders, []);
});
