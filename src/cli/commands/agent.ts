/**
 * `connecteur agent`: the long-running process beside Batigest (role `batigest`), or the whole
 * connector on site with its dashboard (role `all`); `agent check` tests what it needs;
 * `agent service` installs it as a Windows service (WinSW).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseSection, stagingSchema, type Env } from '../../lib/config.js';
import { CompanyDirectory } from '../../lib/companyServices.js';
import { ConfigurationError, toConnectorError } from '../../lib/errors.js';
import { createLogger, redact } from '../../lib/log.js';
import { frenchTime } from '../../lib/ops/frenchTime.js';
import { Services, type ServiceOverrides } from '../../lib/services.js';
import { describeStaging } from '../../lib/staging/describe.js';
import type { AgentRole } from '../../lib/agent/plan.js';
import { CLI_HOOKS, type CliContext } from '../context.js';
import { EXIT, exitForChecks, exitForError } from '../exitCodes.js';
import { cliConsole, notice } from '../output.js';
import { integerOption, portInUse } from './listening.js';

const ROLES: readonly AgentRole[] = ['batigest', 'all'];

function roleOption(value: string): AgentRole {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`rôle inconnu « ${value} » (attendu : batigest ou all)`);
  return value as AgentRole;
}

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

const VERSION_FILE = new URL('../../../../package.json', import.meta.url);

/** Which staging, in words and without credentials. */
const stagingLine = (env: Env) => describeStaging(parseSection(stagingSchema, env, 'staging'), env.KEY_VAULT_URL);

/** The agent shares the cloud side's staging: it must be a PostgreSQL server, never the embedded one. */
function requireSharedStaging(env: Env) {
  if (env.STAGING_DATABASE_URL?.trim() || env.KEY_VAULT_URL?.trim()) return;
  throw new ConfigurationError(
    'STAGING_DATABASE_URL manquant : l’agent (rôle batigest) travaille sur la base de staging du côté cloud. ' +
      'Donnez l’URL du rôle connecteur_agent (secret Key Vault agent-staging-database-url, avec son mot de passe agent-staging-password), ' +
      'ou lancez « connecteur agent --role all » pour tout faire sur place.',
    { code: 'CONFIG_INVALID' },
  );
}

/**
 * Each company's services for the role: the shared staging never migrated (batigest), its own
 * staging migrated (all). `close` ends what was opened.
 */
function directoryFor(role: AgentRole, env: Env, overrides: ServiceOverrides = {}): CompanyDirectory {
  if (role === 'batigest') {
    requireSharedStaging(env);
    return new CompanyDirectory(env, undefined, { ...CLI_HOOKS, migrate: false }, overrides);
  }
  // The default company's services are the directory's own, so that closing it closes them too.
  const services = new Services(env, overrides, undefined, CLI_HOOKS);
  const directory = new CompanyDirectory(env, services, CLI_HOOKS, overrides);
  const close = directory.close.bind(directory);
  directory.close = async () => {
    await close();
    await services.close();
  };
  return directory;
}

function readVersion(): string {
  return (JSON.parse(readFileSync(VERSION_FILE, 'utf8')) as { version: string }).version;
}

