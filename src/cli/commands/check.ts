/** `connecteur check`: test every configured connection, and say where each setting comes from. */
import type { Command } from 'commander';
import { settingSources } from '../../lib/config.js';
import { withServices, type CliContext } from '../context.js';
import { exitForChecks } from '../exitCodes.js';
import { formatSources } from '../format.js';

export function checkCommand(program: Command, ctx: CliContext) {
  program
    .command('check')
    .description("teste chaque connexion configurée et dit d'où vient chaque réglage")
    .option('--json', 'sortie JSON')
    .option('--company <nom>', 'la société (requis quand il y en a plusieurs)')
    .action(async (opts: { json?: boolean; company?: string }) =>
      ctx.finish(
        await withServices(ctx, opts, async (s) => {
          const { checkAll } = await import('../../lib/ops/checks.js');
          const results = await checkAll(s);
          const settings = ctx.settings();
          if (opts.json) ctx.out(JSON.stringify(results, null, 2));
          else
            ctx.out(
              [...results.map((r) => `${r.ok ? '✔' : '✘'} ${r.message}`), '', formatSources(settings, settingSources(settings))].join('\n'),
            );
          return exitForChecks(results);
        }),
      ),
    );
}
