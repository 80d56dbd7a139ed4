/**
 * `heures-to-sqlserver`: brings SuiviMO up to date with every staged slot whose `sync = false`,
 * exactly once. The ledger (`suivimo_ledger`) records per slot what SuiviMO holds for it. Per
 * batch, inside one SQL Server transaction:
 *   1. read the rows at every key involved, locked;
 *   2. settle any write a crashed run left unconfirmed (its intent) against what SuiviMO shows;
 *   3. plan insert / update / delete, holding conflicts (a row we did not write at our key);
 *   4. record the intents in staging, then apply and commit SQL Server;
 * then, in one staging transaction, confirm the ledger and mark the slots synced. A crash at any
 * point leaves an intent that step 2 of the next run settles: nothing is lost or written twice.
 */
import type { BatigestPort } from '../batigest/port.js';
import { salariesByCodeBs, type SalariesByCodeBs } from '../domain/salarie.js';
import type { PendingSlot } from '../domain/slots.js';
import { rowsByKey, suiviMoKeyId, type SuiviMoKey } from '../domain/suiviMo.js';
import { decide, keysOf, planSlot, type Decision } from '../domain/suiviMoDecision.js';
import { confirmLedger, countPendingHeures, markSlotsHeld, markSlotsSynced, pendingSlots, writeIntents } from '../staging/heures.js';
import { stopIfRequested, type JobContext } from './context.js';

export async function heuresToSqlServer(ctx: JobContext): Promise<void> {
  const { HEURES_BATCH_SIZE } = ctx.settings.sync;
  const batigest = await ctx.services.batigest();
  const salaries = salariesByCodeBs(await batigest.readSalaries());
  const { total: pending } = await countPendingHeures(ctx.db);
  let after = '';
  for (;;) {
    stopIfRequested(ctx);
    const batch = await pendingSlots(ctx.db, HEURES_BATCH_SIZE, after);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.idHeure;
    ctx.report.add('read', batch.length);
    await exportBatch(ctx, batigest, salaries, batch);
    ctx.progress(ctx.report.counts.read, Math.max(pending, ctx.report.counts.read));
  }
}

type SlotDecision = Decision & { slot: PendingSlot };

async function exportBatch(ctx: JobContext, batigest: BatigestPort, salaries: SalariesByCodeBs, batch: PendingSlot[]) {
  const decisions = await batigest.withSuiviMo(async (tx) => {
    const plans = batch.map((slot) => ({ slot, plan: planSlot(slot, salaries) }));
    const keys = new Map<string, SuiviMoKey>();
    for (const { plan } of plans) for (const k of keysOf(plan)) keys.set(suiviMoKeyId(k), k);
    const actual = rowsByKey(await tx.read([...keys.values()]));
    const claimed = new Set<string>();
    const decisions: SlotDecision[] = plans.map(({ slot, plan }) => ({ ...decide(plan, actual, claimed), slot }));
    const writes = decisions.filter((d) => d.kind === 'write');
    if (!ctx.dryRun && writes.length > 0) {
      // Intents first: should anything stop between here and the ledger's confirmation, the next run knows what may have been written.
      await writeIntents(
        ctx.db,
        writes.map((d) => ({ idHeure: d.slot.idHeure, target: d.final })),
      );
      await tx.apply(writes.map((d) => d.op));
    }
    return decisions;
  });

  for (const d of decisions) {
    if (d.kind === 'hold') ctx.report.hold(d.slot.idHeure, d.hold.code, d.hold.reason);
    else ctx.report.ok(d.slot.idHeure, d.kind === 'write' ? d.count : 'unchanged');
  }
  if (ctx.dryRun) return;
  await ctx.db.transaction(async (tx) => {
    const settled = decisions.filter((d) => d.kind !== 'hold' || d.settlesLedger);
    await confirmLedger(
      tx,
      settled.map((d) => ({ idHeure: d.slot.idHeure, row: d.final })),
    );
    await markSlotsSynced(
      tx,
      decisions.filter((d) => d.kind !== 'hold').map((d) => d.slot),
    );
    await markSlotsHeld(
      tx,
      decisions.flatMap((d) => (d.kind === 'hold' ? [{ idHeure: d.slot.idHeure, ...d.hold }] : [])),
    );
  });
}
