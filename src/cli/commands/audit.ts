/** `connecteur audit`: Batigest ⇄ staging ⇄ BatiSimply, each difference explained (read-only). */
import type { Command } from 'commander';
import { ConfigurationError } from '../../lib/errors.js';
import { withServices, type CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';

export function auditCommand(program: Command, ctx: CliContext) {
  program
    .command('audit')
    .description('Batigest ⇄ staging ⇄ BatiSimply : chaque différence expliquée, avec son remède (lecture seule)')
    .option('--from <date>', 'premier jour (AAAA-MM-JJ), heure locale de SYNC_TIMEZONE')
    .option('--to <date>', 'jour suivant le dernier (AAAA-MM-JJ, exclu)')
    .option('--json', 'rapport JSON')
    .option('--csv', 'une ligne par différence, séparateur « ; »')
    .option('--company <nom>', 'la société (requis quand il y en a plusieurs)')
    .action(async (opts: { from?: string; to?: string; json?: boolean; csv?: boolean; company?: string }) =>
      ctx.finish(
        await withServices(ctx, opts, async (s) => {
          if (opts.json && opts.csv) throw new ConfigurationError('--json et --csv s’excluent.', { code: 'BAD_INPUT' });
          const [{ runAudit }, { formatAuditCsv, formatAuditText }] = await Promise.all([
            import('../../lib/audit/runAudit.js'),
            import('../../lib/audit/format.js'),
          ]);
          const report = await runAudit(s, { from: opts.from, to: opts.to });
          ctx.out(opts.json ? JSON.stringify(report, null, 2) : opts.csv ? formatAuditCsv(report) : formatAuditText(report));
          // Like a run: 1 when there is something to look at.
          return report.summary.differences === 0 ? EXIT.ok : EXIT.partial;
        }),
      ),
    );
}
