/** `connecteur status`: last runs, pending and held records, per company. */
import type { Command } from 'commander';
import { settingSources } from '../../lib/config.js';
import { operatorTimeZone } from '../../lib/ops/frenchTime.js';
import { forEachCompany, severalCompanies, type CliContext } from '../context.js';
import { EXIT, exitForChecks } from '../exitCodes.js';
import { formatSources, formatStatus } from '../format.js';

export function statusCommand(program: Command, ctx: CliContext) {
  program
    .command('status')
    .description('dernières exécutions, enregistrements en attente et retenus')
    .option('--json', 'sortie JSON')
    .option('--check', "teste aussi les connexions (code 2 ou 3 si l'une échoue)")
    .option('--company <nom>', 'une seule société (défaut : toutes)')
    .action(async (opts: { json?: boolean; check?: boolean; company?: string }) =>
      ctx.finish(
        await forEachCompany(ctx, opts, async (s, name) => {
          const { gatherStatus } = await import('../../lib/ops/status.js');
          const status = await gatherStatus(s, { checkConnections: opts.check ?? false });
          const settings = ctx.settings();
          const sources = settingSources(settings);
          // Several companies: one JSON object per line, each naming its company.
          if (severalCompanies(ctx))
            ctx.out(
              opts.json
                ? JSON.stringify({ company: name, ...status, settings: sources })
                : `— Société ${name} —\n${formatStatus(status, operatorTimeZone(s))}`,
            );
          else if (opts.json) ctx.out(JSON.stringify({ ...status, settings: sources }, null, 2));
          else ctx.out(`${formatStatus(status, operatorTimeZone(s))}\n\n${formatSources(settings, sources)}`);
          return status.connections ? exitForChecks(status.connections) : EXIT.ok;
        }),
      ),
    );
}
