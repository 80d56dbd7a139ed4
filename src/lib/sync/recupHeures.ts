/**
 * `recup-heures`: every user's time slots of the last HEURES_WINDOW_DAYS → `batigest_heures`.
 * Instants become wall-clock minutes in SYNC_TIMEZONE; a slot no longer returned is marked deleted.
 *
 * The window is read a period at a time, in a pipeline: while one period is written, the next is
 * sorted out and the one after is on its way from BatiSimply. Memory follows a few periods' slots,
 * not the window. A slot whose digest matches the staged one is not written at all; the others are
 * written with one multi-row statement per batch.
 */
import type { BatisimplyApi, TimeSlotList } from '../batisimply/client.js';
import { RecordError } from '../errors.js';
import {
  existingSlots,
  insertNewSlots,
  liveSlotCount,
  livePeriodSlotIds,
  markSlotsDeleted,
  stagedHashes,
  upsertSlots,
} from '../staging/heures.js';
import type { Queryable } from '../staging/db.js';
import { inTransaction } from '../staging/transaction.js';
import { slotFields } from '../batisimply/slotFields.js';
import { reachesSuiviMo, withResolvedCode, type ExistingSlot, type StagedSlot } from '../domain/slots.js';
import { stopIfRequested, type JobContext } from './context.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Slots asked of BatiSimply per request, about: see nextSpanMs. */
const SLOTS_PER_REQUEST = 5_000;
/** Rows per staging statement: few round trips, and parameters of a few megabytes at most. */
const WRITE_BATCH = 5_000;
/** Key of the held deletions in the run's records, so that a later confirmed run resolves it. */
export const MASS_DELETE_KEY = 'suppressions-creneaux';

function changedAtAll(next: StagedSlot, prev: ExistingSlot): boolean {
  return (
    reachesSuiviMo(next, prev) ||
    prev.dateFin !== next.dateFin ||
    prev.userName !== next.userName ||
    prev.projectCodeInSlot !== next.projectCodeInSlot
  );
}

function refusal(field: string, message: string) {
  return new RecordError('CRENEAU_INVALIDE', `Créneau refusé (${field}) : ${message}.`);
}

/**
 * Stages one period's slots; the ones already staged as they are now are not written. Returns the
 * ids of staged slots whose start moved: the staged row of such a slot may sit in another period.
 */
async function stageSlots(ctx: JobContext, tx: Queryable, slots: readonly StagedSlot[]): Promise<string[]> {
  const hashes = await stagedHashes(
    tx,
    slots.map((s) => s.idHeure),
  );
  const candidates: StagedSlot[] = [];
  const moved: string[] = [];
  for (const slot of slots) {
    const staged = hashes.get(slot.idHeure);
    if (staged && !staged.deleted && staged.hash === slot.contentHash) {
      ctx.report.ok(slot.idHeure, 'unchanged');
      continue;
    }
    candidates.push(slot);
    if (staged && staged.startMs !== Date.parse(slot.startUtc)) moved.push(slot.idHeure);
  }
  // New slots have nothing to compare with: read back only the rows that exist and differ.
  const known = candidates.filter((s) => hashes.has(s.idHeure)).map((s) => s.idHeure);
  const existing = known.length > 0 ? await existingSlots(tx, known) : new Map<string, ExistingSlot>();
  /** Slots staging does not hold at all: inserted. */
  const added: StagedSlot[] = [];
  const write: StagedSlot[] = [];
  const relevant: boolean[] = [];
  for (const fields of candidates) {
    const prev = existing.get(fields.idHeure);
    const next = withResolvedCode(fields, prev);
    const live = prev && !prev.deleted;
    // Same values, digest not yet stored (a row staged before digests existed): store it, nothing else.
    ctx.report.ok(fields.idHeure, live ? (changedAtAll(next, prev) ? 'updated' : 'unchanged') : 'created');
    if (!hashes.has(fields.idHeure)) {
      added.push(next);
      continue;
    }
    write.push(next);
    relevant.push(reachesSuiviMo(next, prev));
  }
  for (let i = 0; i < added.length; i += WRITE_BATCH) await insertNewSlots(tx, added.slice(i, i + WRITE_BATCH));
  for (let i = 0; i < write.length; i += WRITE_BATCH) {
    await upsertSlots(tx, write.slice(i, i + WRITE_BATCH), relevant.slice(i, i + WRITE_BATCH));
  }
  return moved;
}

/**
 * The span of the next request. BatiSimply answers a period whole (no paging), so the span follows
 * the density seen so far: about SLOTS_PER_REQUEST slots per answer, HEURES_CHUNK_DAYS at most,
 * an hour at least. Memory then follows that many slots, however busy the window.
 */
