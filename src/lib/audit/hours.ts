/**
 * The hours half of the audit. Every validated slot of the window and every SuiviMO row of the
 * window ends either in a pair that agrees (the slot's row, as the ledger says the connector wrote
 * it) or in a finding that carries its hours; so the findings account for every hour of difference.
 */
import type { Salarie, SuiviMoKey, SuiviMoRow } from '../batigest/port.js';
import { sameSuiviMoValues, suiviMoKeyId } from '../batigest/port.js';
import type { AuditStagedSlot } from '../staging/audit.js';
import type { PendingSlot } from '../staging/heures.js';
import { desiredRow, hoursOf, VALIDATED } from '../sync/heuresToSqlServer.js';
import { reachesSuiviMo, toStagedSlot } from '../sync/recupHeures.js';
import type { AuditInputs } from './read.js';
import type { Bucket, Finding, FindingKind } from './types.js';

const when = (date: string) => date.replace('T', ' ');
const keyText = (k: SuiviMoKey) => `${k.codeChantier} / ${k.codeSalarie} / ${when(k.date)}`;
const rowBucket = (r: SuiviMoRow): Bucket => ({ chantier: r.codeChantier, salarie: r.codeSalarie, month: r.date.slice(0, 7) });
const H = (n: number) => `${Math.round(n * 100) / 100} h`;

/** Held codes of heures-to-sqlserver, and what resolves each. */
const HOLD_ACTIONS: Record<string, string> = {
  SALARIE_INCONNU: 'Renseignez dans Batigest le CodeBS du salarié (son identifiant BatiSimply), puis lancez « connecteur run heures ».',
  SALARIE_AMBIGU: 'Ne laissez ce CodeBS qu’à un seul salarié dans Batigest, puis lancez « connecteur run heures ».',
  CHANTIER_NON_RESOLU:
    'Donnez un code chantier au projet dans BatiSimply (ou lancez « connecteur run chantiers »), puis « connecteur run heures ».',
  CODE_CHANTIER_TROP_LONG: 'Corrigez le code du projet dans BatiSimply (8 caractères au plus), puis lancez « connecteur run heures ».',
  CONFLIT_SUIVIMO:
    'Vérifiez la ligne SuiviMO citée dans Batigest (supprimez la saisie à la main en double), puis lancez « connecteur run heures ».',
  CRENEAU_INCOMPLET: 'Complétez le créneau dans BatiSimply, puis lancez « connecteur run heures ».',
};

