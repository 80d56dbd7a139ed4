/**
 * The hours half of the audit. Every validated slot of the window and every SuiviMO row of the
 * window ends either in a pair that agrees (the slot's row, as the ledger says the connector wrote
 * it) or in a finding that carries its hours; so the findings account for every hour of difference.
 */
import { slotFields } from '../batisimply/slotFields.js';
import type { TimeSlot } from '../batisimply/schemas.js';
import { holdAction } from '../domain/holds.js';
import { resendCommand, type Resend } from '../domain/resend.js';
import { salariesByCodeBs, type SalariesByCodeBs } from '../domain/salarie.js';
import { asPendingSlot, reachesSuiviMo, VALIDATED, withResolvedCode, type StagedSlot } from '../domain/slots.js';
import { hoursOf, rowsByKey, sameSuiviMoValues, suiviMoKeyId, type SuiviMoKey, type SuiviMoRow } from '../domain/suiviMo.js';
import { desiredRow } from '../domain/suiviMoDecision.js';
import type { AuditStagedSlot } from '../staging/audit.js';
import type { AuditInputs } from './read.js';
import type { Bucket, Finding, FindingKind } from './types.js';

const when = (date: string) => date.replace('T', ' ');
const keyText = (k: SuiviMoKey) => `${k.codeChantier} / ${k.codeSalarie} / ${when(k.date)}`;
const rowBucket = (r: SuiviMoRow): Bucket => ({ chantier: r.codeChantier, salarie: r.codeSalarie, month: r.date.slice(0, 7) });
const H = (n: number) => `${Math.round(n * 100) / 100} h`;
const reexport = (id: string) => resendCommand({ kind: 'heure', key: id });

/** One BatiSimply slot of the window, beside what staging, the ledger and SuiviMO hold for it. */
interface SlotCase {
  slot: TimeSlot;
  /** The slot as staging holds it, if it does. */
  staged: AuditStagedSlot | undefined;
  /** The slot as it would be staged now. */
  next: StagedSlot;
  validated: boolean;
  /** The row heures-to-sqlserver would write for it now (null: none, or held). */
  want: SuiviMoRow | null;
  /** The row the ledger says the connector wrote, its salarié resolved. */
  written: SuiviMoRow | null;
  /** What SuiviMO holds there (or at a crashed write's target). */
  row: SuiviMoRow | null;
  /** "Créneau 12 (S01, CH001, 2026-03-02 08:00, 7.5 h)". */
  label: string;
}

interface SlotRule {
  kind: FindingKind;
  when: (c: SlotCase) => boolean;
  message: (c: SlotCase) => string;
  action: (c: SlotCase) => string;
  /** The remedy sends the slot again (a command, and the dashboard's button). */
  resend?: true;
}

const desc = (c: SlotCase) => `c${c.label.slice(1)}`;
/** The staged slot is as BatiSimply has it and waits for export. */
const stagedUnsent = (c: SlotCase) => !!c.staged?.staged && !reachesSuiviMo(c.next, c.staged) && !c.staged.sync;

