/** `transfer`: chantiers Batigest → staging, in batches; `sync = false` only for real changes. */
import { RecordError } from '../errors.js';
import { upsertChantiers } from '../staging/chantiers.js';
import { inTransaction } from '../staging/transaction.js';
import { chantierProblem } from './chantierRules.js';
import { detectEndedChantiers } from './finishChantiers.js';
import type { JobContext } from './jobs.js';

export async function transferChantiers(ctx: JobContext): Promise<void> {
  const { CHANTIERS_ETATS, CHANTIERS_BATCH_SIZE } = ctx.services.sync();
  const batigest = await ctx.services.batigest();
  const source = await batigest.readChantiers(CHANTIERS_ETATS);
  ctx.report.add('read', source.length);

  const valid = source.filter((c) => {
    const problem = chantierProblem(c);
    if (problem) ctx.report.fail(c.code, new RecordError('CHANTIER_INVALIDE', problem));
    return !problem;
  });

  await inTransaction(ctx.db, ctx.dryRun, async (tx) => {
    for (let i = 0; i < valid.length; i += CHANTIERS_BATCH_SIZE) {
      const batch = valid.slice(i, i + CHANTIERS_BATCH_SIZE);
      const counts = await upsertChantiers(tx, batch);
      ctx.report.add('created', counts.created);
      ctx.report.add('updated', counts.updated);
      ctx.report.add('unchanged', counts.unchanged);
      ctx.progress(i + batch.length, valid.length);
    }
    await detectEndedChantiers(ctx, tx, batigest, source);
  });
  for (const c of valid) ctx.report.ok(c.code);
}