export function nextSpanMs(spanMs: number, slotsInSpan: number, maxSpanMs: number): number {
  const wanted = slotsInSpan === 0 ? spanMs * 4 : (spanMs * SLOTS_PER_REQUEST) / slotsInSpan;
  return Math.min(maxSpanMs, Math.max(HOUR_MS, Math.floor(Math.min(wanted, spanMs * 4) / 60_000) * 60_000));
}

/**
 * What the read of the window tells about deletions, kept a period at a time so that memory does
 * not follow the window: a staged slot is deleted when the period holding its start no longer
 * lists it, unless BatiSimply listed it elsewhere in the window. Only the exceptions are kept:
 * slots listed outside their start's period, slots whose start moved, refused slots.
 */
class DeletionTracker {
  /** Staged slots a period did not list: deleted unless met elsewhere. */
  private readonly missing = new Set<string>();
  /** Slots met in the window whose staged row may sit in a period that did not list them. */
  private readonly metElsewhere = new Set<string>();
  /** A refused slot without a usable id might be any staged slot: then none is known to be deleted. */
  unidentified = 0;

  missedBy(ids: readonly string[]) {
    for (const id of ids) this.missing.add(id);
  }

  metOutsideItsPeriod(id: string) {
    this.metElsewhere.add(id);
  }

  gone(): string[] {
    return [...this.missing].filter((id) => !this.metElsewhere.has(id));
  }
}

/** One period as BatiSimply listed it, sorted out before anything is written. */
interface Period {
  from: Date;
  to: Date;
  /** The slots this period stages. */
  fresh: StagedSlot[];
  /** Every id the period listed: its staged slots that are not among them are missing. */
  listed: string[];
  /** Refused slots, reported when the period is staged. */
  refusals: [key: string, error: RecordError][];
}

/** What the reading of the window remembers from one period to the next. */
interface WindowState {
  deletions: DeletionTracker;
  /** Slots staged in their own period that run past its end: a later period may list them again. */
  spanning: Set<string>;
  /** Slots staged from a period other than their start's (or refused): staged once. */
  stagedElsewhere: Set<string>;
}

/** Sorts out one period's answer: no database access, so it can run while the previous period is written. */
function sortPeriod(list: TimeSlotList, periodStart: number, end: number, state: WindowState, timeZone: string): Period {
  const { deletions, spanning, stagedElsewhere } = state;
  const listed: string[] = [];
  const refusals: Period['refusals'] = [];
  for (const refused of list.refused) {
    if (refused.id === null) deletions.unidentified++;
    else {
      listed.push(refused.id);
      // A refused slot exists in BatiSimply: never deleted, wherever its staged row sits.
      deletions.metOutsideItsPeriod(refused.id);
      if (stagedElsewhere.has(refused.id)) continue;
      stagedElsewhere.add(refused.id);
    }
    refusals.push([refused.id ?? `créneau sans identifiant ${deletions.unidentified}`, refusal(refused.field, refused.message)]);
  }
  const fresh: StagedSlot[] = [];
  const inPeriod = new Set<string>();
  for (const slot of list.slots) {
    listed.push(slot.id);
    const startMs = Date.parse(slot.startDate);
    const own = startMs >= periodStart && startMs < end;
    // Periods do not overlap, but a slot may be listed by each period it covers: staged once.
    if (own) {
      if (inPeriod.has(slot.id) || stagedElsewhere.has(slot.id)) continue;
      inPeriod.add(slot.id);
      if (Date.parse(slot.endDate) > end) spanning.add(slot.id);
    } else {
      deletions.metOutsideItsPeriod(slot.id);
      if (spanning.has(slot.id) || stagedElsewhere.has(slot.id)) continue;
      stagedElsewhere.add(slot.id);
    }
    fresh.push(slotFields(slot, timeZone));
  }
  return { from: new Date(periodStart), to: new Date(end), fresh, listed, refusals };
}

/** Writes one period, then notes which of its staged slots it no longer lists. */
async function stagePeriod(ctx: JobContext, period: Period, deletions: DeletionTracker): Promise<void> {
  for (const [key, error] of period.refusals) {
    ctx.report.add('read');
    ctx.report.fail(key, error);
  }
  ctx.report.add('read', period.fresh.length);
  // The period's staged slots are read after its writes, in the same transaction (a dry run sees them too).
  const staged =
    period.fresh.length > 0
      ? await inTransaction(ctx.db, ctx.dryRun, async (tx) => {
          for (const id of await stageSlots(ctx, tx, period.fresh)) deletions.metOutsideItsPeriod(id);
          return livePeriodSlotIds(tx, period.from, period.to);
        })
      : await livePeriodSlotIds(ctx.db, period.from, period.to);
  const listedIds = new Set(period.listed);
  deletions.missedBy(staged.filter((id) => !listedIds.has(id)));
}

