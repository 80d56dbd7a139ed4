/**
 * `connecteur serve`: the dashboard and HTTP routes on localhost, guarded by a token printed at
 * start. With the host's storage configured (AzureWebJobsStorage, as local.settings.json has it for
 * `func start`), it also consumes the run queue, so `run --queue` works without `func`.
 */
import type { Command } from 'commander';
import { CompanyDirectory } from '../../lib/companyServices.js';
import { Services } from '../../lib/services.js';
import { describeStaging } from '../../lib/staging/describe.js';
import { CLI_HOOKS, type CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { cliConsole, notice } from '../output.js';
import { listenOn, listenOptions } from './listening.js';
import { onStopRequest } from '../stopRequest.js';
import { createLogger } from '../../lib/log.js';

export function serveCommand(program: Command, ctx: CliContext) {
  listenOptions(
    program
      .command('serve')
      .description('le tableau de bord et les routes HTTP sur cette machine (sans func) ; avec AzureWebJobsStorage, consomme la file'),
    7071,
  ).action(async (opts: { port: number; host: string }) => {
    let services: Services | undefined;
    let directory: CompanyDirectory | undefined;
    let stopConsumer: (() => Promise<void>) | undefined;
    const stop = onStopRequest(
      ctx.err,
      'plus de nouvelle exécution ; celle en cours s’arrête entre deux lots, enregistrée interrompue (« arrêt demandé »), les requêtes en attente reçoivent leur réponse.',
    );
    try {
      const env = ctx.settings().env;
      notice('info', describeStaging(ctx.staging(), env.KEY_VAULT_URL), { event: 'staging' });
      services = new Services(env, {}, undefined, CLI_HOOKS);
      // Opened now: a locked or unreachable staging stops here (3), not at the first page.
      await services.staging();
      directory = new CompanyDirectory(env, services, CLI_HOOKS);
      // The handlers' lines as every command writes them: French, on stderr, times in SYNC_TIMEZONE.
      const log = cliConsole({ verbose: false, timeZone: services.timeZone() }).sink;
      // Loaded here: the triggers' handlers and the Functions library are needed by this command only.
      const [{ createHandlers }, { startLocalServer }, { runQueueFrom }] = await Promise.all([
        import('../../functions/handlers/index.js'),
        import('../serve.js'),
        import('../../lib/queue/client.js'),
      ]);
      const queue = runQueueFrom(env);
      const handlers = createHandlers({ directory, queue, log, signal: stop.signal });
      const server = await listenOn(
        () => startLocalServer({ httpFunctions: handlers.httpFunctions, port: opts.port, host: opts.host, log }),
        opts.port,
        'serve',
        ctx.err,
      );
      if (server === null) return ctx.finish(EXIT.unavailable);
      if (queue) {
        const { consumeRunQueue } = await import('../../lib/queue/consumer.js');
        const { InvocationContext } = (await import('@azure/functions')).default;
        const context = (dequeueCount: number) => new InvocationContext({ functionName: 'runQueue', triggerMetadata: { dequeueCount } });
        const consumer = consumeRunQueue(
          queue,
          {
            run: (body, dequeueCount) => handlers.runQueueHandler(body, context(dequeueCount)),
            poison: (body) => handlers.poisonQueueHandler(body, context(1)),
          },
          { log: createLogger(log, { trigger: 'queue' }) },
        );
        stopConsumer = () => consumer.stop();
      }
      ctx.out(`Connecteur sur ${server.url}`);
      ctx.out(`  Tableau de bord : ${server.url}/api/dashboard?code=${server.token}`);
      ctx.out(`  Jeton (paramètre code ou en-tête x-functions-key) : ${server.token}`);
      ctx.out(
        queue
          ? '  File d’attente des exécutions (AzureWebJobsStorage) : consommée ici.'
          : '  Sans file d’attente (AzureWebJobsStorage absent) : chaque job tourne dans la requête.',
      );
      ctx.out('  Ctrl+C pour arrêter.');
      await stop.requested;
      // In this order: no message taken any more (the one under way ends, interrupted), every
      // waiting caller answered, and the staging closed last, once nothing uses it.
      await stopConsumer?.();
      stopConsumer = undefined;
      await server.close();
      await directory.close();
      directory = undefined;
      await services.close();
      services = undefined;
      ctx.err('Connecteur arrêté.\n');
      ctx.finish(EXIT.ok);
    } catch (error) {
      ctx.finish(ctx.fail(error));
    } finally {
      stop.dispose();
      await stopConsumer?.();
      await directory?.close();
      await services?.close();
    }
  });
}