export function agentCommand(program: Command, ctx: CliContext) {
  const settings = () => ctx.settings();
  const setCode = (code: number) => ctx.finish(code);
  const agent = program
    .command('agent')
    .description(
      'à côté de Batigest : exécute selon leur planning les étapes qui touchent Batigest (rôle batigest), ou tout le connecteur (rôle all)',
    )
    .option(
      '--role <rôle>',
      'batigest : transfer et heures-to-sqlserver (le reste dans Azure) ; all : tous les jobs et le tableau de bord, sans Azure',
      roleOption,
      'batigest',
    )
    .option('--port <n>', 'rôle all : port du tableau de bord', integerOption(0, 65535, 'port'), 7071)
    .option('--host <h>', "rôle all : adresse d'écoute du tableau de bord", '127.0.0.1')
    .option('--verbose', 'affiche aussi les lignes de détail')
    .addHelpText(
      'after',
      `
Planning : CHANTIERS_SCHEDULE et HEURES_SCHEDULE (NCRONTAB à six champs, comme les minuteurs Azure),
lus dans le fuseau SYNC_TIMEZONE. Une échéance manquée (machine arrêtée ou en veille) est exécutée
une fois au retour. Ctrl+C (ou l'arrêt du service) termine l'étape en cours entre deux lots.

Exemples :
  connecteur agent check                     teste SQL Server, le staging et l'écriture du battement de cœur
  connecteur agent                           rôle batigest : Batigest ici, le reste dans Azure
  connecteur agent --role all --port 7071    tout le connecteur sur place, tableau de bord compris
  connecteur agent service install           service Windows (WinSW), compte NT AUTHORITY\\LocalService`,
    )
    .action(async (opts: { role: AgentRole; port: number; host: string; verbose?: boolean }) => {
      setCode(await runAgentCommand(opts, settings().env, readVersion()));
    });

  agent
    .command('check')
    .description("teste SQL Server, le staging (et la version de son schéma) et l'écriture du battement de cœur")
    .option('--role <rôle>', 'batigest ou all (all teste aussi BatiSimply)', roleOption, 'batigest')
    .option('--json', 'sortie JSON')
    .option('--company <name>', 'une seule société (défaut : toutes)')
    .action(async (opts: { role: AgentRole; json?: boolean; company?: string }) => {
      let directory: CompanyDirectory | undefined;
      try {
        const env = settings().env;
        notice('info', stagingLine(env), { event: 'staging' });
        directory = directoryFor(opts.role, env);
        const version = readVersion();
        const { checkAgent } = await import('../../lib/agent/check.js');
        const all: { company: string; results: Awaited<ReturnType<typeof checkAgent>> }[] = [];
        for (const { company, services } of directory.select(opts.company))
          all.push({ company, results: await checkAgent(services, opts.role, version) });
        const several = all.length > 1;
        if (opts.json) out(JSON.stringify(several ? all : all[0]!.results, null, 2));
        else
          for (const { company, results } of all)
            out([...(several ? [`— Société ${company} —`] : []), ...results.map((r) => `${r.ok ? '✔' : '✘'} ${r.message}`)].join('\n'));
        setCode(Math.max(...all.map((c) => exitForChecks(c.results))));
      } catch (error) {
        if (opts.json)
          out(
            JSON.stringify(
              {
                status: 'failed',
                errors: [{ key: 'agent', code: toConnectorError(error).code, message: redact(toConnectorError(error).message) }],
              },
              null,
              2,
            ),
          );
        notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
        setCode(exitForError(error));
      } finally {
        await directory?.close();
      }
    });

  agent
    .command('service')
    .description('service Windows (WinSW) : install, uninstall, start, stop, restart, status')
    .argument('<commande>', 'install, uninstall, start, stop, restart ou status')
    .option('--role <rôle>', 'rôle du service installé', roleOption, 'batigest')
    .option('--account <compte>', 'compte du service (DOMAINE\\utilisateur ; défaut : NT AUTHORITY\\LocalService)')
    .option('--password-stdin', 'lit le mot de passe du compte sur l’entrée standard')
    .option('--winsw <chemin>', 'WinSW (défaut : connecteur-service.exe à côté de connecteur.exe)')
    .action(async (command: string, opts: { role: AgentRole; account?: string; passwordStdin?: boolean; winsw?: string }) => {
      try {
        const { SERVICE_COMMANDS, serviceCommand } = await import('../../lib/agent/windowsService.js');
        if (!(SERVICE_COMMANDS as readonly string[]).includes(command))
          throw new ConfigurationError(`commande de service inconnue « ${command} » (attendu : ${SERVICE_COMMANDS.join(', ')})`, {
            code: 'BAD_INPUT',
          });
        const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
        const launch = selfLaunch();
        const code = serviceCommand(
          {
            winsw: opts.winsw ?? path.join(path.dirname(launch.executable), 'connecteur-service.exe'),
            ...launch,
            role: opts.role,
            directory: process.cwd(),
            ...(opts.account ? { account: opts.account } : {}),
            ...(password !== undefined ? { password } : {}),
          },
          command as (typeof SERVICE_COMMANDS)[number],
        );
        if (code === 0 && command === 'install')
          out(
            `Service ${'connecteur-agent'} installé (rôle ${opts.role}). Réglages : ${path.join(process.cwd(), 'local.settings.json')} ; journaux : ${path.join(process.cwd(), 'logs')}.`,
          );
        setCode(code === 0 ? EXIT.ok : EXIT.unavailable);
      } catch (error) {
        notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
        setCode(exitForError(error) === EXIT.partial ? EXIT.usage : exitForError(error));
      }
    });
}

