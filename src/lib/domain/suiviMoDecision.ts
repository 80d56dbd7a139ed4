/**
 * The exactly-once rule of `heures-to-sqlserver`, as pure functions: what SuiviMO should hold for
 * a slot, what the ledger says it holds, and the one operation (or hold) that brings the first to
 * the second given the rows SuiviMO actually has. The job reads and writes around these; the audit
 * reuses `desiredRow` to tell what the job would write.
 */
import { CODE_CHANTIER_MAX } from './chantier.js';
import type { Hold } from './holds.js';
import type { SalariesByCodeBs } from './salarie.js';
import { VALIDATED, type PendingSlot } from './slots.js';
import { hoursOf, sameSuiviMoKey, sameSuiviMoValues, suiviMoKeyId, type SuiviMoKey, type SuiviMoOp, type SuiviMoRow } from './suiviMo.js';

/** The SuiviMO row a slot should have: a row, none (deleted or not validated), or a reason it cannot be decided. */
export type Desired = { kind: 'row'; row: SuiviMoRow } | { kind: 'none' } | { kind: 'hold'; hold: Hold };

export function desiredRow(slot: PendingSlot, salaries: SalariesByCodeBs): Desired {
  if (slot.deleted || slot.status !== VALIDATED) return { kind: 'none' };
  const who = slot.userName ? ` (${slot.userName} dans BatiSimply)` : '';
  if (!slot.codeProjet) {
    const project = slot.idProjet === null ? 'aucun projet sur le créneau' : `projet BatiSimply ${slot.idProjet} sans code chantier connu`;
    return hold('CHANTIER_NON_RESOLU', `Chantier non résolu : ${project}.`);
  }
  if (slot.codeProjet.length > CODE_CHANTIER_MAX) {
    return hold(
      'CODE_CHANTIER_TROP_LONG',
      `Code chantier « ${slot.codeProjet} » trop long pour SuiviMO (${CODE_CHANTIER_MAX} caractères au plus).`,
    );
  }
  const matches = slot.idUtilisateur ? (salaries.get(slot.idUtilisateur) ?? []) : [];
  if (matches.length === 0) {
    return hold('SALARIE_INCONNU', `Salarié introuvable : aucun Salarie.CodeBS = ${slot.idUtilisateur ?? '(vide)'}${who}.`);
  }
  if (matches.length > 1) {
    return hold('SALARIE_AMBIGU', `Plusieurs salariés ont le CodeBS ${slot.idUtilisateur} : ${matches.map((s) => s.code).join(', ')}.`);
  }
  if (!slot.dateDebut || slot.totalHeure === null) return hold('CRENEAU_INCOMPLET', 'Créneau sans date de début ou sans durée.');
  return {
    kind: 'row',
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

const hold = (code: Hold['code'], reason: string): Desired => ({ kind: 'hold', hold: { code, reason } });

/**
 * What the ledger says SuiviMO holds for a slot, its salarié resolved: the confirmed row (or none)
 * and a write begun and not confirmed, if any; or why the row already written cannot be named.
 */
export type Written =
  { kind: 'known'; row: SuiviMoRow | null; intent: { target: SuiviMoRow | null } | null } | { kind: 'unresolved'; hold: Hold };

export function writtenRow(slot: PendingSlot, salaries: SalariesByCodeBs): Written {
  const intent = slot.ledger?.intent ?? null;
  const c = slot.ledger?.confirmed;
  if (!c) return { kind: 'known', row: null, intent };
  if (c.codeSalarie) return { kind: 'known', row: { ...c, codeSalarie: c.codeSalarie }, intent };
  // Adopted from the earlier tool: its salarié is found by the user id it was written for.
  const match = c.idUtilisateur ? salaries.get(c.idUtilisateur) : undefined;
  if (match?.length !== 1) {
    return {
      kind: 'unresolved',
      hold: { code: 'SALARIE_INCONNU', reason: `Salarié de la ligne SuiviMO déjà écrite introuvable (CodeBS = ${c.idUtilisateur}).` },
    };
  }
  return { kind: 'known', row: { ...c, codeSalarie: match[0]!.code }, intent };
}

/** One slot to bring SuiviMO up to date with: what it should hold and what it holds as far as the ledger knows. */
export interface SlotPlan {
  desired: Desired;
  written: Written;
}

export function planSlot(slot: PendingSlot, salaries: SalariesByCodeBs): SlotPlan {
  return { desired: desiredRow(slot, salaries), written: writtenRow(slot, salaries) };
}

/** Every SuiviMO key a plan may touch: they are read (and locked) before anything is decided. */
export function keysOf(plan: SlotPlan): SuiviMoKey[] {
  const keys: SuiviMoKey[] = [];
  if (plan.desired.kind === 'row') keys.push(plan.desired.row);
  if (plan.written.kind === 'known') {
    if (plan.written.row) keys.push(plan.written.row);
    if (plan.written.intent?.target) keys.push(plan.written.intent.target);
  }
  return keys;
}

/** SuiviMO's rows by key, as read in the transaction. */
export type ActualRows = ReadonlyMap<string, readonly SuiviMoRow[]>;

/** What to do for one slot. `final`: what SuiviMO holds for the slot once the batch commits. */
export type Decision =
  | { kind: 'write'; final: SuiviMoRow | null; op: SuiviMoOp; count: 'created' | 'updated' | 'deleted' }
  | { kind: 'unchanged'; final: SuiviMoRow | null }
  | { kind: 'hold'; final: SuiviMoRow | null; hold: Hold; settlesLedger: boolean };

/**
 * The decision for one slot. `claimed`: keys already taken by slots decided earlier in the batch;
 * the key this slot ends up holding is added to it, so that two slots never write one key.
 */
export function decide(plan: SlotPlan, actual: ActualRows, claimed: Set<string>): Decision {
  const { desired, written } = plan;
  // The ledger's row cannot be named: leave the ledger as it is until its salarié is known.
  if (written.kind === 'unresolved') return { kind: 'hold', final: null, hold: written.hold, settlesLedger: false };
  /** SuiviMO holds exactly one row at the key, with these values. */
  const holds = (key: SuiviMoKey, values: SuiviMoRow) => {
    const rows = actual.get(suiviMoKeyId(key)) ?? [];
    return rows.length === 1 && sameSuiviMoValues(rows[0]!, values);
  };
  let current = written.row;
  // Settle a write left unconfirmed by a crash: did it reach SuiviMO?
  if (written.intent) {
    const t = written.intent.target;
    const applied = t
      ? holds(t, t) && (!current || sameSuiviMoKey(current, t) || !holds(current, current))
      : current !== null && !holds(current, current);
    if (applied) current = t;
  }
  if (current) claimed.add(suiviMoKeyId(current));
  const settles = written.intent !== null;
  if (desired.kind === 'hold') return { kind: 'hold', final: current, hold: desired.hold, settlesLedger: settles };
  const conflict = (reason: string): Decision => ({
    kind: 'hold',
    final: current,
    hold: { code: 'CONFLIT_SUIVIMO', reason },
    settlesLedger: settles,
  });

  if (desired.kind === 'none') {
    if (!current) return { kind: 'unchanged', final: null };
    if (holds(current, current)) return { kind: 'write', final: null, op: { kind: 'delete', row: current }, count: 'deleted' };
    // Already removed in Batigest: SuiviMO is as it should be.
    if (!actual.has(suiviMoKeyId(current))) return { kind: 'unchanged', final: null };
    return conflict('La ligne SuiviMO écrite pour ce créneau a été modifiée dans Batigest : suppression non faite.');
  }
  const want = desired.row;
  if (current && sameSuiviMoKey(current, want) && sameSuiviMoValues(current, want)) return { kind: 'unchanged', final: current };
  if (current && !holds(current, current)) {
    return conflict('La ligne SuiviMO écrite pour ce créneau a été modifiée ou supprimée dans Batigest : mise à jour non faite.');
  }
  const movesKey = !current || !sameSuiviMoKey(current, want);
  if (movesKey && ((actual.get(suiviMoKeyId(want))?.length ?? 0) > 0 || claimed.has(suiviMoKeyId(want)))) {
    return conflict(
      `Une ligne SuiviMO existe déjà pour ${want.codeChantier} / ${want.codeSalarie} / ${want.date.replace('T', ' ')} (saisie à la main ?) : non écrasée.`,
    );
  }
  claimed.add(suiviMoKeyId(want));
  return current
    ? { kind: 'write', final: want, op: { kind: 'update', from: current, to: want }, count: 'updated' }
    : { kind: 'write', final: want, op: { kind: 'insert', row: want }, count: 'created' };
}
