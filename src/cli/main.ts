/**
 * `connecteur`: the CLI of the interface (commander, in French), one file per command in
 * commands/. Exit codes: see exitCodes.ts. Settings: the environment, then `local.settings.json`
 * of the current folder (as `func start`). A command's modules (and the drivers behind them) are
 * imported by its action, so that `--help` or one job does not load every command's.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { LoadedSettings } from '../lib/config.js';
import { applyHeapPolicy } from '../lib/heapPolicy.js';
import { COMMANDS } from './commands/index.js';
import { createCliContext } from './context.js';
import { EXIT } from './exitCodes.js';
import { frenchCommander } from './french.js';

export { EXIT } from './exitCodes.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** `given`: settings already loaded (tests); else read on first use. Returns the exit code. */
export async function main(argv: string[], given?: LoadedSettings): Promise<number> {
  applyHeapPolicy();
  const ctx = createCliContext(given);
  const program = frenchCommander(new Command('connecteur'), ctx)
    .description('Connecteur SAGES : Batigest ⇄ BatiSimply')
    .version(VERSION, '-V, --version', 'affiche la version')
    .exitOverride();
  for (const register of COMMANDS) register(program, ctx);
  // Commander answers `help <unknown>` with the general help alone, as if the command existed.
  const [first, asked] = argv;
  if (
    first === 'help' &&
    asked &&
    !asked.startsWith('-') &&
    !program.commands.some((c) => c.name() === asked || c.aliases().includes(asked))
  ) {
    ctx.err(`erreur : commande inconnue « ${asked} » (commandes : ${program.commands.map((c) => c.name()).join(', ')})\n`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return ctx.fail(error);
  } finally {
    await ctx.close();
  }
  return ctx.code;
}