export function auditHours(inputs: AuditInputs): { findings: Finding[]; buckets: Map<string, Bucket> } {
  const { timeZone } = inputs.window;
  const findings: Finding[] = [];
  /** Where each validated slot's hours count on the BatiSimply side. */
  const buckets = new Map<string, Bucket>();
  const salaries = new Map<string, Salarie[]>();
  for (const s of inputs.batigest.salaries) if (s.codeBs) salaries.set(s.codeBs, [...(salaries.get(s.codeBs) ?? []), s]);
  const codeByProject = new Map(inputs.batisimply.projects.filter((p) => p.projectCode).map((p) => [p.id, p.projectCode!.trim()]));
  const staged = new Map(inputs.staging.slots.map((s) => [s.idHeure, s]));
  const rows = new Map<string, SuiviMoRow[]>();
  for (const r of inputs.batigest.suiviMo) rows.set(suiviMoKeyId(r), [...(rows.get(suiviMoKeyId(r)) ?? []), r]);
  const claimed = new Set<string>();
  /** Keys validated slots would be written at, for the hand entries found there. */
  const wanted = new Map<string, string>();

  /** The SuiviMO row the ledger says the connector wrote for this slot, with its salarié resolved. */
  const ledgerKey = (s: AuditStagedSlot | undefined): SuiviMoRow | null => {
    const l = s?.ledger;
    if (!l) return null;
    const codeSalarie = l.codeSalarie ?? (l.idUtilisateur ? salaries.get(l.idUtilisateur) : undefined)?.[0]?.code;
    return codeSalarie ? { ...l, codeSalarie } : null;
  };
  const rowAt = (k: SuiviMoKey | null) => (k ? (rows.get(suiviMoKeyId(k))?.[0] ?? null) : null);
  const push = (f: Finding) => findings.push(f);

  for (const slot of inputs.batisimply.slots) {
    const s = staged.get(slot.id);
    const next = toStagedSlot(slot, timeZone, s?.staged ? s : undefined);
    next.codeProjet ??= next.idProjet !== null ? (codeByProject.get(next.idProjet) ?? null) : null;
    const validated = slot.managementStatus === VALIDATED;
    const desired = desiredRow(asPending(next), salaries);
    const want = 'row' in desired ? desired.row : null;
    const hours = validated ? hoursOf(slot.totalTimeMinutes) : 0;
    const who = salaries.get(next.idUtilisateur)?.[0]?.code ?? `${next.userName ?? next.idUtilisateur} (sans salarié Batigest)`;
    const bsBucket: Bucket = {
      chantier: want?.codeChantier ?? next.codeProjet ?? '(non résolu)',
      salarie: want?.codeSalarie ?? who,
      month: next.dateDebut.slice(0, 7),
    };
    if (validated) buckets.set(slot.id, bsBucket);
    if (want && validated) wanted.set(suiviMoKeyId(want), slot.id);

    const written = ledgerKey(s);
    // After a crash between SuiviMO's commit and the ledger's, the row may stand at the intent's target.
    const row = rowAt(written) ?? rowAt(s?.intentTarget ?? null);
    if (row) claimed.add(suiviMoKeyId(row));
    const base = {
      key: slot.id,
      chantier: bsBucket.chantier,
      salarie: bsBucket.salarie,
      date: next.dateDebut,
      heuresBatisimply: hours,
      heuresBatigest: row?.nbh0 ?? 0,
      bucketBatisimply: bsBucket,
      ...(row ? { bucketBatigest: rowBucket(row) } : {}),
    };
    const desc = `créneau ${slot.id} (${bsBucket.salarie}, ${bsBucket.chantier}, ${when(next.dateDebut)}, ${H(hoursOf(slot.totalTimeMinutes))})`;
    const label = `C${desc.slice(1)}`;
    const add = (kind: FindingKind, message: string, action: string) => push({ kind, ...base, message, action });

    if (!validated && !row) continue;
    if (!validated) {
      const action =
        s?.staged && !reachesSuiviMo(next, s) && !s.sync
          ? s.heldCode
            ? (HOLD_ACTIONS[s.heldCode] ?? 'Corrigez la cause indiquée, puis lancez « connecteur run heures ».')
            : 'Lancez « connecteur run heures-to-sqlserver » : la ligne sera retirée.'
          : 'Lancez « connecteur run heures » : la ligne sera retirée.';
      add(
        'LIGNE_CRENEAU_NON_VALIDE',
        `Ligne SuiviMO ${keyText(row!)} (${H(row!.nbh0)}) écrite par le connecteur pour le créneau ${slot.id}, qui n'est plus validé (${slot.managementStatus}).`,
        action,
      );
      continue;
    }
    if (!s?.staged) {
      add('HEURE_NON_RECUPEREE', `${label} validé dans BatiSimply, pas encore récupéré.`, 'Lancez « connecteur run heures ».');
    } else if (reachesSuiviMo(next, s)) {
      add('HEURE_A_RECUPERER', `${label} modifié dans BatiSimply depuis la dernière récupération.`, 'Lancez « connecteur run heures ».');
    } else if (!s.sync && s.heldCode) {
      add(
        'HEURE_RETENUE',
        `${label} retenu : ${s.heldReason ?? s.heldCode}`,
        HOLD_ACTIONS[s.heldCode] ?? 'Corrigez la cause indiquée, puis lancez « connecteur run heures ».',
      );
    } else if (!s.sync || s.intent) {
      add(
        'HEURE_EN_ATTENTE',
        `${label} en attente d'export vers SuiviMO depuis ${s.updatedAt ?? '?'}.`,
        'Lancez « connecteur run heures-to-sqlserver ».',
      );
    } else if (!written) {
      add(
        'HEURE_SANS_LIGNE',
        `${label} noté exporté, sans ligne SuiviMO connue du connecteur.`,
        `Réexportez-le : UPDATE batigest_heures SET sync = false WHERE id_heure = '${slot.id}', puis « connecteur run heures-to-sqlserver ».`,
      );
    } else if (!row) {
      add(
        'LIGNE_SUPPRIMEE_A_LA_MAIN',
        `Ligne SuiviMO ${keyText(written)} écrite par le connecteur pour le ${desc} : supprimée (ou déplacée) dans Batigest.`,
        `Ressaisissez-la dans Batigest, ou réexportez le créneau (UPDATE batigest_heures SET sync = false WHERE id_heure = '${slot.id}', puis « connecteur run heures-to-sqlserver »).`,
      );
    } else if (!sameSuiviMoValues(row, written)) {
      add(
        'LIGNE_MODIFIEE_A_LA_MAIN',
        `Ligne SuiviMO ${keyText(row)} écrite par le connecteur pour le ${desc} : modifiée dans Batigest (NbH0 ${row.nbh0}, le connecteur avait écrit ${written.nbh0}).`,
        'Gardez la modification si elle est voulue ; sinon remettez la valeur du connecteur dans Batigest.',
      );
    } else if (!want || suiviMoKeyId(want) !== suiviMoKeyId(row) || !sameSuiviMoValues(want, row)) {
      add(
        'HEURE_EN_ATTENTE',
        `${label} : la ligne SuiviMO ${keyText(row)} ne correspond plus au créneau.`,
        'Lancez « connecteur run heures ».',
      );
    }
  }

  // Ledger entries of slots BatiSimply no longer returns in the window.
  const seen = new Set(inputs.batisimply.slots.map((s) => s.id));
  for (const s of inputs.staging.slots) {
    if (seen.has(s.idHeure)) continue;
    const written = ledgerKey(s);
    const row = rowAt(written);
    if (!row) continue;
    claimed.add(suiviMoKeyId(row));
    const action = s.deleted
      ? s.heldCode
        ? (HOLD_ACTIONS[s.heldCode] ?? 'Corrigez la cause indiquée, puis lancez « connecteur run heures ».')
        : 'Lancez « connecteur run heures-to-sqlserver » : la ligne sera retirée.'
      : 'Lancez « connecteur run heures » : la disparition du créneau sera notée et sa ligne retirée.';
    push({
      kind: 'LIGNE_SANS_CRENEAU',
      key: suiviMoKeyId(row),
      chantier: row.codeChantier,
      salarie: row.codeSalarie,
      date: row.date,
      heuresBatisimply: 0,
      heuresBatigest: row.nbh0,
      bucketBatigest: rowBucket(row),
      message: `Ligne SuiviMO ${keyText(row)} (${H(row.nbh0)}) écrite par le connecteur pour le créneau ${s.idHeure}, qui n'existe plus dans BatiSimply${s.heldReason ? ` ; retenue : ${s.heldReason}` : ''}.`,
      action,
    });
  }

  for (const row of inputs.batigest.suiviMo) {
    const id = suiviMoKeyId(row);
    if (claimed.has(id)) continue;
    const slotId = wanted.get(id);
    const common = {
      key: id,
      chantier: row.codeChantier,
      salarie: row.codeSalarie,
      date: row.date,
      heuresBatisimply: 0,
      heuresBatigest: row.nbh0,
      bucketBatigest: rowBucket(row),
    };
    if (slotId) {
      push({
        kind: 'SAISIE_MAIN_A_CLE_CONNECTEUR',
        ...common,
        message: `Ligne SuiviMO ${keyText(row)} (${H(row.nbh0)}) saisie à la main, à la clé où le connecteur écrirait le créneau ${slotId}.`,
        action:
          'Si elle fait double emploi avec le créneau, supprimez-la dans Batigest, puis lancez « connecteur run heures » ; sinon déplacez-la d’une minute.',
      });
    } else {
      push({
        kind: 'SAISIE_MAIN',
        ...common,
        message: `Ligne SuiviMO ${keyText(row)} (${H(row.nbh0)}) saisie dans Batigest, sans créneau BatiSimply.`,
        action: 'Rien à faire si la saisie est voulue ; sinon supprimez-la dans Batigest.',
      });
    }
  }
  return { findings, buckets };
}

function asPending(s: ReturnType<typeof toStagedSlot>): PendingSlot {
  return {
    idHeure: s.idHeure,
    revision: 0,
    dateDebut: s.dateDebut,
    idUtilisateur: s.idUtilisateur,
    idProjet: s.idProjet,
    codeProjet: s.codeProjet,
    status: s.status,
    totalHeure: s.totalHeure,
    panier: s.panier,
    trajet: s.trajet,
    userName: s.userName,
    deleted: false,
    ledger: null,
  };
}
