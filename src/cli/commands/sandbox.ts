/** `connecteur sandbox`: the local BatiSimply, every option checked, what was loaded said. */
import type { Command } from 'commander';
import { toConnectorError } from '../../lib/errors.js';
import type { CliContext } from '../context.js';
import { EXIT, exitForError } from '../exitCodes.js';
import { integerOption, listenOn, listenOptions, untilStopped } from './listening.js';

export function sandboxCommand(program: Command, ctx: CliContext) {
  listenOptions(program.command('sandbox').description('une API BatiSimply locale pour les tests et les démonstrations'), 8089)
    .option('--seed <fichier>', 'état initial (JSON)')
    .option('--token-lifetime <s>', 'durée de vie des jetons (secondes)', integerOption(1, 86_400, 'durée de vie des jetons'), 300)
    .action(async (opts: { port: number; host: string; seed?: string; tokenLifetime: number }) => {
      try {
        // Loaded here: only this command runs the sandbox.
        const [{ readSeed }, { Sandbox }] = await Promise.all([import('../../sandbox/seed.js'), import('../../sandbox/server.js')]);
        const seed = opts.seed ? await readSeed(opts.seed) : undefined;
        const sandbox = new Sandbox({ port: opts.port, host: opts.host, seed, tokenLifetimeSeconds: opts.tokenLifetime });
        const url = await listenOn(() => sandbox.start(), opts.port, 'Bac à sable', ctx.err);
        if (url === null) return ctx.finish(EXIT.unavailable);
        ctx.out(`Bac à sable BatiSimply sur ${url}`);
        ctx.out(
          `  Chargé${opts.seed ? ` depuis ${opts.seed}` : ' (état par défaut)'} : ${sandbox.state.projects.size} projet(s), ${sandbox.state.timeSlots.size} créneau(x) horaire(s).`,
        );
        for (const [name, value] of Object.entries(sandbox.connectorSettings())) ctx.out(`  ${name}=${value}`);
        ctx.out(`  État : GET ${url}/__admin/state — Ctrl+C pour arrêter.`);
        await untilStopped();
        await sandbox.stop();
        ctx.finish(EXIT.ok);
      } catch (error) {
        ctx.err(`Bac à sable : ${toConnectorError(error).message}\n`);
        ctx.finish(exitForError(error) === EXIT.partial ? EXIT.usage : exitForError(error));
      }
    });
}
