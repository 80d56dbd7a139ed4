/** SQL of the `batigest_chantiers` table: one function per statement. */
import { redact } from '../log.js';
import type { ChantierSource } from '../domain/chantier.js';
import type { Queryable } from './db.js';

export interface StagedChantier extends ChantierSource {
  sync: boolean;
  batisimplyId: number | null;
  revision: number;
  /** A create sent earlier whose outcome is unknown (ms since epoch), or null. */
  createAttemptedAt: number | null;
}

export interface UpsertCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * Inserts new chantiers and updates changed ones in one statement. A row whose content did not
 * change is left alone, `sync` included: only a real change sends it to BatiSimply again.
 */
export async function upsertChantiers(db: Queryable, rows: readonly ChantierSource[]): Promise<UpsertCounts> {
  if (rows.length === 0) return { created: 0, updated: 0, unchanged: 0 };
  const column = <K extends keyof ChantierSource>(key: K) => rows.map((r) => r[key]);
  const { rows: changed } = await db.query<{ inserted: boolean }>(
    `INSERT INTO batigest_chantiers AS c
       (code, description, nom_client, date_debut, date_fin, adr_chantier, cp_chantier, ville_chantier, etat, total_mo,
        sync, revision)
     SELECT i.*, false, 1
     FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::numeric[])
       AS i(code, description, nom_client, date_debut, date_fin, adr_chantier, cp_chantier, ville_chantier, etat, total_mo)
     ON CONFLICT (code) DO UPDATE SET
       description = EXCLUDED.description, nom_client = EXCLUDED.nom_client,
       date_debut = EXCLUDED.date_debut, date_fin = EXCLUDED.date_fin,
       adr_chantier = EXCLUDED.adr_chantier, cp_chantier = EXCLUDED.cp_chantier,
       ville_chantier = EXCLUDED.ville_chantier, etat = EXCLUDED.etat, total_mo = EXCLUDED.total_mo,
       sync = false, revision = c.revision + 1, updated_at = now()
     WHERE (c.description, c.nom_client, c.date_debut, c.date_fin, c.adr_chantier, c.cp_chantier,
            c.ville_chantier, c.total_mo)
       IS DISTINCT FROM
           (EXCLUDED.description, EXCLUDED.nom_client, EXCLUDED.date_debut, EXCLUDED.date_fin,
            EXCLUDED.adr_chantier, EXCLUDED.cp_chantier, EXCLUDED.ville_chantier, EXCLUDED.total_mo)
     RETURNING (xmax = 0) AS inserted`,
    [
      column('code'),
      column('libelle'),
      column('nomClient'),
      column('dateDebut'),
      column('dateFin'),
      column('adrChantier'),
      column('cpChantier'),
      column('villeChantier'),
      column('etat'),
      column('totalMo'),
    ],
  );
  const created = changed.filter((r) => r.inserted).length;
  return { created, updated: changed.length - created, unchanged: rows.length - changed.length };
}

interface ChantierRecord {
  code: string;
  description: string | null;
  nom_client: string | null;
  date_debut: string | null;
  date_fin: string | null;
  adr_chantier: string | null;
  cp_chantier: string | null;
  ville_chantier: string | null;
  etat: string | null;
  total_mo: number | null;
  sync: boolean;
  batisimply_id: number | null;
  revision: number;
  create_attempted_at?: Date | string | null;
}

function fromRecord(r: ChantierRecord): StagedChantier {
  return {
    code: r.code,
    libelle: r.description,
    nomClient: r.nom_client,
    dateDebut: r.date_debut,
    dateFin: r.date_fin,
    adrChantier: r.adr_chantier,
    cpChantier: r.cp_chantier,
    villeChantier: r.ville_chantier,
    etat: r.etat,
    totalMo: r.total_mo,
    sync: r.sync,
    batisimplyId: r.batisimply_id,
    revision: r.revision,
    createAttemptedAt: r.create_attempted_at ? new Date(r.create_attempted_at).getTime() : null,
  };
}

