/**
 * `connecteur`: the CLI of the interface (commander, in French). Exit codes: see exitCodes.ts.
 * Settings: the environment, then `local.settings.json` of the current folder (as `func start`).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadSettings, settingSources, type LoadedSettings } from '../lib/config.js';
import { toConnectorError } from '../lib/errors.js';
import { createLogger, redact } from '../lib/log.js';
import { checkAll } from '../lib/ops/checks.js';
import { gatherStatus } from '../lib/ops/status.js';
import { Services } from '../lib/services.js';
import { describeStaging } from '../lib/staging/describe.js';
import { migrate } from '../lib/staging/migrate.js';
import { openStaging } from '../lib/staging/open.js';
import { isJobName, JOB_NAMES, type JobName } from '../lib/sync/jobs.js';
import { runJob } from '../lib/sync/runner.js';
import { EXIT, exitForChecks, exitForError, exitForReport } from './exitCodes.js';
import { frenchCommander } from './french.js';
import { formatReport, formatSources, formatStatus } from './format.js';
import { cliConsole, notice } from './output.js';
import { sandboxCommand } from './sandbox.js';
import { serveCommand } from './serveCommand.js';

export { EXIT } from './exitCodes.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const err = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

/** The error as scripts read it with --json: always a JSON document on stdout. */
function jsonError(error: unknown, job?: string): unknown {
  const e = toConnectorError(error);
  const message = redact(e.message);
  const now = new Date().toISOString();
  if (job) return { job, runId: null, status: 'failed', dryRun: false, startedAt: now, finishedAt: now, counts: null, errors: [{ key: job, code: e.code, message }] };
  return { status: 'failed', errors: [{ key: 'connecteur', code: e.code, message }] };
}

export async function main(argv: string[], given?: LoadedSettings): Promise<number> {
  let code: number = EXIT.ok;
  let loaded: LoadedSettings | undefined = given;
  const settings = () => (loaded ??= loadSettings());

  /** A command that needs the staging: says which one once on stderr, then runs with the services. */
  const withServices = async (options: { json?: boolean; job?: string }, fn: (s: Services) => Promise<number>) => {
    let services: Services | undefined;
    try {
      const env = settings().env;
      notice('info', describeStaging(env), { event: 'staging' });
      services = new Services(env);
      code = await fn(services);
    } catch (error) {
      if (options.json) out(JSON.stringify(jsonError(error, options.job), null, 2));
      notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
      code = exitForError(error);
    } finally {
      await services?.close();
    }
  };

  const program = frenchCommander(new Command('connecteur'), { out, err: (s) => process.stderr.write(s) })
    .description('Connecteur SAGES : Batigest ⇄ BatiSimply')
    .version(VERSION, '-V, --version', 'affiche la version')
    .exitOverride();

  program
    .command('migrate')
    .description('crée ou met à jour le schéma de staging')
    .action(async () => {
      try {
        const env = settings().env;
        notice('info', describeStaging(env), { event: 'staging' });
        const db = await openStaging(env);
        try {
          const result = await migrate(db);
          out(
            result.applied.length
              ? `Schéma de staging passé de la version ${result.from} à ${result.to} (appliqué : ${result.applied.join(', ')}).`
              : `Schéma de staging à la version ${result.to} (déjà à jour).`,
          );
        } finally {
          await db.close();
        }
      } catch (error) {
        notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
        code = exitForError(error);
      }
    });

  program
    .command('check')
    .description('teste chaque connexion configurée et dit d\'où vient chaque réglage')
    .option('--json', 'sortie JSON')
    .action((opts: { json?: boolean }) =>
      withServices(opts, async (s) => {
        const results = await checkAll(s);
        if (opts.json) out(JSON.stringify(results, null, 2));
        else out([...results.map((r) => `${r.ok ? '✔' : '✘'} ${r.message}`), '', formatSources(settings(), settingSources(settings()))].join('\n'));
        return exitForChecks(results);
      }),
    );

  program
    .command('run')
    .description(`lance un job : ${JOB_NAMES.join(', ')}`)
    .argument('<job>', 'nom du job', (value: string) => {
      if (!isJobName(value)) throw new InvalidArgumentError(`job inconnu « ${value} » (attendu : ${JOB_NAMES.join(', ')})`);
      return value;
    })
    .option('--dry-run', 'calcule et rapporte chaque changement sans rien écrire')
    .option('--json', 'rapport JSON seul sur la sortie standard')
    .option('--verbose', 'affiche aussi les lignes de détail')
    .action((job: JobName, opts: { dryRun?: boolean; json?: boolean; verbose?: boolean }) =>
      withServices({ json: opts.json, job }, async (s) => {
        const console = cliConsole({ verbose: opts.verbose ?? false });
        const file = settings().file;
        createLogger(console.sink).debug(`Réglages : environnement${file ? `, puis ${file}` : ''}, puis valeurs par défaut`, { event: 'settings' });
        try {
          const outcome = await runJob(s, job, {
            trigger: 'cli',
            dryRun: opts.dryRun ?? false,
            log: createLogger(console.sink, { trigger: 'cli' }),
            onProgress: ({ job: step, done, total }) => console.progress(step, done, total),
          });
          console.stop();
          out(opts.json ? JSON.stringify(outcome.report, null, 2) : formatReport(outcome.report));
          return exitForReport(outcome.report, outcome.fatal);
        } finally {
          console.stop();
        }
      }),
    );

  program
    .command('status')
    .description('dernières exécutions, enregistrements en attente et retenus')
    .option('--json', 'sortie JSON')
    .option('--check', 'teste aussi les connexions (code 2 ou 3 si l\'une échoue)')
    .action((opts: { json?: boolean; check?: boolean }) =>
      withServices(opts, async (s) => {
        const status = await gatherStatus(s, { checkConnections: opts.check ?? false });
        const sources = settingSources(settings());
        if (opts.json) out(JSON.stringify({ ...status, settings: sources }, null, 2));
        else out(`${formatStatus(status)}\n\n${formatSources(settings(), sources)}`);
        return status.connections ? exitForChecks(status.connections) : EXIT.ok;
      }),
    );

  sandboxCommand(program, (c) => (code = c));
  serveCommand(program, settings, (c) => (code = c));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
    return exitForError(error);
  }
  return code;
}
