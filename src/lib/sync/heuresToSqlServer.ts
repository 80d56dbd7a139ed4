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
import type { BatigestPort, Salarie, SuiviMoKey, SuiviMoOp, SuiviMoRow } from '../batigest/port.js';
import { sameSuiviMoValues, suiviMoKeyId } from '../batigest/port.js';
import {
  confirmLedger,
  countPendingHeures,
  markSlotsHeld,
  markSlotsSynced,
  pendingSlots,
  writeIntents,
  type PendingSlot,
} from '../staging/heures.js';
import { CODE_CHANTIER_MAX } from './chantierRules.js';
import type { JobContext } from './jobs.js';

export const VALIDATED = 'VALIDATED';

type Hold = { code: string; reason: string };
type Desired = { row: SuiviMoRow | null } | { hold: Hold };

export function hoursOf(minutes: number): number {
  return Math.round((minutes / 60) * 10_000) / 10_000;
}

/** The SuiviMO row a slot should have (null: none), or why it cannot be decided. */
export function desiredRow(slot: PendingSlot, salaries: ReadonlyMap<string, Salarie[]>): Desired {
  if (slot.deleted || slot.status !== VALIDATED) return { row: null };
  const who = slot.userName ? ` (${slot.userName} dans BatiSimply)` : '';
  if (!slot.codeProjet) {
    const project = slot.idProjet === null ? 'aucun projet sur le créneau' : `projet BatiSimply ${slot.idProjet} sans code chantier connu`;
    return { hold: { code: 'CHANTIER_NON_RESOLU', reason: `Chantier non résolu : ${project}.` } };
  }
  if (slot.codeProjet.length > CODE_CHANTIER_MAX) {
    return {
      hold: {
        code: 'CODE_CHANTIER_TROP_LONG',
        reason: `Code chantier « ${slot.codeProjet} » trop long pour SuiviMO (${CODE_CHANTIER_MAX} caractères au plus).`,
      },
    };
  }
  const matches = slot.idUtilisateur ? (salaries.get(slot.idUtilisateur) ?? []) : [];
  if (matches.length === 0) {
    return {
      hold: { code: 'SALARIE_INCONNU', reason: `Salarié introuvable : aucun Salarie.CodeBS = ${slot.idUtilisateur ?? '(vide)'}${who}.` },
    };
  }
  if (matches.length > 1) {
    return {
      hold: {
        code: 'SALARIE_AMBIGU',
        reason: `Plusieurs salariés ont le CodeBS ${slot.idUtilisateur} : ${matches.map((s) => s.code).join(', ')}.`,
      },
    };
  }
  if (!slot.dateDebut || slot.totalHeure === null) {
    return { hold: { code: 'CRENEAU_INCOMPLET', reason: 'Créneau sans date de début ou sans durée.' } };
  }
  return {
    row: {
      codeChantier: slot.codeProjet,
      codeSalarie: matches[0]!.code,
      date: slot.dateDebut,
      nbh0: hoursOf(slot.totalHeure),
      trajet: slot.trajet ? 1 : 0,
      panier: slot.panier ? 1 : 0,
    },
  };
}

const sameKey = (a: SuiviMoKey, b: SuiviMoKey) => suiviMoKeyId(a) === suiviMoKeyId(b);

interface Decision {
  slot: PendingSlot;
  /** What SuiviMO holds for the slot once this batch commits. */
  final: SuiviMoRow | null;
  op?: SuiviMoOp;
  count?: 'created' | 'updated' | 'deleted' | 'unchanged';
  hold?: Hold;
  /** The ledger cannot be settled (its salarié is unknown): leave it as it is. */
  keepLedger?: boolean;
}

export async function heuresToSqlServer(ctx: JobContext): Promise<void> {
  const { HEURES_BATCH_SIZE } = ctx.services.sync();
  const batigest = await ctx.services.batigest();
  const salaries = new Map<string, Salarie[]>();
  for (const s of await batigest.readSalaries()) {
    if (s.codeBs) salaries.set(s.codeBs, [...(salaries.get(s.codeBs) ?? []), s]);
  }
  const { pending } = await countPendingHeures(ctx.db);
  let after = '';
  for (;;) {
    const batch = await pendingSlots(ctx.db, HEURES_BATCH_SIZE, after);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.idHeure;
    ctx.report.add('read', batch.length);
    await exportBatch(ctx, batigest, salaries, batch);
    ctx.progress(ctx.report.counts.read, Math.max(pending, ctx.report.counts.read));
  }
}

