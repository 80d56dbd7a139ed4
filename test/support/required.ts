/**
 * Tests that need something from outside the repository (a SQL Server, Chromium, script(1)) skip
 * without it and say so. Where that thing is provided on purpose (the GitHub workflow, .ci/run),
 * REQUIRE_<NAME>=1 turns the skip into a failing test: a broken install or a misspelt setting
 * cannot pass as a skip there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

export type Requirement = 'SQLSERVER' | 'CHROMIUM' | 'SCRIPT' | 'SEA';

/** Whether REQUIRE_<NAME> asks for it: any value but empty, 0 or false, so `true` is not silently ignored. */
export function isRequired(name: Requirement, env: Record<string, string | undefined> = process.env): boolean {
  const value = env[`REQUIRE_${name}`]?.trim().toLowerCase();
  return value !== undefined && !['', '0', 'false'].includes(value);
}

/**
 * false when `available`; otherwise the skip reason for the tests that need it, printed loudly, and
 * where REQUIRE_<NAME> is set, one failing test that names what is missing (the tests that need it
 * are still skipped, as their own failures would only be noise).
 */
export function skipUnless(name: Requirement, available: boolean, missing: string): string | false {
  if (available) return false;
  const reason = `SKIPPED — ${missing}`;
  const variable = `REQUIRE_${name}`;
  if (isRequired(name)) {
    test(`${variable} is set: ${missing}`, () => {
      assert.fail(`${missing}, but ${variable}=${process.env[variable]} says it is provided here: the tests that need it cannot run.`);
    });
  } else {
    process.stdout.write(`\n${'!'.repeat(100)}\n!! ${reason} (${variable}=1 makes this an error)\n${'!'.repeat(100)}\n\n`);
  }
  return reason;
}