/** A validated slot's finding: the first rule that matches, in this order; none: slot and row agree. */
const VALIDATED_RULES: readonly SlotRule[] = [
  {
    kind: 'HEURE_NON_RECUPEREE',
    when: (c) => !c.staged?.staged,
    message: (c) => `${c.label} validé dans BatiSimply, pas encore récupéré.`,
    action: () => 'Lancez « connecteur run heures ».',
  },
  {
    kind: 'HEURE_A_RECUPERER',
    when: (c) => reachesSuiviMo(c.next, c.staged),
    message: (c) => `${c.label} modifié dans BatiSimply depuis la dernière récupération.`,
    action: () => 'Lancez « connecteur run heures ».',
  },
  {
    kind: 'HEURE_RETENUE',
    when: (c) => !c.staged!.sync && !!c.staged!.heldCode,
    message: (c) => `${c.label} retenu : ${c.staged!.heldReason ?? c.staged!.heldCode}`,
    action: (c) => holdAction(c.staged!.heldCode!),
  },
  {
    kind: 'HEURE_EN_ATTENTE',
    when: (c) => !c.staged!.sync || c.staged!.intent,
    message: (c) => `${c.label} en attente d'export vers SuiviMO depuis ${c.staged!.updatedAt ?? '?'}.`,
    action: () => 'Lancez « connecteur run heures-to-sqlserver ».',
  },
  {
    kind: 'HEURE_SANS_LIGNE',
    when: (c) => !c.written,
    message: (c) => `${c.label} noté exporté, sans ligne SuiviMO connue du connecteur.`,
    action: (c) => `Réexportez-le : « ${reexport(c.slot.id)} », puis « connecteur run heures-to-sqlserver ».`,
    resend: true,
  },
  {
    kind: 'LIGNE_SUPPRIMEE_A_LA_MAIN',
    when: (c) => !c.row,
    message: (c) =>
      `Ligne SuiviMO ${keyText(c.written!)} écrite par le connecteur pour le ${desc(c)} : supprimée (ou déplacée) dans Batigest.`,
    action: (c) =>
      `Ressaisissez-la dans Batigest, ou réexportez le créneau (« ${reexport(c.slot.id)} », puis « connecteur run heures-to-sqlserver »).`,
    resend: true,
  },
  {
    kind: 'LIGNE_MODIFIEE_A_LA_MAIN',
    when: (c) => !sameSuiviMoValues(c.row!, c.written!),
    message: (c) =>
      `Ligne SuiviMO ${keyText(c.row!)} écrite par le connecteur pour le ${desc(c)} : modifiée dans Batigest (NbH0 ${c.row!.nbh0}, le connecteur avait écrit ${c.written!.nbh0}).`,
    action: () => 'Gardez la modification si elle est voulue ; sinon remettez la valeur du connecteur dans Batigest.',
  },
  {
    kind: 'HEURE_EN_ATTENTE',
    when: (c) => !c.want || suiviMoKeyId(c.want) !== suiviMoKeyId(c.row!) || !sameSuiviMoValues(c.want, c.row!),
    message: (c) => `${c.label} : la ligne SuiviMO ${keyText(c.row!)} ne correspond plus au créneau.`,
    action: () => 'Lancez « connecteur run heures ».',
  },
];

/** A slot no longer validated whose row the connector wrote: the row is to be removed. */
const NOT_VALIDATED_RULE: SlotRule = {
  kind: 'LIGNE_CRENEAU_NON_VALIDE',
  when: (c) => c.row !== null,
  message: (c) =>
    `Ligne SuiviMO ${keyText(c.row!)} (${H(c.row!.nbh0)}) écrite par le connecteur pour le créneau ${c.slot.id}, qui n'est plus validé (${c.slot.managementStatus}).`,
  action: (c) =>
    stagedUnsent(c)
      ? c.staged!.heldCode
        ? holdAction(c.staged!.heldCode)
        : 'Lancez « connecteur run heures-to-sqlserver » : la ligne sera retirée.'
      : 'Lancez « connecteur run heures » : la ligne sera retirée.',
};