/** How this very program is started again by a service: the single executable alone, or node with its script. */
function selfLaunch(): { executable: string; leadingArguments: string[] } {
  const sea = createRequire(import.meta.url)('node:sea') as { isSea(): boolean };
  if (sea.isSea()) return { executable: process.execPath, leadingArguments: [] };
  return { executable: process.execPath, leadingArguments: [path.resolve(process.argv[1] ?? 'bin/connecteur.js')] };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The agent until it is stopped; answers the exit code. `overrides`: the end-to-end test's
 * stand-in for Batigest, in an agent process of its own (test/support/agentProcess.ts).
 */
export async function runAgentCommand(
  opts: { role: AgentRole; port: number; host: string; verbose?: boolean },
  env: Env,
  version: string,
  overrides: ServiceOverrides = {},
): Promise<number> {
  const console = cliConsole({ verbose: opts.verbose ?? false });
  const log = createLogger(console.sink, { component: 'agent', role: opts.role });
  let directory: CompanyDirectory | undefined;
  let server: { url: string; token: string; close(): Promise<void> } | undefined;
  const controller = new AbortController();
  const stop = (signal: string) => {
    if (controller.signal.aborted) {
      // A second request: stop now, the job locks and the ledger make it safe.
      notice('warn', 'Second arrêt demandé : fin immédiate.', { event: 'agent.killed' });
      process.exit(130);
    }
    notice('info', `Arrêt demandé (${signal}) : l'étape en cours se termine entre deux lots.`, { event: 'agent.stopping' });
    controller.abort();
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  try {
    const [{ planJobs }, { runAgent }] = await Promise.all([import('../../lib/agent/plan.js'), import('../../lib/agent/agent.js')]);
    directory = directoryFor(opts.role, env, overrides);
    const planned = planJobs(directory, opts.role);
    // Everything a run needs is checked now: a missing setting or refused password stops the start (2);
    // an unreachable server does not: the agent waits for it.
    for (const { company, services } of directory.select()) {
      if (!overrides.batigest) await services.batigestSettings();
      if (opts.role === 'all') await services.batisimplySettings();
      try {
        await services.staging();
      } catch (error) {
        if (exitForError(error) === EXIT.usage) throw error;
        log.warn(`Staging injoignable au démarrage (${toConnectorError(error).message}) : nouvel essai à chaque échéance.`, { company });
      }
    }
    const now = new Date();
    out(
      `Agent sur site démarré : rôle ${opts.role}, version ${version}, ${stagingLine(env).replace(/^Staging : /, 'staging ')}, ${planned.length} tâche(s) planifiée(s).`,
    );
    for (const p of planned) {
      const zone = directory.get(p.company).sync().SYNC_TIMEZONE;
      const who = directory.companies().length > 1 ? ` (société ${p.company})` : '';
      out(
        `  ${p.job}${who} : ${p.schedule.setting} = ${p.schedule.expression} (${zone}), prochaine exécution ${frenchTime(p.schedule.next(now).toISOString(), zone)}`,
      );
    }
    log.info('Agent démarré', {
      event: 'agent.started',
      version,
      jobs: planned.map((p) => ({
        company: p.company,
        job: p.job,
        schedule: p.schedule.expression,
        next: p.schedule.next(now).toISOString(),
      })),
    });
    let afterRun: ((company: string, services: Services) => Promise<void>) | undefined;
    if (opts.role === 'all') {
      const [{ Alerts }, { createHandlers }, { startLocalServer }] = await Promise.all([
        import('../../lib/agent/alerts.js'),
        import('../../functions/handlers/index.js'),
        import('../serve.js'),
      ]);
      const alerts = new Alerts(planned, log);
      afterRun = (company, services) => alerts.evaluate(company, services);
      // `serve`'s routes over the agent's own services: no queue, runs in this process.
      const { httpFunctions } = createHandlers({ directory, queue: null });
      try {
        server = await startLocalServer({ httpFunctions, port: opts.port, host: opts.host });
      } catch (error) {
        const busy = portInUse(error, opts.port, 'agent');
        if (busy) {
          process.stderr.write(`${busy}\n`);
          return EXIT.unavailable;
        }
        throw error;
      }
      out(`  Tableau de bord : ${server.url}/api/dashboard?code=${server.token}`);
    }
    out('  Ctrl+C (ou arrêt du service) pour arrêter.');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    await runAgent({ role: opts.role, directory, version, signal: controller.signal, log, afterRun, onTick: afterRun }, planned);
    out('Agent arrêté.');
    return EXIT.ok;
  } catch (error) {
    notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
    return exitForError(error);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    console.stop();
    await server?.close();
    await directory?.close();
  }
}
