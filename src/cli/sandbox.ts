/** `connecteur sandbox`: the local BatiSimply, every option checked, what was loaded said. */
import { InvalidArgumentError, type Command } from 'commander';
import { toConnectorError } from '../lib/errors.js';
import { EXIT, exitForError } from './exitCodes.js';

export function integerOption(min: number, max: number, what: string) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${what} : entier entre ${min} et ${max} attendu`);
    return n;
  };
}

export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

export function portInUse(error: unknown, port: number, what: string): string | null {
  if ((error as { code?: string }).code !== 'EADDRINUSE') return null;
  return `${what} : le port ${port} est déjà utilisé. Choisissez-en un autre avec --port <n> (0 : un port libre au hasard).`;
}

export function sandboxCommand(program: Command, setCode: (code: number) => void) {
  program
    .command('sandbox')
    .description('une API BatiSimply locale pour les tests et les démonstrations')
    .option('--port <n>', "port d'écoute", integerOption(0, 65535, 'port'), 8089)
    .option('--host <h>', "adresse d'écoute", '127.0.0.1')
    .option('--seed <fichier>', 'état initial (JSON)')
    .option('--token-lifetime <s>', 'durée de vie des jetons (secondes)', integerOption(1, 86_400, 'durée de vie des jetons'), 300)
    .action(async (opts: { port: number; host: string; seed?: string; tokenLifetime: number }) => {
      try {
        // Loaded here: only this command runs the sandbox.
        const [{ readSeed }, { Sandbox }] = await Promise.all([import('../sandbox/seed.js'), import('../sandbox/server.js')]);
        const seed = opts.seed ? await readSeed(opts.seed) : undefined;
        const sandbox = new Sandbox({ port: opts.port, host: opts.host, seed, tokenLifetimeSeconds: opts.tokenLifetime });
        let url: string;
        try {
          url = await sandbox.start();
        } catch (error) {
          const busy = portInUse(error, opts.port, 'Bac à sable');
          if (busy) {
            process.stderr.write(`${busy}\n`);
            return setCode(EXIT.unavailable);
          }
          throw error;
        }
        process.stdout.write(`Bac à sable BatiSimply sur ${url}\n`);
        process.stdout.write(
          `  Chargé${opts.seed ? ` depuis ${opts.seed}` : ' (état par défaut)'} : ${sandbox.state.projects.size} projet(s), ${sandbox.state.timeSlots.size} créneau(x) horaire(s).\n`,
        );
        for (const [name, value] of Object.entries(sandbox.connectorSettings())) process.stdout.write(`  ${name}=${value}\n`);
        process.stdout.write(`  État : GET ${url}/__admin/state — Ctrl+C pour arrêter.\n`);
        await untilStopped();
        await sandbox.stop();
        setCode(EXIT.ok);
      } catch (error) {
        process.stderr.write(`Bac à sable : ${toConnectorError(error).message}\n`);
        setCode(exitForError(error) === EXIT.partial ? EXIT.usage : exitForError(error));
      }
    });
}
