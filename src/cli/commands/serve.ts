/** `connecteur serve`: the dashboard and HTTP routes on localhost, guarded by a token printed at start. */
import type { Command } from 'commander';
import { CompanyDirectory } from '../../lib/companyServices.js';
import { Services } from '../../lib/services.js';
import { describeStaging } from '../../lib/staging/describe.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { notice } from '../output.js';
import { integerOption, listenOn, untilStopped } from './listening.js';

export function serveCommand(program: Command, ctx: CliContext) {
  program
    .command('serve')
    .description('le tableau de bord et les routes HTTP sur cette machine (sans func)')
    .option('--port <n>', "port d'écoute", integerOption(0, 65535, 'port'), 7071)
    .option('--host <h>', "adresse d'écoute", '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => {
      let services: Services | undefined;
      let directory: CompanyDirectory | undefined;
      try {
        const env = ctx.settings().env;
        notice('info', describeStaging(ctx.staging(), env.KEY_VAULT_URL), { event: 'staging' });
        services = new Services(env);
        // Opened now: a locked or unreachable staging stops here (3), not at the first page.
        await services.staging();
        directory = new CompanyDirectory(env, services);
        // Loaded here: the triggers' handlers and the Functions library are needed by this command only.
        const [{ createHandlers }, { startLocalServer }] = await Promise.all([
          import('../../functions/handlers/index.js'),
          import('../serve.js'),
        ]);
        // No queue consumer runs here (no Functions host): a run starts in this process, like `connecteur run`.
        const { httpFunctions } = createHandlers({ directory, queue: null });
        const server = await listenOn(
          () => startLocalServer({ httpFunctions, port: opts.port, host: opts.host }),
          opts.port,
          'serve',
          ctx.err,
        );
        if (server === null) return ctx.finish(EXIT.unavailable);
        ctx.out(`Connecteur sur ${server.url}`);
        ctx.out(`  Tableau de bord : ${server.url}/api/dashboard?code=${server.token}`);
        ctx.out(`  Jeton (paramètre code ou en-tête x-functions-key) : ${server.token}`);
        ctx.out('  Ctrl+C pour arrêter.');
        await untilStopped();
        await server.close();
        ctx.finish(EXIT.ok);
      } catch (error) {
        ctx.finish(ctx.fail(error));
      } finally {
        await directory?.close();
        await services?.close();
      }
    });
}
