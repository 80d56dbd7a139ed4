/** `connecteur companies`: the configured companies, each section of their settings checked. */
import type { Command } from 'commander';
import { describeCompanies, leftoverWarning } from '../../lib/companies.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';

export function companiesCommand(program: Command, ctx: CliContext) {
  program
    .command('companies')
    .description('les sociétés configurées, validées')
    .option('--json', 'sortie JSON')
    .action((opts: { json?: boolean }) => {
      try {
        const companies = describeCompanies(ctx.settings().env);
        const leftover = leftoverWarning(ctx.settings().env);
        if (leftover) ctx.err(`⚠ ${leftover}\n`);
        if (opts.json) ctx.out(JSON.stringify(companies, null, 2));
        else {
          for (const c of companies) {
            ctx.out(`${c.name} — schéma de staging ${c.schema}, secrets Key Vault : ${c.secrets.join(', ')}`);
            for (const [section, state] of Object.entries(c.sections))
              ctx.out(`  ${state === 'ok' ? '✔' : '✘'} ${section}${state === 'ok' ? '' : ` : ${state}`}`);
          }
        }
        const complete = companies.every((c) => Object.values(c.sections).every((state) => state === 'ok'));
        ctx.finish(complete ? EXIT.ok : EXIT.usage);
      } catch (error) {
        ctx.finish(ctx.fail(error, opts));
      }
    });
}
