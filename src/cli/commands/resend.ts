/**
 * `connecteur chantiers renvoyer <code…>` and `connecteur heures renvoyer <créneau…>`: the audit's
 * remedies as commands (and as the dashboard's buttons), never SQL to paste. Exit 2 for a key
 * staging does not hold.
 */
import type { Command } from 'commander';
import type { ResendKind } from '../../lib/domain/resend.js';
import { withServices, type CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';

const WHAT: Record<ResendKind, { group: string; argument: string; description: string }> = {
  chantier: {
    group: 'chantiers',
    argument: '<code...>',
    description: 'renvoie des chantiers vers BatiSimply au prochain transfer-batisimply (recrée un projet disparu)',
  },
  heure: {
    group: 'heures',
    argument: '<créneau...>',
    description: 'réexporte des créneaux vers SuiviMO au prochain heures-to-sqlserver',
  },
};

function resendCommand(kind: ResendKind) {
  return (program: Command, ctx: CliContext) => {
    const what = WHAT[kind];
    program
      .command(what.group)
      .description(`actions sur les ${what.group} en staging (renvoyer)`)
      .command('renvoyer')
      .description(what.description)
      .argument(what.argument, kind === 'chantier' ? 'codes chantier Batigest' : 'identifiants de créneaux BatiSimply')
      .option('--json', 'sortie JSON')
      .option('--company <nom>', 'la société (requis quand il y en a plusieurs)')
      .action(async (keys: string[], opts: { json?: boolean; company?: string }) =>
        ctx.finish(
          await withServices(ctx, opts, async (s) => {
            const { resend, describeResend } = await import('../../lib/ops/resend.js');
            const outcome = await resend(s, kind, keys);
            ctx.out(opts.json ? JSON.stringify(outcome, null, 2) : describeResend(outcome));
            return outcome.unknown.length > 0 ? EXIT.usage : EXIT.ok;
          }),
        ),
      );
  };
}

export const chantiersCommand = resendCommand('chantier');
export const heuresCommand = resendCommand('heure');