export async function recupHeures(ctx: JobContext<'batisimply'>): Promise<void> {
  const sync = ctx.settings.sync;
  const api: BatisimplyApi = await ctx.services.batisimply();
  // Whole minutes, so that consecutive runs ask for comparable windows.
  const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  const from = new Date(to.getTime() - sync.HEURES_WINDOW_DAYS * DAY_MS);
  const maxSpanMs = sync.HEURES_CHUNK_DAYS * DAY_MS;
  const total = to.getTime() - from.getTime();

  const state: WindowState = { deletions: new DeletionTracker(), spanning: new Set(), stagedElsewhere: new Set() };
  const { deletions } = state;
  const fetch = (start: number, span: number) => {
    const end = Math.min(to.getTime(), start + span);
    return { end, list: api.listTimeSlots(new Date(start), new Date(end)) };
  };
  // Three periods at once: one written, the next sorted out, the one after on its way from BatiSimply.
  let writing: Promise<void> = Promise.resolve();
  let span = Math.min(maxSpanMs, DAY_MS);
  let next: { end: number; list: Promise<TimeSlotList> } | undefined = fetch(from.getTime(), span);
  for (let start = from.getTime(); next;) {
    if (ctx.signal?.aborted) {
      // The period being written is finished first: a stop leaves whole periods staged.
      await writing;
      next.list.catch(() => {});
      stopIfRequested(ctx);
    }
    const { end } = next;
    const periodStart = start;
    // A failed write of the previous period is the error to report, not what happened after it.
    const list = await next.list.catch(async (error: unknown) => {
      await writing;
      throw error;
    });
    span = nextSpanMs(end - start, list.slots.length + list.refused.length, maxSpanMs);
    start = end;
    next = start < to.getTime() ? fetch(start, span) : undefined;
    // A rejection of the prefetched period is handled when it is awaited, not reported as unhandled meanwhile.
    next?.list.catch(() => {});
    const period = sortPeriod(list, periodStart, end, state, sync.SYNC_TIMEZONE);
    await writing;
    const done = Math.round(((start - from.getTime()) / total) * 100);
    writing = stagePeriod(ctx, period, deletions).then(() => ctx.progress(done, 101));
    writing.catch(() => {});
  }
  await writing;

  // Only now that the whole window was read is a missing slot known to be deleted.
  if (deletions.unidentified > 0) {
    ctx.report.warn(
      'recup-heures',
      'SUPPRESSIONS_NON_DETERMINEES',
      `${deletions.unidentified} créneau(x) sans identifiant lisible : aucun créneau n'est marqué supprimé pendant cette exécution.`,
    );
  } else {
    const gone = deletions.gone();
    if (gone.length > 0) {
      await inTransaction(ctx.db, ctx.dryRun, async (tx) => {
        const [staged, missing] = [await liveSlotCount(tx, from, to), gone.length];
        const share = missing / staged;
        if (!ctx.allowMassDelete && missing >= sync.HEURES_MASS_DELETE_MIN && share > sync.HEURES_MASS_DELETE_MAX_RATIO) {
          const message =
            `Suppressions retenues : ${missing} des ${staged} créneaux de la période (${Math.round(share * 100)} %) ne sont plus renvoyés par BatiSimply ` +
            `(au-delà de ${Math.round(sync.HEURES_MASS_DELETE_MAX_RATIO * 100)} %, HEURES_MASS_DELETE_MAX_RATIO). Panne ou mauvais compte ? ` +
            `Si ces suppressions sont réelles, relancer avec --allow-mass-delete (ou ?allowMassDelete=true).`;
          ctx.report.warn(MASS_DELETE_KEY, 'SUPPRESSION_MASSIVE_RETENUE', message);
          ctx.report.hold(MASS_DELETE_KEY, 'SUPPRESSION_MASSIVE_RETENUE', message);
          return;
        }
        ctx.report.add('deleted', await markSlotsDeleted(tx, gone));
      });
    }
    if (!ctx.report.outcomes.some((o) => o.key === MASS_DELETE_KEY)) ctx.report.ok(MASS_DELETE_KEY);
  }
  ctx.progress(101, 101);
}
