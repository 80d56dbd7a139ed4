/**
 * `recup-heures`: every user's time slots of the last HEURES_WINDOW_DAYS → `batigest_heures`.
 * Instants become wall-clock minutes in SYNC_TIMEZONE; a slot no longer returned is marked deleted.
 */
import type { TimeSlot } from '../batisimply/client.js';
import { existingSlots, markMissingSlotsDeleted, upsertSlots, type ExistingSlot, type StagedSlot } from '../staging/heures.js';
import { inTransaction } from '../staging/transaction.js';
import { toWallClock } from '../time.js';
import type { JobContext } from './jobs.js';

const DAY_MS = 86_400_000;

export function toStagedSlot(slot: TimeSlot, timeZone: string, existing: ExistingSlot | undefined): StagedSlot {
  const code = slot.project?.projectCode?.trim() || null;
  const idProjet = slot.project?.id ?? null;
  // A code resolved earlier stays while the slot keeps its project; a new project starts afresh.
  const codeProjet = existing && existing.idProjet === idProjet ? (code ?? existing.codeProjet) : code;
  const names = [slot.user.lastName, slot.user.firstName].filter(Boolean).join(' ');
  return {
    idHeure: slot.id,
    dateDebut: toWallClock(new Date(slot.startDate), timeZone),
    dateFin: toWallClock(new Date(slot.endDate), timeZone),
    startUtc: slot.startDate,
    endUtc: slot.endDate,
    idUtilisateur: slot.user.id.toLowerCase(),
    idProjet,
    projectCodeInSlot: code,
    codeProjet,
    status: slot.managementStatus,
    totalHeure: slot.totalTimeMinutes,
    panier: slot.hasPackedLunch,
    trajet: slot.hasHomeToWorkJourney,
    userName: names || null,
    raw: slot,
  };
}

/** Whether the change reaches SuiviMO: status, start minute, minutes, allowances, project, user. */
export function reachesSuiviMo(next: StagedSlot, prev: ExistingSlot | undefined): boolean {
  if (!prev || prev.deleted) return true;
  return (
    prev.status !== next.status ||
    prev.dateDebut !== next.dateDebut ||
    prev.totalHeure !== next.totalHeure ||
    prev.panier !== next.panier ||
    prev.trajet !== next.trajet ||
    prev.idProjet !== next.idProjet ||
    prev.codeProjet !== next.codeProjet ||
    prev.idUtilisateur !== next.idUtilisateur
  );
}

function changedAtAll(next: StagedSlot, prev: ExistingSlot): boolean {
  return (
    reachesSuiviMo(next, prev) ||
    prev.dateFin !== next.dateFin ||
    prev.userName !== next.userName ||
    prev.projectCodeInSlot !== next.projectCodeInSlot
  );
}

export async function recupHeures(ctx: JobContext): Promise<void> {
  const { HEURES_WINDOW_DAYS, HEURES_CHUNK_DAYS, HEURES_BATCH_SIZE, SYNC_TIMEZONE } = ctx.services.sync();
  const api = await ctx.services.batisimply();
  // Whole minutes, so that consecutive runs ask for comparable windows.
  const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  const from = new Date(to.getTime() - HEURES_WINDOW_DAYS * DAY_MS);

  const slots = new Map<string, TimeSlot>();
  const chunks = Math.ceil(HEURES_WINDOW_DAYS / HEURES_CHUNK_DAYS);
  for (let i = 0; i < chunks; i++) {
    const start = new Date(from.getTime() + i * HEURES_CHUNK_DAYS * DAY_MS);
    const end = new Date(Math.min(to.getTime(), start.getTime() + HEURES_CHUNK_DAYS * DAY_MS));
    for (const slot of await api.listTimeSlots(start, end)) slots.set(slot.id, slot);
    ctx.progress(i + 1, chunks + 1);
  }
  ctx.report.add('read', slots.size);

  const all = [...slots.values()];
  await inTransaction(ctx.db, ctx.dryRun, async (tx) => {
    for (let i = 0; i < all.length; i += HEURES_BATCH_SIZE) {
      const batch = all.slice(i, i + HEURES_BATCH_SIZE);
      const existing = await existingSlots(tx, batch.map((s) => s.id));
      const write: StagedSlot[] = [];
      const relevant: boolean[] = [];
      for (const slot of batch) {
        const prev = existing.get(slot.id);
        const next = toStagedSlot(slot, SYNC_TIMEZONE, prev);
        if (prev && !prev.deleted && !changedAtAll(next, prev)) {
          ctx.report.ok(slot.id, 'unchanged');
          continue;
        }
        ctx.report.ok(slot.id, prev && !prev.deleted ? 'updated' : 'created');
        write.push(next);
        relevant.push(reachesSuiviMo(next, prev));
      }
      await upsertSlots(tx, write, relevant);
    }
    // Only now that the whole window was read is a missing slot known to be deleted.
    const deleted = await markMissingSlotsDeleted(tx, from, to, [...slots.keys()]);
    ctx.report.add('deleted', deleted.length);
  });
  ctx.progress(chunks + 1, chunks + 1);
}
