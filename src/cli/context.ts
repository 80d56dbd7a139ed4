/**
 * What every command of the CLI is given: the settings, each company's services, stdout and
 * stderr, and the one way an error ends a command (its line on stderr, and its exit code).
 */
import { loadSettings, parseSection, stagingSchema, type LoadedSettings, type StagingSettings } from '../lib/config.js';
import { CompanyDirectory } from '../lib/companyServices.js';
import { toConnectorError } from '../lib/errors.js';
import { redact } from '../lib/log.js';
import type { Services } from '../lib/services.js';
import { describeStaging } from '../lib/staging/describe.js';
import { EXIT, exitForError } from './exitCodes.js';
import { notice } from './output.js';

export interface FailOptions {
  /** --json: the error is also a JSON document on stdout, for scripts. */
  json?: boolean;
  /** The job a `run` was given: the JSON error is then a failed run report. */
  job?: string;
}

export interface CliContext {
  /** The environment over `local.settings.json`, read on first use. */
  settings(): LoadedSettings;
  /** The staging settings, which every company shares: validated once. */
  staging(): StagingSettings;
  /** Each company's services, opened on first use; closed when a command that used them ends. */
  directory(): CompanyDirectory;
  /** A result on stdout, one line. */
  out(text: string): void;
  /** Text on stderr, as it is. */
  err(text: string): void;
  /** The error line on stderr (and, with --json, the error on stdout); returns the exit code. */
  fail(error: unknown, options?: FailOptions): number;
  /** Sets what `main` returns once the command's action ends. */
  finish(code: number): void;
}

/** The error as scripts read it with --json: always a JSON document on stdout. */
function jsonError(error: unknown, job?: string): unknown {
  const e = toConnectorError(error);
  const message = redact(e.message);
  const now = new Date().toISOString();
  if (job)
    return {
      job,
      runId: null,
      status: 'failed',
      dryRun: false,
      startedAt: now,
      finishedAt: now,
      counts: null,
      errors: [{ key: job, code: e.code, message }],
    };
  return { status: 'failed', errors: [{ key: 'connecteur', code: e.code, message }] };
}

/** The context as `main` holds it: what the command finished with, and what to close after it. */
export interface CliSession extends CliContext {
  readonly code: number;
  close(): Promise<void>;
}

/** `given`: settings already loaded (tests); else the environment and `local.settings.json` of the current folder. */
export function createCliContext(given?: LoadedSettings): CliSession {
  let loaded = given;
  let staging: StagingSettings | undefined;
  let opened: CompanyDirectory | undefined;
  const out = (text: string) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const context = {
    code: EXIT.ok as number,
    settings: () => (loaded ??= loadSettings()),
    staging: () => (staging ??= parseSection(stagingSchema, context.settings().env, 'staging')),
    directory: () => (opened ??= new CompanyDirectory(context.settings().env, undefined, CLI_HOOKS)),
    out,
    err: (text: string) => void process.stderr.write(text),
    fail(error: unknown, options: FailOptions = {}) {
      if (options.json) out(JSON.stringify(jsonError(error, options.job), null, 2));
      const e = toConnectorError(error);
      notice('error', redact(e.message), { code: e.code });
      return exitForError(error);
    },
    finish: (code: number) => void (context.code = code),
    close: async () => opened?.close(),
  };
  return context;
}

/** The staging's schema was created or upgraded on opening: said once, on stderr (`migrate` reports it itself). */
export function noticeSchema(change: { from: number; to: number }) {
  const text =
    change.from === 0
      ? `Schéma de staging créé (version ${change.to}).`
      : `Schéma de staging mis à jour de la version ${change.from} à ${change.to}.`;
  notice('info', text, { event: 'staging.migrated', ...change });
}

/** What the CLI says of its services while they open: on stderr, once. */
export const CLI_HOOKS = {
  schemaChanged: noticeSchema,
  creatingEmbedded: () =>
    notice('info', 'Staging embarqué : création de la base locale… (premier démarrage, quelques secondes)', { event: 'staging.create' }),
};

/** Several companies configured: results name theirs. */
export const severalCompanies = (ctx: CliContext) => ctx.directory().companies().length > 1;

/** Which staging the command works on, once on stderr. */
function noticeStaging(ctx: CliContext) {
  notice('info', describeStaging(ctx.staging(), ctx.settings().env.KEY_VAULT_URL), { event: 'staging' });
}

/**
 * A command that needs the staging: says which one, then runs with the named company's services
 * (the only company's when there is one; several: --company required). Returns the exit code.
 */
export async function withServices(
  ctx: CliContext,
  options: FailOptions & { company?: string },
  fn: (services: Services) => Promise<number>,
): Promise<number> {
  try {
    noticeStaging(ctx);
    return await fn(ctx.directory().get(options.company));
  } catch (error) {
    return ctx.fail(error, options);
  }
}

/** Each company in turn (or the named one): the worst exit code wins. */
export async function forEachCompany(
  ctx: CliContext,
  options: FailOptions & { company?: string },
  fn: (services: Services, company: string) => Promise<number>,
): Promise<number> {
  try {
    noticeStaging(ctx);
    let worst: number = EXIT.ok;
    const leftover = ctx.directory().warning();
    if (leftover) ctx.err(`⚠ ${leftover}\n`);
    for (const entry of ctx.directory().select(options.company)) {
      let services: Services;
      try {
        services = entry.services;
      } catch (error) {
        // That company's settings are refused: said, and the others go on.
        worst = Math.max(worst, ctx.fail(error, options));
        continue;
      }
      worst = Math.max(worst, await fn(services, entry.company));
    }
    return worst;
  } catch (error) {
    return ctx.fail(error, options);
  }
}
