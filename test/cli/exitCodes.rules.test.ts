/**
 * The exit-code rule in process, case by case (exitCodes.test.ts runs the built CLI in a child
 * process, where a mutation tool sees nothing): 0 done, 1 records failed or held, 2 a setting to
 * change, 3 could not run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXIT, exitForChecks, exitForError, exitForReport } from '../../src/cli/exitCodes.js';
import { ConfigurationError, ConflictError, UpstreamError } from '../../src/lib/errors.js';
import type { CheckResult } from '../../src/lib/ops/checks.js';
import { emptyCounts, type Counts, type RunReport, type RunStatus } from '../../src/lib/domain/runs.js';

const step = (status: RunStatus, counts: Partial<Counts> = {}, codes: string[] = []): RunReport => ({
  job: 'chantiers',
  runId: 'r',
  status,
  dryRun: false,
  startedAt: '2026-03-02T08:00:00Z',
  finishedAt: '2026-03-02T08:00:01Z',
  counts: { ...emptyCounts(), ...counts },
  errors: codes.map((code) => ({ code, message: code }) as RunReport['errors'][number]),
});
const check = (ok: boolean, step: CheckResult['step'], code?: string): CheckResult => ({
  system: 'postgres',
  ok,
  step,
  message: 'm',
  durationMs: 1,
  ...(code ? { code } : {}),
});

describe('exit codes, in process', () => {
  test('the five codes (130: stopped by Ctrl-C or SIGTERM)', () => {
    assert.deepEqual(EXIT, { ok: 0, partial: 1, usage: 2, unavailable: 3, stopped: 130 });
  });

  test('an error: a setting is 2, an outside system or a busy job 3, anything else 1', () => {
    assert.equal(exitForError(new ConfigurationError('x', { code: 'CONFIG_INVALID' })), 2);
    assert.equal(exitForError(new UpstreamError('batisimply', 'x', { code: 'BATISIMPLY_UNREACHABLE' })), 3);
    assert.equal(exitForError(new ConflictError('x', null)), 3);
    // A configuration error is 2 whatever its code (a body too large is an HTTP code, not a setting's).
    assert.equal(exitForError(new ConfigurationError('x', { code: 'BODY_TOO_LARGE' })), 2);
    assert.equal(exitForError(new Error('x')), 1);
    assert.equal(exitForError(undefined), 1);
    // Credentials refused by an outside system: someone must change a setting.
    assert.equal(exitForError(new UpstreamError('batisimply', 'x', { code: 'BATISIMPLY_LOGIN_FAILED' })), 2);
    for (const driver of ['28P01', '28000', 'ELOGIN'])
      assert.equal(exitForError(new UpstreamError('staging', 'x', { cause: { code: driver } })), 2, driver);
    assert.equal(exitForError(new UpstreamError('staging', 'x', { cause: { code: 'x28P01' } })), 3);
    assert.equal(exitForError(new UpstreamError('staging', 'x', { cause: { code: '28P01x' } })), 3);
  });

  test('a refusal is found down the chain of causes, up to six deep, and only from text codes', () => {
    const nested = (depth: number) => {
      let e: Record<string, unknown> = { code: '28P01' };
      for (let i = 1; i < depth; i++) e = { cause: e };
      return e;
    };
    assert.equal(exitForError(nested(6)), 2);
    assert.equal(exitForError(nested(7)), 1);
    assert.equal(exitForError({ code: 28000 }), 1);
  });

  test('a report: done, records failed, or nothing went through for a refused or unreachable system', () => {
    assert.equal(exitForReport(step('succeeded'), undefined), 0);
    assert.equal(exitForReport(step('skipped'), undefined), 0);
    assert.equal(exitForReport(step('partial', { created: 1, failed: 1 }, ['CHANTIER_INVALIDE']), undefined), 1);
    assert.equal(exitForReport(step('failed', {}, ['BATISIMPLY_LOGIN_FAILED']), undefined), 2);
    assert.equal(exitForReport(step('failed', {}, ['BATISIMPLY_UNREACHABLE', 'BATISIMPLY_LOGIN_FAILED']), undefined), 3);
    assert.equal(exitForReport(step('failed', {}, ['STAGING_LOCKED', 'JOB_RUNNING']), undefined), 3);
    assert.equal(exitForReport(step('failed', {}, ['BATISIMPLY_UNREACHABLE', 'CHANTIER_INVALIDE']), undefined), 1);
    assert.equal(exitForReport(step('failed', {}, ['JOB_RUNNING_X']), undefined), 1);
    assert.equal(exitForReport(step('failed', {}, ['STAGING_LOCKED_OUT']), undefined), 1);
    assert.equal(exitForReport(step('failed', {}, ['NOT_JOB_RUNNING']), undefined), 1);
    // Any record through, in any pair of counts: the sum says the system answered.
    for (const pair of [
      { created: 1, updated: 1 },
      { updated: 1, deleted: 1 },
      { deleted: 1, unchanged: 1 },
    ])
      assert.equal(exitForReport(step('failed', pair, ['BATISIMPLY_UNREACHABLE']), undefined), 1, JSON.stringify(pair));
    assert.equal(exitForReport(step('failed', {}, []), undefined), 1);
    // Some records went through, or were held: the system answered, so records failed.
    for (const went of ['created', 'updated', 'deleted', 'unchanged', 'held'] as const)
      assert.equal(exitForReport(step('failed', { [went]: 1 }, ['BATISIMPLY_UNREACHABLE']), undefined), 1, went);
    // A fatal error decides alone.
    assert.equal(exitForReport(step('succeeded'), new ConfigurationError('x')), 2);
  });

  test('a chain: the most urgent step wins, setting before unreachable before records', () => {
    const chain = (...steps: RunReport[]) => ({ job: 'all', runId: 'c', status: 'failed' as const, dryRun: false, steps });
    const ok = step('succeeded');
    const records = step('partial', { created: 1 }, ['CHANTIER_INVALIDE']);
    const down = step('failed', {}, ['BATIGEST_UNREACHABLE']);
    const refused = step('failed', {}, ['BATIGEST_LOGIN_FAILED']);
    assert.equal(exitForReport(chain(ok, ok), undefined), 0);
    assert.equal(exitForReport(chain(ok, records), undefined), 1);
    assert.equal(exitForReport(chain(records, down, ok), undefined), 3);
    assert.equal(exitForReport(chain(down, refused, records), undefined), 2);
    assert.equal(exitForReport(chain(), undefined), 0);
  });

  test('checks: a setting or a login is 2, anything unreachable 3, all passed 0', () => {
    assert.equal(exitForChecks([check(true, 'ok'), check(true, 'ok')]), 0);
    assert.equal(exitForChecks([]), 0);
    assert.equal(exitForChecks([check(true, 'ok'), check(false, 'tcp')]), 3);
    assert.equal(exitForChecks([check(false, 'configuration')]), 2);
    assert.equal(exitForChecks([check(false, 'login')]), 2);
    assert.equal(exitForChecks([check(false, 'database', 'STAGING_DATABASE_MISSING')]), 2);
    assert.equal(exitForChecks([check(false, 'database', 'STAGING_ERROR')]), 3);
    assert.equal(exitForChecks([check(false, 'tcp'), check(false, 'login')]), 2);
  });
});
