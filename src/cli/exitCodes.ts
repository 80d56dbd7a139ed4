/**
 * The CLI's one rule for exit codes, the same for every command:
 *   0 done, nothing failed;
 *   1 ran, with failed or held records;
 *   2 usage or configuration error, credentials refused by an outside system included
 *     (someone must change a setting);
 *   3 could not run: the job or the staging is held by another process, or an outside system
 *     is unreachable (trying again later may work);
 *   130 `run` stopped by Ctrl+C or SIGTERM: the run was recorded interrupted (« arrêt demandé »).
 */
import { ConfigurationError, ConflictError, UpstreamError } from '../lib/errors.js';
import type { CheckResult } from '../lib/ops/checks.js';
import { codeEntry } from '../lib/domain/codes.js';
import { isChainReport, type AnyReport, type RunReport } from '../lib/domain/runs.js';

export const EXIT = { ok: 0, partial: 1, usage: 2, unavailable: 3, stopped: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The drivers' codes saying a password or user was refused (ours are in domain/codes.ts). */
const DRIVER_REFUSED = /^(28P01|28000|ELOGIN)$/;

/** Someone must change a setting: a code of the `réglage` family, or a driver's refusal. */
const REFUSED = { test: (code: string) => DRIVER_REFUSED.test(code) || codeEntry(code)?.family === 'réglage' };
/** Codes saying an outside system could not be reached or the work is held elsewhere (not one that answered wrongly). */
const UNREACHABLE = /_(UNREACHABLE|LOCKED)$|^JOB_RUNNING$/;

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export function exitForError(error: unknown): ExitCode {
  if (error instanceof ConfigurationError) return EXIT.usage;
  if (codesOf(error).some((c) => REFUSED.test(c))) return EXIT.usage;
  if (error instanceof UpstreamError || error instanceof ConflictError) return EXIT.unavailable;
  return EXIT.partial;
}

/**
 * A step where no record went through and every failure says the same outside cause did not run
 * at all: BatiSimply down during a push is "could not run" (3), as it is for recup-heures.
 */
function stepExit(r: RunReport): ExitCode {
  if (r.status === 'succeeded' || r.status === 'skipped') return EXIT.ok;
  const c = r.counts;
  const wentThrough = c.created + c.updated + c.deleted + c.unchanged;
  const codes = r.errors.map((e) => e.code);
  if (wentThrough === 0 && c.held === 0 && codes.length > 0) {
    if (codes.every((code) => REFUSED.test(code))) return EXIT.usage;
    if (codes.every((code) => UNREACHABLE.test(code) || REFUSED.test(code))) return EXIT.unavailable;
  }
  return EXIT.partial;
}

/** The most urgent code wins: configuration (2) before unreachable (3) before records (1). */
function worst(codes: ExitCode[]): ExitCode {
  for (const c of [EXIT.usage, EXIT.unavailable, EXIT.partial] as const) if (codes.includes(c)) return c;
  return EXIT.ok;
}

export function exitForReport(report: AnyReport, fatal: unknown): ExitCode {
  if (fatal) return exitForError(fatal);
  const steps = isChainReport(report) ? report.steps : [report];
  return worst(steps.map(stepExit));
}

/** A check that failed for a setting (a missing database included) is 2, one that could not reach its system 3. */
export function exitForChecks(results: readonly CheckResult[]): ExitCode {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return EXIT.ok;
  const forSettings = (r: CheckResult) =>
    r.step === 'configuration' || r.step === 'login' || (r.code !== undefined && REFUSED.test(r.code));
  return worst(failed.map((r) => (forSettings(r) ? EXIT.usage : EXIT.unavailable)));
}
