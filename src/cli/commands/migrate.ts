/** `connecteur migrate`: create or upgrade each company's staging schema. */
import type { Command } from 'commander';
import { forEachCompany, severalCompanies, type CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { frenchTime } from '../../lib/time.js';

export function migrateCommand(program: Command, ctx: CliContext) {
  program
    .command('migrate')
    .description('crée ou met à jour le schéma de staging')
    .option('--company <nom>', 'une seule société (défaut : toutes)')
    .action(async (opts: { company?: string }) =>
      ctx.finish(
        await forEachCompany(ctx, opts, async (s, name) => {
          // Opened without the services, which would migrate it first and leave nothing to report.
          const [{ openStaging }, { migrate }] = await Promise.all([
            import('../../lib/staging/open.js'),
            import('../../lib/staging/migrate.js'),
          ]);
          const db = await openStaging(await s.stagingConnection(), s.scope.schema === 'public' ? undefined : s.scope.schema, {
            showTime: (iso) => frenchTime(iso, s.timeZone()),
          });
          try {
            const result = await migrate(db);
            const who = severalCompanies(ctx) ? `${name} : ` : '';
            ctx.out(
              result.applied.length
                ? `${who}Schéma de staging passé de la version ${result.from} à ${result.to} (appliqué : ${result.applied.join(', ')}).`
                : `${who}Schéma de staging à la version ${result.to} (déjà à jour).`,
            );
            return EXIT.ok;
          } finally {
            await db.close();
          }
        }),
      ),
    );
}
