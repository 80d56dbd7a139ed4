/**
 * `connecteur`: the CLI of the interface (commander). Exit codes: 0 done, 1 finished with failed
 * or held records, 2 usage or configuration error, 3 could not run (already running, outside
 * system unreachable).
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { processEnv } from '../lib/config.js';
import { ConfigurationError, ConflictError, toConnectorError, UpstreamError } from '../lib/errors.js';
import { createLogger, jsonLinesSink, redact } from '../lib/log.js';
import { formatAuditCsv, formatAuditText } from '../lib/audit/format.js';
import { runAudit } from '../lib/audit/runAudit.js';
import { checkAll } from '../lib/ops/checks.js';
import { gatherStatus } from '../lib/ops/status.js';
import type { Services } from '../lib/services.js';
import { describeCompanies } from '../lib/companies.js';
import { CompanyDirectory } from '../lib/companyServices.js';
import { requireRunQueue } from '../lib/queue/client.js';
import { enqueueRun } from '../lib/queue/runs.js';
import { migrate } from '../lib/staging/migrate.js';
import { isJobName, JOB_NAMES, type JobName } from '../lib/sync/jobs.js';
import { isChainReport, type AnyReport } from '../lib/sync/report.js';
import { runJob } from '../lib/sync/runner.js';
import { Sandbox } from '../sandbox/server.js';
import { formatReport, formatStatus } from './format.js';

export const EXIT = { ok: 0, partial: 1, usage: 2, unavailable: 3 } as const;

/** 2 for a configuration error, 3 when the job could not run, 1 otherwise. */
function exitForError(e: unknown): number {
  if (e instanceof ConfigurationError) return EXIT.usage;
  if (e instanceof UpstreamError || e instanceof ConflictError) return EXIT.unavailable;
  return EXIT.partial;
}

export function exitCodeFor(report: AnyReport, fatal: unknown): number {
  if (fatal) return exitForError(fatal);
  const statuses = isChainReport(report) ? report.steps.map((s) => s.status) : [report.status];
  return statuses.every((s) => s === 'succeeded') ? EXIT.ok : EXIT.partial;
}

function errorExit(error: unknown): number {
  const e = toConnectorError(error);
  process.stderr.write(`${redact(e.message)}\n`);
  return exitForError(e);
}

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

