/** SQL of the chantiers that end (deleted from Batigest, or whose Etat left CHANTIERS_ETATS) and come back. */
import type { Queryable } from './db.js';

export type FinState = 'finished' | 'archived' | 'absent';

/** Staged chantiers still open whose code Batigest no longer returns. */
export async function openCodesNotIn(db: Queryable, seen: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ code: string }>(
    'SELECT code FROM batigest_chantiers WHERE ended_at IS NULL AND NOT (code = ANY($1::text[])) ORDER BY code',
    [seen],
  );
  return rows.map((r) => r.code);
}

export async function markChantiersEnded(db: Queryable, ends: readonly { code: string; reason: string }[]) {
  if (ends.length === 0) return;
  await db.query(
    `UPDATE batigest_chantiers c SET ended_at = now(), end_reason = v.reason, updated_at = now()
     FROM unnest($1::text[], $2::text[]) AS v(code, reason)
     WHERE c.code = v.code AND c.ended_at IS NULL`,
    [ends.map((e) => e.code), ends.map((e) => e.reason)],
  );
}

/** Ended chantiers that Batigest returns again: open once more. */
export async function reopenChantiers(db: Queryable, seen: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ code: string }>(
    `UPDATE batigest_chantiers SET ended_at = NULL, end_reason = NULL, updated_at = now()
     WHERE ended_at IS NOT NULL AND code = ANY($1::text[]) RETURNING code`,
    [seen],
  );
  return rows.map((r) => r.code).sort();
}

export interface FinPending {
  code: string;
  batisimplyId: number | null;
  /** Set: the chantier ended and BatiSimply must be told; null: it came back and must be reopened. */
  endReason: string | null;
  finState: FinState | null;
  /** Staged slots of this chantier not yet exported to SuiviMO (`sync = false`), and how many are held. */
  pendingHours: number;
  heldHours: number;
  /** A recup-heures run began after the end: every slot booked on the chantier until then is staged. */
  hoursFetchedSinceEnd: boolean;
}

/** Chantiers whose end (or return) BatiSimply does not know yet. */
export async function pendingFins(db: Queryable): Promise<FinPending[]> {
  const { rows } = await db.query<FinPending>(
    `SELECT c.code, c.batisimply_id AS "batisimplyId",
            CASE WHEN c.ended_at IS NULL THEN NULL ELSE coalesce(c.end_reason, 'terminé') END AS "endReason",
            c.fin_state AS "finState",
            coalesce(h.pending, 0)::int AS "pendingHours", coalesce(h.held, 0)::int AS "heldHours",
            EXISTS (SELECT 1 FROM connecteur_runs r
                    WHERE r.job = 'recup-heures' AND NOT r.dry_run AND r.status IN ('succeeded', 'partial')
                      AND r.started_at > c.ended_at) AS "hoursFetchedSinceEnd"
     FROM batigest_chantiers c
     LEFT JOIN LATERAL (
       SELECT count(*) AS pending, count(*) FILTER (WHERE held_code IS NOT NULL) AS held
       FROM batigest_heures s
       WHERE NOT s.sync
         AND (s.code_projet = c.code OR (s.code_projet IS NULL AND s.id_projet = c.batisimply_id))
     ) h ON c.ended_at IS NOT NULL
     WHERE (c.ended_at IS NOT NULL AND c.fin_state IS NULL) OR (c.ended_at IS NULL AND c.fin_state IS NOT NULL)
     ORDER BY c.code`,
  );
  return rows;
}

export async function setFinState(db: Queryable, code: string, state: FinState | null, batisimplyId?: number) {
  await db.query(
    `UPDATE batigest_chantiers SET fin_state = $2, fin_date = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END,
            batisimply_id = coalesce($3, batisimply_id), updated_at = now()
     WHERE code = $1`,
    [code, state, batisimplyId ?? null],
  );
}