/** Rows BatiSimply must be brought up to date with (`sync = false`, set by `transfer` or by hand). */
export async function pendingChantiers(db: Queryable): Promise<StagedChantier[]> {
  const { rows } = await db.query<ChantierRecord>(
    `SELECT code, description, nom_client, date_debut::text, date_fin::text, adr_chantier, cp_chantier,
            ville_chantier, etat, total_mo, sync, batisimply_id, revision, create_attempted_at
     FROM batigest_chantiers WHERE NOT sync AND ended_at IS NULL ORDER BY code`,
  );
  return rows.map(fromRecord);
}

export interface PushedChantier {
  code: string;
  revision: number;
  batisimplyId: number;
}

/**
 * Records that BatiSimply holds the projects, in one statement (the push writes its results in
 * batches). `sync` becomes true only if a row is still the revision that was pushed: an edit
 * made meanwhile is pushed by the next run.
 */
export async function markChantiersPushed(db: Queryable, rows: readonly PushedChantier[]) {
  if (rows.length === 0) return;
  await db.query(
    `UPDATE batigest_chantiers AS c
     SET batisimply_id = p.batisimply_id, last_error = NULL, create_attempted_at = NULL,
         sync = CASE WHEN c.revision = p.revision THEN true ELSE c.sync END,
         sync_date = CASE WHEN c.revision = p.revision THEN now() ELSE c.sync_date END
     FROM unnest($1::text[], $2::int[], $3::bigint[]) AS p(code, revision, batisimply_id)
     WHERE c.code = p.code`,
    [rows.map((r) => r.code), rows.map((r) => r.revision), rows.map((r) => r.batisimplyId)],
  );
}

export async function markChantierFailed(db: Queryable, code: string, message: string) {
  await markChantiersFailed(db, [{ code, message }]);
}

export async function markChantiersFailed(db: Queryable, rows: readonly { code: string; message: string }[]) {
  if (rows.length === 0) return;
  await db.query(
    `UPDATE batigest_chantiers AS c SET last_error = f.message
     FROM unnest($1::text[], $2::text[]) AS f(code, message) WHERE c.code = f.code`,
    [rows.map((r) => r.code), rows.map((r) => redact(r.message))],
  );
}

/**
 * Records, before the POSTs leave, that creates of these codes are under way; `at` is when the
 * last of them may have been sent. Never moved back: a later attempt keeps its later time.
 */
export async function recordCreateAttempts(db: Queryable, codes: readonly string[], at: Date) {
  if (codes.length === 0) return;
  await db.query(
    `UPDATE batigest_chantiers
     SET create_attempted_at = GREATEST(create_attempted_at, $2::timestamptz)
     WHERE code = ANY($1::text[])`,
    [codes, at],
  );
}

/** BatiSimply project id → chantier code, for hours whose slot carries no projectCode. */
export async function chantierCodesByProjectId(db: Queryable, projectIds: readonly number[]): Promise<Map<number, string>> {
  if (projectIds.length === 0) return new Map();
  const { rows } = await db.query<{ batisimply_id: number; code: string }>(
    'SELECT batisimply_id, code FROM batigest_chantiers WHERE batisimply_id = ANY($1::bigint[])',
    [projectIds],
  );
  return new Map(rows.map((r) => [r.batisimply_id, r.code]));
}

export async function countPendingChantiers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_chantiers WHERE NOT sync AND ended_at IS NULL');
  return rows[0]?.n ?? 0;
}

/**
 * The operator asks for a chantier to be sent to BatiSimply again (`connecteur chantiers renvoyer`):
 * the next transfer-batisimply pushes it, and creates its project again when BatiSimply lost it.
 * The revision moves, so that a push already under way does not mark it sent. False: no such code.
 */
export async function requeueChantier(db: Queryable, code: string): Promise<boolean> {
  const { rows } = await db.query(
    'UPDATE batigest_chantiers SET sync = false, revision = revision + 1, updated_at = now() WHERE code = $1 RETURNING code',
    [code],
  );
  return rows.length > 0;
}