export function auditHours(inputs: AuditInputs): { findings: Finding[]; buckets: Map<string, Bucket> } {
  const salaries = salariesByCodeBs(inputs.batigest.salaries);
  const rows = rowsByKey(inputs.batigest.suiviMo);
  const rowAt = (k: SuiviMoKey | null) => (k ? (rows.get(suiviMoKeyId(k))?.[0] ?? null) : null);
  const findings: Finding[] = [];
  /** Where each validated slot's hours count on the BatiSimply side. */
  const buckets = new Map<string, Bucket>();
  /** SuiviMO keys accounted for by a slot or a ledger entry. */
  const claimed = new Set<string>();
  /** Keys validated slots would be written at, for the hand entries found there. */
  const wanted = new Map<string, string>();

  const codeByProject = new Map(inputs.batisimply.projects.filter((p) => p.projectCode).map((p) => [p.id, p.projectCode!.trim()]));
  const staged = new Map(inputs.staging.slots.map((s) => [s.idHeure, s]));
  for (const slot of inputs.batisimply.slots) {
    const s = staged.get(slot.id);
    const next = withResolvedCode(slotFields(slot, inputs.window.timeZone), s?.staged ? s : undefined);
    next.codeProjet ??= next.idProjet !== null ? (codeByProject.get(next.idProjet) ?? null) : null;
    const validated = slot.managementStatus === VALIDATED;
    const desired = desiredRow(asPendingSlot(next), salaries);
    const want = desired.kind === 'row' ? desired.row : null;
    const who = salaries.get(next.idUtilisateur)?.[0]?.code ?? `${next.userName ?? next.idUtilisateur} (sans salarié Batigest)`;
    const bucket: Bucket = {
      chantier: want?.codeChantier ?? next.codeProjet ?? '(non résolu)',
      salarie: want?.codeSalarie ?? who,
      month: next.dateDebut.slice(0, 7),
    };
    if (validated) buckets.set(slot.id, bucket);
    if (want) wanted.set(suiviMoKeyId(want), slot.id);
    const written = ledgerRow(s, salaries);
    // After a crash between SuiviMO's commit and the ledger's, the row may stand at the intent's target.
    const row = rowAt(written) ?? rowAt(s?.intentTarget ?? null);
    if (row) claimed.add(suiviMoKeyId(row));
    const label = `Créneau ${slot.id} (${bucket.salarie}, ${bucket.chantier}, ${when(next.dateDebut)}, ${H(hoursOf(slot.totalTimeMinutes))})`;
    const c: SlotCase = { slot, staged: s, next, validated, want, written, row, label };
    const rule = validated ? VALIDATED_RULES.find((r) => r.when(c)) : NOT_VALIDATED_RULE.when(c) ? NOT_VALIDATED_RULE : undefined;
    if (!rule) continue;
    findings.push({
      kind: rule.kind,
      key: slot.id,
      chantier: bucket.chantier,
      salarie: bucket.salarie,
      date: next.dateDebut,
      heuresBatisimply: validated ? hoursOf(slot.totalTimeMinutes) : 0,
      heuresBatigest: row?.nbh0 ?? 0,
      bucketBatisimply: bucket,
      ...(row ? { bucketBatigest: rowBucket(row) } : {}),
      message: rule.message(c),
      action: rule.action(c),
      ...(rule.resend ? { resend: { kind: 'heure', key: slot.id } satisfies Resend } : {}),
    });
  }

  // Ledger entries of slots BatiSimply no longer returns in the window.
  const seen = new Set(inputs.batisimply.slots.map((s) => s.id));
  for (const s of inputs.staging.slots) {
    if (seen.has(s.idHeure)) continue;
    const row = rowAt(ledgerRow(s, salaries));
    if (!row) continue;
    claimed.add(suiviMoKeyId(row));
    const action = s.deleted
      ? s.heldCode
        ? holdAction(s.heldCode)
        : 'Lancez « connecteur run heures-to-sqlserver » : la ligne sera retirée.'
      : 'Lancez « connecteur run heures » : la disparition du créneau sera notée et sa ligne retirée.';
    findings.push({
      kind: 'LIGNE_SANS_CRENEAU',
      ...rowFields(row),
      message: `Ligne SuiviMO ${keyText(row)} (${H(row.nbh0)}) écrite par le connecteur pour le créneau ${s.idHeure}, qui n'existe plus dans BatiSimply${s.heldReason ? ` ; retenue : ${s.heldReason}` : ''}.`,
      action,
    });
  }

  for (const row of inputs.batigest.suiviMo) {
    if (claimed.has(suiviMoKeyId(row))) continue;
    const slotId = wanted.get(suiviMoKeyId(row));
    findings.push(
      slotId
        ? {
            kind: 'SAISIE_MAIN_A_CLE_CONNECTEUR',
            ...rowFields(row),
            message: `Ligne SuiviMO ${keyText(row)} (${H(row.nbh0)}) saisie à la main, à la clé où le connecteur écrirait le créneau ${slotId}.`,
            action:
              'Si elle fait double emploi avec le créneau, supprimez-la dans Batigest, puis lancez « connecteur run heures » ; sinon déplacez-la d’une minute.',
          }
        : {
            kind: 'SAISIE_MAIN',
            ...rowFields(row),
            message: `Ligne SuiviMO ${keyText(row)} (${H(row.nbh0)}) saisie dans Batigest, sans créneau BatiSimply.`,
            action: 'Rien à faire si la saisie est voulue ; sinon supprimez-la dans Batigest.',
          },
    );
  }
  return { findings, buckets };
}

/** The SuiviMO row the ledger says the connector wrote for this slot, with its salarié resolved. */
function ledgerRow(s: AuditStagedSlot | undefined, salaries: SalariesByCodeBs): SuiviMoRow | null {
  const l = s?.ledger;
  if (!l) return null;
  const codeSalarie = l.codeSalarie ?? (l.idUtilisateur ? salaries.get(l.idUtilisateur) : undefined)?.[0]?.code;
  return codeSalarie ? { ...l, codeSalarie } : null;
}

/** A SuiviMO row's part of a finding: its key, its place, its hours on the Batigest side only. */
function rowFields(row: SuiviMoRow) {
  return {
    key: suiviMoKeyId(row),
    chantier: row.codeChantier,
    salarie: row.codeSalarie,
    date: row.date,
    heuresBatisimply: 0,
    heuresBatigest: row.nbh0,
    bucketBatigest: rowBucket(row),
  };
}
