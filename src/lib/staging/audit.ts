/** Read-only SQL of the reconciliation audit: the staged chantiers, and the slots and ledger of a window. */
import { normaliseWallClock } from '../time.js';
import type { Queryable } from './db.js';
import { confirmedLedgerRow, slotColumns } from './heures.js';
import type { SuiviMoRow } from '../domain/suiviMo.js';
import type { ChantierSource } from '../domain/chantier.js';
import type { ExistingSlot } from '../domain/slots.js';

/** A staged chantier as the audit compares it: the Batigest fields, and where its push stands. */
export interface AuditStagedChantier extends ChantierSource {
  sync: boolean;
  lastError: string | null;
  batisimplyId: number | null;
  endReason: string | null;
  ended: boolean;
  finState: string | null;
  updatedAt: string;
}

export async function auditChantiers(db: Queryable): Promise<AuditStagedChantier[]> {
  const { rows } = await db.query<AuditStagedChantier>(
    `SELECT code, description AS libelle, nom_client AS "nomClient", date_debut::text AS "dateDebut", date_fin::text AS "dateFin",
            adr_chantier AS "adrChantier", cp_chantier AS "cpChantier", ville_chantier AS "villeChantier", total_mo AS "totalMo",
            etat, sync, last_error AS "lastError", batisimply_id AS "batisimplyId", end_reason AS "endReason",
            ended_at IS NOT NULL AS ended, fin_state AS "finState",
            to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "updatedAt"
     FROM batigest_chantiers ORDER BY code`,
  );
  return rows;
}

/** A staged slot with its sync state and what the ledger says was written for it. */
export interface AuditStagedSlot extends ExistingSlot {
  staged: boolean;
  sync: boolean;
  heldCode: string | null;
  heldReason: string | null;
  updatedAt: string | null;
  ledger: {
    codeChantier: string;
    codeSalarie: string | null;
    idUtilisateur: string | null;
    date: string;
    nbh0: number;
    trajet: number;
    panier: number;
  } | null;
  /** A write begun and not confirmed (a crashed run): the next export settles it. */
  intent: boolean;
  /** That write's target row, which SuiviMO may or may not hold yet. */
  intentTarget: SuiviMoRow | null;
}

/**
 * Slots starting in [from, to) (wall-clock days), those with these ids, and ledger entries dated
 * in the window whatever became of their slot: one query.
 */
export async function auditSlots(db: Queryable, from: string, to: string, ids: readonly string[]): Promise<AuditStagedSlot[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id_heure, h.id_heure IS NOT NULL AS staged, h.date_debut::text AS date_debut, h.date_fin::text AS date_fin,
            h.id_utilisateur::text AS id_utilisateur, h.id_projet, h.project_code_in_slot, h.code_projet, h.status_management,
            h.total_heure, h.panier, h.trajet, h.user_name, h.deleted_at IS NOT NULL AS deleted, coalesce(h.sync, true) AS sync,
            h.held_code, h.held_reason, to_char(h.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at,
            l.id_heure IS NOT NULL AS has_ledger, l.code_chantier, l.code_salarie, l.id_utilisateur::text AS l_user,
            l.date::text AS l_date, l.nbh0, l.trajet AS l_trajet, l.panier AS l_panier, l.intent IS NOT NULL AS intent,
            l.intent -> 'target' AS intent_target
     FROM batigest_heures h FULL JOIN suivimo_ledger l USING (id_heure)
     WHERE (h.date_debut >= $1::timestamp AND h.date_debut < $2::timestamp)
        OR (l.date >= $1::timestamp AND l.date < $2::timestamp)
        OR id_heure = ANY($3::text[])`,
    [from, to, ids],
  );
  return rows.map((r) => ({
    ...slotColumns(r),
    staged: r.staged as boolean,
    dateFin: r.date_fin ? normaliseWallClock(r.date_fin as string) : null,
    projectCodeInSlot: (r.project_code_in_slot as string | null) ?? null,
    panier: (r.panier as boolean | null) ?? null,
    trajet: (r.trajet as boolean | null) ?? null,
    sync: r.sync as boolean,
    heldCode: (r.held_code as string | null) ?? null,
    heldReason: (r.held_reason as string | null) ?? null,
    updatedAt: (r.updated_at as string | null) ?? null,
    ledger: r.has_ledger ? confirmedLedgerRow(r) : null,
    intent: Boolean(r.intent),
    intentTarget: (r.intent_target as SuiviMoRow | null) ?? null,
  }));
}
