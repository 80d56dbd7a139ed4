/**
 * `transfer`: chantiers Batigest → staging, in batches; `sync = false` only for real changes. A staged
 * chantier Batigest no longer returns (or that comes back) is noted for `fin-chantiers`.
 */
import { RecordError } from '../errors.js';
import { upsertChantiers } from '../staging/chantiers.js';
import { inTransaction } from '../staging/transaction.js';
import type { BatigestPort } from '../batigest/port.js';
import { chantierProblem, FIN_MODE_FR, type ChantierSource } from '../domain/chantier.js';
import { markChantiersEnded, openCodesNotIn, reopenChantiers } from '../staging/chantierEnds.js';
import type { Queryable } from '../staging/db.js';
import { stopIfRequested, type JobContext } from './context.js';

export async function transferChantiers(ctx: JobContext): Promise<void> {
  const { CHANTIERS_ETATS, CHANTIERS_BATCH_SIZE } = ctx.settings.sync;
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
      // One transaction for the whole transfer: a stop rolls it back, the next run does it all again.
      stopIfRequested(ctx);
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

/** Inside the transfer's transaction: records which chantiers ended and which came back (fin-chantiers tells BatiSimply). */
export async function detectEndedChantiers(ctx: JobContext, tx: Queryable, batigest: BatigestPort, source: readonly ChantierSource[]) {
  const { CHANTIERS_ETATS, CHANTIERS_FIN_MODE } = ctx.settings.sync;
  const seen = source.map((c) => c.code);
  const missing = await openCodesNotIn(tx, seen);
  if (missing.length > 0 && source.length === 0) {
    // An empty answer is far more often a wrong setting or an emptied database than the end of every chantier.
    ctx.report.warn(
      'chantiers',
      'AUCUN_CHANTIER',
      `Batigest ne renvoie aucun chantier : ${missing.length} chantier(s) déjà connus laissés ouverts par prudence (vérifiez CHANTIERS_ETATS).`,
    );
  } else if (missing.length > 0) {
    const etats = await batigest.readChantierEtats(missing);
    const ends = missing.map((code) => ({
      code,
      reason: etats.has(code)
        ? `Etat « ${etats.get(code) ?? ''} » hors de CHANTIERS_ETATS (${(CHANTIERS_ETATS ?? []).join(', ')})`
        : 'supprimé de Batigest',
    }));
    await markChantiersEnded(tx, ends);
    const outcome =
      CHANTIERS_FIN_MODE === 'none'
        ? 'laissé ouvert dans BatiSimply (CHANTIERS_FIN_MODE=none)'
        : `sera ${FIN_MODE_FR[CHANTIERS_FIN_MODE]} dans BatiSimply`;
    for (const e of ends) ctx.report.warn(e.code, 'CHANTIER_FINI', `Chantier ${e.code} ${e.reason} : ${outcome}.`);
  }
  for (const code of await reopenChantiers(tx, seen)) {
    ctx.report.warn(code, 'CHANTIER_REVENU', `Chantier ${code} de retour dans Batigest : rouvert dans BatiSimply s'il y avait été fermé.`);
  }
}
