/**
 * `connecteur`: the CLI of the interface (commander, in French). Exit codes: see exitCodes.ts.
 * Settings: the environment, then `local.settings.json` of the current folder (as `func start`).
 * A command's modules (and the drivers behind them) are imported by its action, so that `--help`
 * or one job does not load every command's.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadSettings, settingSources, type LoadedSettings } from '../lib/config.js';
import { describeCompanies } from '../lib/companies.js';
import { CompanyDirectory } from '../lib/companyServices.js';
import { ConfigurationError, toConnectorError } from '../lib/errors.js';
import { applyHeapPolicy } from '../lib/heapPolicy.js';
import { createLogger, redact } from '../lib/log.js';
import type { Services } from '../lib/services.js';
import { operatorTimeZone as syncTimeZone } from '../lib/ops/frenchTime.js';
import { describeStaging } from '../lib/staging/describe.js';
import { EXIT, exitForChecks, exitForError, exitForReport } from './exitCodes.js';
import { frenchCommander } from './french.js';
import { formatReport, formatSources, formatStatus } from './format.js';
import { cliConsole, notice } from './output.js';
import { sandboxCommand } from './sandbox.js';
import { serveCommand } from './serveCommand.js';
import { agentCommand } from './commands/agent.js';
import { isJobName, JOB_NAMES, type JobName } from '../lib/sync/registry.js';

export { EXIT } from './exitCodes.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

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

export async function main(argv: string[], given?: LoadedSettings): Promise<number> {
  applyHeapPolicy();
  let code: number = EXIT.ok;
  let loaded: LoadedSettings | undefined = given;
  const settings = () => (loaded ??= loadSettings());

  let opened: CompanyDirectory | undefined;
  const directory = () => (opened ??= new CompanyDirectory(settings().env));
  const several = () => directory().companies().length > 1;
  const failed = (error: unknown, options: { json?: boolean; job?: string }) => {
    if (options.json) out(JSON.stringify(jsonError(error, options.job), null, 2));
    notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
    return exitForError(error);
  };

  /**
   * A command that needs the staging: says which one once on stderr, then runs with the named
   * company's services (the only company's when there is one; several: --company required).
   */
  const withServices = async (options: { json?: boolean; job?: string; company?: string }, fn: (s: Services) => Promise<number>) => {
    try {
      notice('info', describeStaging(settings().env), { event: 'staging' });
      code = await fn(directory().get(options.company));
    } catch (error) {
      code = failed(error, options);
    } finally {
      await opened?.close();
    }
  };

  /** Each company in turn (or the named one): the worst exit code wins. */
  const forEachCompany = async (options: { json?: boolean; company?: string }, fn: (s: Services, name: string) => Promise<number>) => {
    try {
      notice('info', describeStaging(settings().env), { event: 'staging' });
      let worst: number = EXIT.ok;
      for (const { company, services } of directory().select(options.company)) worst = Math.max(worst, await fn(services, company));
      code = worst;
    } catch (error) {
      code = failed(error, options);
    } finally {
      await opened?.close();
    }
  };

  const program = frenchCommander(new Command('connecteur'), { out, err: (s) => process.stderr.write(s) })
    .description('Connecteur SAGES : Batigest ⇄ BatiSimply')
    .version(VERSION, '-V, --version', 'affiche la version')
    .exitOverride();

  program
    .command('migrate')
    .description('crée ou met à jour le schéma de staging')
    .option('--company <name>', 'une seule société (défaut : toutes)')
    .action((opts: { company?: string }) =>
      forEachCompany(opts, async (s, name) => {
        // Opened without the services, which would migrate it first and leave nothing to report.
        const [{ openStaging }, { migrate }] = await Promise.all([import('../lib/staging/open.js'), import('../lib/staging/migrate.js')]);
        const db = await openStaging(s.env, s.scope.schema === 'public' ? undefined : s.scope.schema);
        try {
          const result = await migrate(db);
          const who = several() ? `${name} : ` : '';
          out(
            result.applied.length
              ? `${who}Schéma de staging passé de la version ${result.from} à ${result.to} (appliqué : ${result.applied.join(', ')}).`
              : `${who}Schéma de staging à la version ${result.to} (déjà à jour).`,
          );
          return EXIT.ok;
        } finally {
          await db.close();
        }
      }),
    );

  program
    .command('check')
    .description("teste chaque connexion configurée et dit d'où vient chaque réglage")
    .option('--json', 'sortie JSON')
    .option('--company <name>', 'la société (requis quand il y en a plusieurs)')
    .action((opts: { json?: boolean; company?: string }) =>
      withServices(opts, async (s) => {
        const { checkAll } = await import('../lib/ops/checks.js');
        const results = await checkAll(s);
        if (opts.json) out(JSON.stringify(results, null, 2));
        else
          out(
            [...results.map((r) => `${r.ok ? '✔' : '✘'} ${r.message}`), '', formatSources(settings(), settingSources(settings()))].join(
              '\n',
            ),
          );
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
    .option('--allow-mass-delete', 'confirme les suppressions de créneaux retenues par recup-heures (HEURES_MASS_DELETE_MAX_RATIO)')
    .option('--company <name>', 'la société (requis quand il y en a plusieurs)')
    .option('--queue', 'met l’exécution dans la file d’attente (AzureWebJobsStorage) au lieu de la lancer ici')
    .action(
      (
        job: JobName,
        opts: { dryRun?: boolean; json?: boolean; verbose?: boolean; allowMassDelete?: boolean; company?: string; queue?: boolean },
      ) =>
        withServices({ json: opts.json, job, company: opts.company }, async (s) => {
          if (opts.queue) {
            const [{ enqueueRun }, { requireRunQueue }] = await Promise.all([
              import('../lib/queue/runs.js'),
              import('../lib/queue/client.js'),
            ]);
            const request = { job, dryRun: opts.dryRun ?? false, allowMassDelete: opts.allowMassDelete ?? false, trigger: 'cli' as const };
            const { runId } = await enqueueRun(s, requireRunQueue(settings().env), request);
            const queued = { job, runId, status: 'queued', dryRun: request.dryRun, company: s.scope.company };
            out(
              opts.json ? JSON.stringify(queued, null, 2) : `${job} : en file d’attente (exécution ${runId}, société ${s.scope.company}).`,
            );
            return EXIT.ok;
          }
          const console = cliConsole({ verbose: opts.verbose ?? false });
          const file = settings().file;
          createLogger(console.sink).debug(`Réglages : environnement${file ? `, puis ${file}` : ''}, puis valeurs par défaut`, {
            event: 'settings',
          });
          try {
            const { runJob } = await import('../lib/sync/runner.js');
            const outcome = await runJob(s, job, {
              trigger: 'cli',
              dryRun: opts.dryRun ?? false,
              allowMassDelete: opts.allowMassDelete ?? false,
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
    .option('--check', "teste aussi les connexions (code 2 ou 3 si l'une échoue)")
    .option('--company <name>', 'une seule société (défaut : toutes)')
    .action((opts: { json?: boolean; check?: boolean; company?: string }) =>
      forEachCompany(opts, async (s, name) => {
        const { gatherStatus } = await import('../lib/ops/status.js');
        const status = await gatherStatus(s, { checkConnections: opts.check ?? false });
        const sources = settingSources(settings());
        // Several companies: one JSON object per line, each naming its company.
        if (several())
          out(
            opts.json
              ? JSON.stringify({ company: name, ...status, settings: sources })
              : `— Société ${name} —\n${formatStatus(status, syncTimeZone(s))}`,
          );
        else if (opts.json) out(JSON.stringify({ ...status, settings: sources }, null, 2));
        else out(`${formatStatus(status, syncTimeZone(s))}\n\n${formatSources(settings(), sources)}`);
        return status.connections ? exitForChecks(status.connections) : EXIT.ok;
      }),
    );

  program
    .command('audit')
    .description('Batigest ⇄ staging ⇄ BatiSimply : chaque différence expliquée, avec son remède (lecture seule)')
    .option('--from <date>', 'premier jour (AAAA-MM-JJ), heure locale de SYNC_TIMEZONE')
    .option('--to <date>', 'jour suivant le dernier (AAAA-MM-JJ, exclu)')
    .option('--json', 'rapport JSON')
    .option('--csv', 'une ligne par différence, séparateur « ; »')
    .option('--company <name>', 'la société (requis quand il y en a plusieurs)')
    .action((opts: { from?: string; to?: string; json?: boolean; csv?: boolean; company?: string }) =>
      withServices(opts, async (s) => {
        if (opts.json && opts.csv) throw new ConfigurationError('--json et --csv s’excluent.', { code: 'BAD_INPUT' });
        const [{ runAudit }, { formatAuditCsv, formatAuditText }] = await Promise.all([
          import('../lib/audit/runAudit.js'),
          import('../lib/audit/format.js'),
        ]);
        const report = await runAudit(s, { from: opts.from, to: opts.to });
        out(opts.json ? JSON.stringify(report, null, 2) : opts.csv ? formatAuditCsv(report) : formatAuditText(report));
        // Like a run: 1 when there is something to look at.
        return report.summary.differences === 0 ? EXIT.ok : EXIT.partial;
      }),
    );

  program
    .command('companies')
    .description('les sociétés configurées, validées')
    .option('--json', 'sortie JSON')
    .action((opts: { json?: boolean }) => {
      try {
        const companies = describeCompanies(settings().env);
        if (opts.json) out(JSON.stringify(companies, null, 2));
        else {
          for (const c of companies) {
            out(`${c.name} — schéma de staging ${c.schema}, secrets Key Vault : ${c.secrets.join(', ')}`);
            for (const [section, state] of Object.entries(c.sections))
              out(`  ${state === 'ok' ? '✔' : '✘'} ${section}${state === 'ok' ? '' : ` : ${state}`}`);
          }
        }
        const complete = companies.every((c) => Object.values(c.sections).every((state) => state === 'ok'));
        code = complete ? EXIT.ok : EXIT.usage;
      } catch (error) {
        code = failed(error, opts);
      }
    });

  sandboxCommand(program, (c) => (code = c));
  serveCommand(program, settings, (c) => (code = c));
  agentCommand(program, settings, VERSION, (c) => (code = c));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
    return exitForError(error);
  }
  return code;
}