export async function main(argv: string[], env = processEnv()): Promise<number> {
  let code: number = EXIT.ok;
  const directory = new CompanyDirectory(env);
  /** The named company's services, or the only company's (several companies: --company required). */
  const withServices = async (fn: (s: Services) => Promise<number>, company?: string) => {
    try {
      code = await fn(directory.get(company));
    } catch (error) {
      code = errorExit(error);
    } finally {
      await directory.close();
    }
  };
  /** Each company in turn (or the named one): the worst exit code wins. */
  const forEachCompany = async (company: string | undefined, fn: (s: Services, name: string) => Promise<number>) => {
    try {
      let worst: number = EXIT.ok;
      for (const { company: name, services } of directory.select(company)) worst = Math.max(worst, await fn(services, name));
      code = worst;
    } catch (error) {
      code = errorExit(error);
    } finally {
      await directory.close();
    }
  };
  const several = () => directory.companies().length > 1;

  const program = new Command('connecteur')
    .description('Connecteur SAGES : Batigest ⇄ BatiSimply')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('migrate')
    .description('crée ou met à jour le schéma de staging')
    .option('--company <name>', 'une seule société (défaut : toutes)')
    .action((opts: { company?: string }) =>
      forEachCompany(opts.company, async (s, name) => {
        const result = await migrate(await s.staging());
        const who = several() ? `${name} : ` : '';
        out(`${who}Schéma de staging à la version ${result.to}${result.applied.length ? ` (appliqué : ${result.applied.join(', ')})` : ' (déjà à jour)'}.`);
        return EXIT.ok;
      }),
    );

  program
    .command('check')
    .description('teste chaque connexion configurée')
    .option('--json', 'sortie JSON')
    .option('--company <name>', 'la société (requis quand il y en a plusieurs)')
    .action((opts: { json?: boolean; company?: string }) =>
      withServices(async (s) => {
        const results = await checkAll(s);
        out(opts.json ? JSON.stringify(results, null, 2) : results.map((r) => `${r.ok ? '✔' : '✘'} ${r.message}`).join('\n'));
        return results.every((r) => r.ok) ? EXIT.ok : EXIT.unavailable;
      }, opts.company),
    );

  program
    .command('run')
    .description(`lance un job : ${JOB_NAMES.join(', ')}`)
    .argument('<job>', 'nom du job', (value: string) => {
      if (!isJobName(value)) throw new InvalidArgumentError(`job inconnu « ${value} » (attendu : ${JOB_NAMES.join(', ')})`);
      return value;
    })
    .option('--dry-run', 'calcule et rapporte chaque changement sans rien écrire')
    .option('--json', 'rapport JSON sur la sortie standard')
    .option('--allow-mass-delete', 'confirme les suppressions de créneaux retenues par recup-heures (HEURES_MASS_DELETE_MAX_RATIO)')
    .option('--company <name>', 'la société (requis quand il y en a plusieurs)')
    .option('--queue', 'met l’exécution dans la file d’attente (AzureWebJobsStorage) au lieu de la lancer ici')
    .action((job: JobName, opts: { dryRun?: boolean; json?: boolean; allowMassDelete?: boolean; company?: string; queue?: boolean }) =>
      withServices(async (s) => {
        if (opts.queue) {
          const { runId } = await enqueueRun(s, requireRunQueue(env), { job, dryRun: opts.dryRun ?? false, allowMassDelete: opts.allowMassDelete ?? false, trigger: 'cli' });
          const queued = { job, runId, status: 'queued', dryRun: opts.dryRun ?? false, company: s.scope.company };
          out(opts.json ? JSON.stringify(queued, null, 2) : `${job} : en file d’attente (exécution ${runId}, société ${s.scope.company}).`);
          return EXIT.ok;
        }
        const log = createLogger(jsonLinesSink, { trigger: 'cli' });
        let last = '';
        const outcome = await runJob(s, job, {
          trigger: 'cli',
          dryRun: opts.dryRun ?? false,
          allowMassDelete: opts.allowMassDelete ?? false,
          log,
          onProgress: ({ job: step, done, total }) => {
            const line = `${step} : ${done}/${total}`;
            if (line !== last) process.stderr.write(`\r${(last = line)}   `);
          },
        });
        if (last) process.stderr.write('\n');
        out(opts.json ? JSON.stringify(outcome.report, null, 2) : formatReport(outcome.report));
        return exitCodeFor(outcome.report, outcome.fatal);
      }, opts.company),
    );

  program
    .command('status')
    .description('dernières exécutions, enregistrements en attente et retenus')
    .option('--json', 'sortie JSON')
    .option('--check', 'teste aussi les connexions')
    .option('--company <name>', 'une seule société (défaut : toutes)')
    .action((opts: { json?: boolean; check?: boolean; company?: string }) =>
      forEachCompany(opts.company, async (s, name) => {
        const status = await gatherStatus(s, { checkConnections: opts.check ?? false });
        // Several companies: one JSON object per line, each naming its company.
        if (several()) out(opts.json ? JSON.stringify({ company: name, ...status }) : `— Société ${name} —\n${formatStatus(status)}`);
        else out(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
        return EXIT.ok;
      }),
    );

  program
    .command('audit')
    .description('Batigest ⇄ staging ⇄ BatiSimply : chaque différence expliquée, avec son remède (lecture seule)')
    .option('--from <date>', 'premier jour (AAAA-MM-JJ), heure locale de SYNC_TIMEZONE')
    .option('--to <date>', 'jour suivant le dernier (AAAA-MM-JJ, exclu)')
    .option('--json', 'rapport JSON')
    .option('--csv', 'une ligne par différence, séparateur « ; »')
    .action((opts: { from?: string; to?: string; json?: boolean; csv?: boolean }) =>
      withServices(async (s) => {
        if (opts.json && opts.csv) throw new ConfigurationError('--json et --csv s’excluent.', { code: 'BAD_INPUT' });
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
        const companies = describeCompanies(env);
        if (opts.json) out(JSON.stringify(companies, null, 2));
        else {
          for (const c of companies) {
            out(`${c.name} — schéma de staging ${c.schema}, secrets Key Vault : ${c.secrets.join(', ')}`);
            for (const [section, state] of Object.entries(c.sections)) out(`  ${state === 'ok' ? '✔' : '✘'} ${section}${state === 'ok' ? '' : ` : ${state}`}`);
          }
        }
        const complete = companies.every((c) => Object.values(c.sections).every((s) => s === 'ok'));
        code = complete ? EXIT.ok : EXIT.usage;
      } catch (error) {
        code = errorExit(error);
      }
    });

  program
    .command('sandbox')
    .description('une API BatiSimply locale pour les tests et les démonstrations')
    .option('--port <n>', 'port d\'écoute', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('port entre 0 et 65535 attendu');
      return n;
    }, 8089)
    .option('--host <h>', 'adresse d\'écoute', '127.0.0.1')
    .option('--seed <file>', 'état initial (JSON)')
    .option('--token-lifetime <s>', 'durée de vie des jetons (secondes)', (v) => Number(v), 300)
    .action(async (opts: { port: number; host: string; seed?: string; tokenLifetime: number }) => {
      try {
        const seed = opts.seed ? JSON.parse(await readFile(opts.seed, 'utf8')) : undefined;
        const sandbox = new Sandbox({ port: opts.port, host: opts.host, seed, tokenLifetimeSeconds: opts.tokenLifetime });
        const url = await sandbox.start();
        out(`Bac à sable BatiSimply sur ${url}`);
        for (const [name, value] of Object.entries(sandbox.connectorSettings())) out(`  ${name}=${value}`);
        out(`  État : GET ${url}/__admin/state — Ctrl+C pour arrêter.`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await sandbox.stop();
        code = EXIT.ok;
      } catch (error) {
        process.stderr.write(`Bac à sable : ${(error as Error).message}\n`);
        code = EXIT.usage;
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return errorExit(error);
  }
  return code;
}