async function exportBatch(ctx: JobContext, batigest: BatigestPort, salaries: Map<string, Salarie[]>, batch: PendingSlot[]) {
  const decisions = await batigest.withSuiviMo(async (tx) => {
    const confirmedOf = (slot: PendingSlot): SuiviMoRow | null | Hold => {
      const c = slot.ledger?.confirmed;
      if (!c) return null;
      if (c.codeSalarie) return { ...c, codeSalarie: c.codeSalarie };
      // Adopted from the earlier tool: its salarié is found by the user id it was written for.
      const match = c.idUtilisateur ? salaries.get(c.idUtilisateur) : undefined;
      if (match?.length !== 1)
        return { code: 'SALARIE_INCONNU', reason: `Salarié de la ligne SuiviMO déjà écrite introuvable (CodeBS = ${c.idUtilisateur}).` };
      return { ...c, codeSalarie: match[0]!.code };
    };

    const keys = new Map<string, SuiviMoKey>();
    const plans = batch.map((slot) => {
      const desired = desiredRow(slot, salaries);
      const confirmed = confirmedOf(slot);
      const target = slot.ledger?.intent?.target ?? null;
      for (const k of [desired && 'row' in desired ? desired.row : null, confirmed && 'date' in confirmed ? confirmed : null, target]) {
        if (k) keys.set(suiviMoKeyId(k), k);
      }
      return { slot, desired, confirmed };
    });
    const actual = new Map<string, SuiviMoRow[]>();
    for (const row of await tx.read([...keys.values()])) {
      actual.set(suiviMoKeyId(row), [...(actual.get(suiviMoKeyId(row)) ?? []), row]);
    }
    const holds = (key: SuiviMoKey, values: SuiviMoRow) => {
      const rows = actual.get(suiviMoKeyId(key)) ?? [];
      return rows.length === 1 && sameSuiviMoValues(rows[0]!, values);
    };
    const claimed = new Set<string>();

    const decisions: Decision[] = plans.map(({ slot, desired, confirmed }) => {
      if (confirmed && 'reason' in confirmed) return { slot, final: null, hold: confirmed, keepLedger: true };
      let current = confirmed as SuiviMoRow | null;
      // Settle a write left unconfirmed by a crash: did it reach SuiviMO?
      const intent = slot.ledger?.intent;
      if (intent) {
        const t = intent.target;
        const applied = t
          ? holds(t, t) && (!current || sameKey(current, t) || !holds(current, current))
          : current !== null && !holds(current, current);
        if (applied) current = t;
      }
      if (current) claimed.add(suiviMoKeyId(current));
      if ('hold' in desired) return { slot, final: current, hold: desired.hold };
      const want = desired.row;
      if (!want && !current) return { slot, final: null, count: 'unchanged' };
      if (!want) {
        if (holds(current!, current!)) return { slot, final: null, op: { kind: 'delete', row: current! }, count: 'deleted' };
        // Already removed in Batigest: SuiviMO is as it should be.
        if (!actual.has(suiviMoKeyId(current!))) return { slot, final: null, count: 'unchanged' };
        return conflict(slot, current, 'La ligne SuiviMO écrite pour ce créneau a été modifiée dans Batigest : suppression non faite.');
      }
      if (current && sameKey(current, want) && sameSuiviMoValues(current, want)) return { slot, final: current, count: 'unchanged' };
      if (current && !holds(current, current)) {
        return conflict(
          slot,
          current,
          'La ligne SuiviMO écrite pour ce créneau a été modifiée ou supprimée dans Batigest : mise à jour non faite.',
        );
      }
      const movesKey = !current || !sameKey(current, want);
      if (movesKey && ((actual.get(suiviMoKeyId(want))?.length ?? 0) > 0 || claimed.has(suiviMoKeyId(want)))) {
        return conflict(
          slot,
          current,
          `Une ligne SuiviMO existe déjà pour ${want.codeChantier} / ${want.codeSalarie} / ${want.date.replace('T', ' ')} (saisie à la main ?) : non écrasée.`,
        );
      }
      claimed.add(suiviMoKeyId(want));
      return current
        ? { slot, final: want, op: { kind: 'update', from: current, to: want }, count: 'updated' }
        : { slot, final: want, op: { kind: 'insert', row: want }, count: 'created' };
    });

    const ops = decisions.filter((d) => d.op);
    if (!ctx.dryRun && ops.length > 0) {
      // Intents first: should anything stop between here and the ledger's confirmation, the next run knows what may have been written.
      await writeIntents(
        ctx.db,
        ops.map((d) => ({ idHeure: d.slot.idHeure, target: d.final })),
      );
      await tx.apply(ops.map((d) => d.op!));
    }
    return decisions;
  });

  for (const d of decisions) {
    if (d.hold) ctx.report.hold(d.slot.idHeure, d.hold.code, d.hold.reason);
    else ctx.report.ok(d.slot.idHeure, d.count);
  }
  if (ctx.dryRun) return;
  await ctx.db.transaction(async (tx) => {
    const settled = decisions.filter((d) => !d.keepLedger && (!d.hold || d.slot.ledger?.intent));
    await confirmLedger(
      tx,
      settled.map((d) => ({ idHeure: d.slot.idHeure, row: d.final })),
    );
    await markSlotsSynced(
      tx,
      decisions.filter((d) => !d.hold).map((d) => d.slot),
    );
    await markSlotsHeld(
      tx,
      decisions.filter((d) => d.hold).map((d) => ({ idHeure: d.slot.idHeure, ...d.hold! })),
    );
  });
}

function conflict(slot: PendingSlot, current: SuiviMoRow | null, reason: string): Decision {
  return { slot, final: current, hold: { code: 'CONFLIT_SUIVIMO', reason } };
}
