/** `connecteur serve`: the dashboard and HTTP routes on localhost, guarded by a token printed at start. */
import type { Command } from 'commander';
import type { LoadedSettings } from '../lib/config.js';
import { toConnectorError } from '../lib/errors.js';
import { redact } from '../lib/log.js';
import { Services } from '../lib/services.js';
import { describeStaging } from '../lib/staging/describe.js';
import { EXIT, exitForError } from './exitCodes.js';
import { notice } from './output.js';
import { integerOption, portInUse, untilStopped } from './sandbox.js';

export function serveCommand(program: Command, settings: () => LoadedSettings, setCode: (code: number) => void) {
  program
    .command('serve')
    .description('le tableau de bord et les routes HTTP sur cette machine (sans func)')
    .option('--port <n>', "port d'écoute", integerOption(0, 65535, 'port'), 7071)
    .option('--host <h>', "adresse d'écoute", '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => {
      let services: Services | undefined;
      // Loaded here: the triggers' helpers are needed by this command only.
      const { runInProcess, setServices } = await import('../functions/http.js');
      try {
        const env = settings().env;
        notice('info', describeStaging(env), { event: 'staging' });
        services = new Services(env);
        // Opened now: a locked or unreachable staging stops here (3), not at the first page.
        await services.staging();
        setServices(services);
        // No queue consumer runs here (no Functions host): a run starts in this process, like `connecteur run`.
        runInProcess();
        let server: import('./serve.js').LocalServer;
        try {
          // Loaded here: the Functions library is needed by this command only.
          const { startLocalServer } = await import('./serve.js');
          server = await startLocalServer({ port: opts.port, host: opts.host });
        } catch (error) {
          const busy = portInUse(error, opts.port, 'serve');
          if (busy) {
            process.stderr.write(`${busy}\n`);
            return setCode(EXIT.unavailable);
          }
          throw error;
        }
        process.stdout.write(`Connecteur sur ${server.url}\n`);
        process.stdout.write(`  Tableau de bord : ${server.url}/api/dashboard?code=${server.token}\n`);
        process.stdout.write(`  Jeton (paramètre code ou en-tête x-functions-key) : ${server.token}\n`);
        process.stdout.write('  Ctrl+C pour arrêter.\n');
        await untilStopped();
        await server.close();
        setCode(EXIT.ok);
      } catch (error) {
        notice('error', redact(toConnectorError(error).message), { code: toConnectorError(error).code });
        setCode(exitForError(error));
      } finally {
        setServices(undefined);
        await services?.close();
      }
    });
}
