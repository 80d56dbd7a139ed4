/** SQL of `batigest_heures` (staged time slots) and `suivimo_ledger` (what SuiviMO holds for each slot). */
import type { ExistingSlot, LedgerEntry, PendingSlot, StagedSlot } from '../domain/slots.js';
import type { SuiviMoRow } from '../domain/suiviMo.js';
import { redact } from '../log.js';
import { normaliseWallClock } from '../time.js';
import type { Queryable } from './db.js';
import { arrayLiteral } from './pgArray.js';

/** Per slot id: the digest last staged, its start (epoch ms), and whether the row is marked deleted. One narrow read per batch. */
export async function stagedHashes(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, { hash: string | null; startMs: number | null; deleted: boolean }>> {
  const { rows } = await db.query<{ id: string; hash: string | null; start_ms: number | null; deleted: boolean }>(
    `SELECT id_heure AS id, content_hash AS hash, (extract(epoch FROM start_utc) * 1000)::float8 AS start_ms,
            deleted_at IS NOT NULL AS deleted
     FROM batigest_heures WHERE id_heure = ANY($1::text[])`,
    [arrayLiteral(ids)],
  );
  return new Map(rows.map((r) => [r.id, { hash: r.hash, startMs: r.start_ms, deleted: r.deleted }]));
}

export async function existingSlots(db: Queryable, ids: readonly string[]): Promise<Map<string, ExistingSlot>> {
  const { rows } = await db.query<ExistingSlot & { dateDebut: string | null; dateFin: string | null }>(
    `SELECT id_heure AS "idHeure", date_debut::text AS "dateDebut", date_fin::text AS "dateFin",
            id_utilisateur::text AS "idUtilisateur", id_projet AS "idProjet", project_code_in_slot AS "projectCodeInSlot",
            code_projet AS "codeProjet", status_management AS status, total_heure AS "totalHeure", panier, trajet,
            user_name AS "userName", deleted_at IS NOT NULL AS deleted
     FROM batigest_heures WHERE id_heure = ANY($1::text[])`,
    [arrayLiteral(ids)],
  );
  return new Map(
    rows.map((r) => [
      r.idHeure,
      { ...r, dateDebut: r.dateDebut && normaliseWallClock(r.dateDebut), dateFin: r.dateFin && normaliseWallClock(r.dateFin) },
    ]),
  );
}

/** The staged columns of a slot, in the order of `slotParameters`. */
const SLOT_COLUMNS = `id_heure, date_debut, date_fin, start_utc, end_utc, id_utilisateur, id_projet, project_code_in_slot,
  code_projet, status_management, total_heure, panier, trajet, user_name, content_hash`;
/** One row per slot from the array parameters $1…$15 (`slotParameters`), and `more` arrays after them. */
const slotRows = (more = '') => `unnest($1::text[], $2::timestamp[], $3::timestamp[], $4::timestamptz[], $5::timestamptz[], $6::uuid[],
  $7::bigint[], $8::text[], $9::text[], $10::text[], $11::int[], $12::bool[], $13::bool[], $14::text[], $15::text[]${more})`;

function slotParameters(slots: readonly StagedSlot[]): string[] {
  const col = <K extends keyof StagedSlot>(k: K) => arrayLiteral(slots.map((s) => s[k]));
  return [
    col('idHeure'),
    col('dateDebut'),
    col('dateFin'),
    col('startUtc'),
    col('endUtc'),
    col('idUtilisateur'),
    col('idProjet'),
    col('projectCodeInSlot'),
    col('codeProjet'),
    col('status'),
    col('totalHeure'),
    col('panier'),
    col('trajet'),
    col('userName'),
    col('contentHash'),
  ];
}

/**
 * Inserts slots that staging does not hold (the caller read their ids in the same transaction,
 * under the job's lock): a plain INSERT, cheaper than an upsert's conflict check on each row. A new
 * slot always waits for SuiviMO.
 */
export async function insertNewSlots(db: Queryable, slots: readonly StagedSlot[]) {
  if (slots.length === 0) return;
  await db.query(
    `INSERT INTO batigest_heures (${SLOT_COLUMNS}, sync, revision) SELECT *, false, 1 FROM ${slotRows()}`,
    slotParameters(slots),
  );
}

/**
 * Inserts or updates slots. `reachesSuiviMo[i]` says whether the change touches what SuiviMO gets:
 * only then does `sync` go back to false (and the revision move), so an edit of nothing that
 * matters to Batigest causes no write there.
 */
export async function upsertSlots(db: Queryable, slots: readonly StagedSlot[], reachesSuiviMo: readonly boolean[]) {
  if (slots.length === 0) return;
  await db.query(
    `INSERT INTO batigest_heures AS h (${SLOT_COLUMNS}, sync, revision)
     SELECT ${SLOT_COLUMNS}, NOT relevant, 1 FROM ${slotRows(', $16::bool[]')} AS i(${SLOT_COLUMNS}, relevant)
     ON CONFLICT (id_heure) DO UPDATE SET
       date_debut = EXCLUDED.date_debut, date_fin = EXCLUDED.date_fin, start_utc = EXCLUDED.start_utc,
       end_utc = EXCLUDED.end_utc, id_utilisateur = EXCLUDED.id_utilisateur, id_projet = EXCLUDED.id_projet,
       project_code_in_slot = EXCLUDED.project_code_in_slot, code_projet = EXCLUDED.code_projet,
       status_management = EXCLUDED.status_management, total_heure = EXCLUDED.total_heure,
       panier = EXCLUDED.panier, trajet = EXCLUDED.trajet, user_name = EXCLUDED.user_name,
       content_hash = EXCLUDED.content_hash, raw = NULL,
       deleted_at = NULL,
       sync = h.sync AND EXCLUDED.sync,
       revision = h.revision + CASE WHEN EXCLUDED.sync THEN 0 ELSE 1 END,
       updated_at = now()`,
    [...slotParameters(slots), arrayLiteral(reachesSuiviMo)],
  );
}

/**
 * Ids of the staged slots of one period that are not marked deleted. The caller compares them with
 * what BatiSimply listed for the period: done in SQL, the anti-join's plan would depend on
 * statistics that a first import, inserting in the same transaction, has not refreshed yet.
 */
export async function livePeriodSlotIds(db: Queryable, from: Date, to: Date): Promise<string[]> {
  // One array rather than a row object per slot.
  const { rows } = await db.query<{ ids: string[] | null }>(
    `SELECT array_agg(id_heure) AS ids FROM batigest_heures WHERE deleted_at IS NULL AND start_utc >= $1 AND start_utc < $2`,
    [from.toISOString(), to.toISOString()],
  );
  return rows[0]?.ids ?? [];
}

/** How many of the window's staged slots are not marked deleted. */
export async function liveSlotCount(db: Queryable, from: Date, to: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM batigest_heures WHERE deleted_at IS NULL AND start_utc >= $1 AND start_utc < $2`,
    [from.toISOString(), to.toISOString()],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Marks these slots deleted in BatiSimply. The caller finds them a period at a time
 * (`livePeriodSlotIds`), so that it never holds the whole window's ids.
 */
export async function markSlotsDeleted(db: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rows } = await db.query<{ n: number }>(
    `WITH d AS (
       UPDATE batigest_heures SET deleted_at = now(), sync = false, revision = revision + 1, updated_at = now()
       WHERE id_heure = ANY($1::text[]) AND deleted_at IS NULL RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [arrayLiteral(ids)],
  );
  return rows[0]?.n ?? 0;
}

export async function slotsWithoutCode(db: Queryable): Promise<{ idHeure: string; idProjet: number }[]> {
  const { rows } = await db.query<{ idHeure: string; idProjet: number }>(
    `SELECT id_heure AS "idHeure", id_projet AS "idProjet" FROM batigest_heures
     WHERE code_projet IS NULL AND id_projet IS NOT NULL AND deleted_at IS NULL ORDER BY id_heure`,
  );
  return rows;
}

export async function setProjectCodes(db: Queryable, codes: ReadonlyMap<number, string>): Promise<number> {
  if (codes.size === 0) return 0;
  const { rows } = await db.query<{ id_heure: string }>(
    `UPDATE batigest_heures h SET code_projet = v.code, sync = false, revision = revision + 1, updated_at = now()
     FROM unnest($1::bigint[], $2::text[]) AS v(id, code)
     WHERE h.id_projet = v.id AND h.code_projet IS NULL AND h.deleted_at IS NULL
     RETURNING h.id_heure`,
    [[...codes.keys()], [...codes.values()]],
  );
  return rows.length;
}

export async function pendingSlots(db: Queryable, limit: number, afterId: string): Promise<PendingSlot[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT h.id_heure, h.revision, h.date_debut::text AS date_debut, h.id_utilisateur::text AS id_utilisateur, h.id_projet,
            h.code_projet, h.status_management, h.total_heure, coalesce(h.panier, false) AS panier,
            coalesce(h.trajet, false) AS trajet, h.user_name, h.deleted_at IS NOT NULL AS deleted,
            l.id_heure AS l_id, l.code_chantier, l.code_salarie, l.id_utilisateur::text AS l_user, l.date::text AS l_date,
            l.nbh0, l.trajet AS l_trajet, l.panier AS l_panier, l.intent
     FROM batigest_heures h LEFT JOIN suivimo_ledger l USING (id_heure)
     WHERE NOT h.sync AND h.id_heure > $2
     ORDER BY h.id_heure LIMIT $1`,
    [limit, afterId],
  );
  return rows.map((r) => ({
    ...slotColumns(r),
    revision: r.revision as number,
    panier: r.panier as boolean,
    trajet: r.trajet as boolean,
    ledger: r.l_id
      ? {
          confirmed: confirmedLedgerRow(r),
          intent: (r.intent as LedgerEntry['intent']) ?? null,
        }
      : null,
  }));
}

/** Step 1 of a SuiviMO write: what is about to be written, recorded before the ERP is touched. */
export async function writeIntents(db: Queryable, intents: { idHeure: string; target: SuiviMoRow | null }[]) {
  if (intents.length === 0) return;
  await db.query(
    `INSERT INTO suivimo_ledger (id_heure, intent, intent_at)
     SELECT i.id, i.intent, now() FROM unnest($1::text[], $2::jsonb[]) AS i(id, intent)
     ON CONFLICT (id_heure) DO UPDATE SET intent = EXCLUDED.intent, intent_at = now(), updated_at = now()`,
    [intents.map((i) => i.idHeure), intents.map((i) => JSON.stringify({ target: i.target }))],
  );
}

/** Step 3: SuiviMO committed; the ledger now holds what it holds. */
export async function confirmLedger(db: Queryable, entries: { idHeure: string; row: SuiviMoRow | null }[]) {
  if (entries.length === 0) return;
  const present = entries.filter((e) => e.row !== null) as { idHeure: string; row: SuiviMoRow }[];
  const absent = entries.filter((e) => e.row === null).map((e) => e.idHeure);
  if (present.length > 0) {
    const c = <K extends keyof SuiviMoRow>(k: K) => present.map((e) => e.row[k]);
    await db.query(
      `INSERT INTO suivimo_ledger (id_heure, code_chantier, code_salarie, date, nbh0, trajet, panier, intent, adopted)
       SELECT i.*, NULL, false FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp[], $5::numeric[], $6::smallint[], $7::smallint[])
         AS i(id, code_chantier, code_salarie, date, nbh0, trajet, panier)
       ON CONFLICT (id_heure) DO UPDATE SET code_chantier = EXCLUDED.code_chantier, code_salarie = EXCLUDED.code_salarie,
         date = EXCLUDED.date, nbh0 = EXCLUDED.nbh0, trajet = EXCLUDED.trajet, panier = EXCLUDED.panier,
         intent = NULL, intent_at = NULL, adopted = false, updated_at = now()`,
      [present.map((e) => e.idHeure), c('codeChantier'), c('codeSalarie'), c('date'), c('nbh0'), c('trajet'), c('panier')],
    );
  }
  if (absent.length > 0) await db.query('DELETE FROM suivimo_ledger WHERE id_heure = ANY($1::text[])', [absent]);
}

/** Step 4: the slot is done, unless it changed since it was read (its revision moved). */
export async function markSlotsSynced(db: Queryable, slots: { idHeure: string; revision: number }[]) {
  if (slots.length === 0) return;
  await db.query(
    `UPDATE batigest_heures h SET sync = true, held_code = NULL, held_reason = NULL, updated_at = now()
     FROM unnest($1::text[], $2::int[]) AS v(id, revision)
     WHERE h.id_heure = v.id AND h.revision = v.revision`,
    [slots.map((s) => s.idHeure), slots.map((s) => s.revision)],
  );
}

export async function markSlotsHeld(db: Queryable, held: { idHeure: string; code: string; reason: string }[]) {
  if (held.length === 0) return;
  await db.query(
    `UPDATE batigest_heures h SET held_code = v.code, held_reason = v.reason, updated_at = now()
     FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, code, reason) WHERE h.id_heure = v.id`,
    [held.map((h) => h.idHeure), held.map((h) => h.code), held.map((h) => redact(h.reason))],
  );
}

/**
 * Staged slots not yet brought to SuiviMO. `pending`: those heures-to-sqlserver would write (a
 * validated slot's row, or the removal of a row the ledger holds), `held` among them; `notValidated`:
 * the others, slots not validated in BatiSimply that write nothing; `total`: all of them, which the
 * export reads.
 */
export async function countPendingHeures(db: Queryable): Promise<{ pending: number; held: number; notValidated: number; total: number }> {
  const { rows } = await db.query<{ pending: number; held: number; notValidated: number; total: number }>(
    `WITH waiting AS (
       SELECT h.held_code,
              coalesce((h.status_management = 'VALIDATED' AND h.deleted_at IS NULL) OR l.code_chantier IS NOT NULL OR l.intent IS NOT NULL, false)
                AS writes
       FROM batigest_heures h LEFT JOIN suivimo_ledger l ON l.id_heure = h.id_heure
       WHERE NOT h.sync)
     SELECT count(*) FILTER (WHERE writes)::int AS pending,
            count(*) FILTER (WHERE writes AND held_code IS NOT NULL)::int AS held,
            count(*) FILTER (WHERE NOT writes)::int AS "notValidated",
            count(*)::int AS total
     FROM waiting`,
  );
  return rows[0] ?? { pending: 0, held: 0, notValidated: 0, total: 0 };
}

/** A slot's columns as the reads of this module and of the audit select them (snake_case, `deleted` computed). */
export function slotColumns(r: Record<string, unknown>) {
  return {
    idHeure: r.id_heure as string,
    dateDebut: r.date_debut ? normaliseWallClock(r.date_debut as string) : null,
    idUtilisateur: (r.id_utilisateur as string | null) ?? null,
    idProjet: (r.id_projet as number | null) ?? null,
    codeProjet: (r.code_projet as string | null) ?? null,
    status: (r.status_management as string | null) ?? null,
    totalHeure: (r.total_heure as number | null) ?? null,
    userName: (r.user_name as string | null) ?? null,
    deleted: r.deleted as boolean,
  };
}

/** The ledger's confirmed row, selected as code_chantier, code_salarie, l_user, l_date, nbh0, l_trajet, l_panier; null when none. */
export function confirmedLedgerRow(r: Record<string, unknown>): NonNullable<LedgerEntry['confirmed']> | null {
  if (!r.code_chantier || !r.l_date) return null;
  return {
    codeChantier: r.code_chantier as string,
    codeSalarie: (r.code_salarie as string | null) ?? null,
    idUtilisateur: (r.l_user as string | null) ?? null,
    date: normaliseWallClock(r.l_date as string),
    nbh0: Number(r.nbh0),
    trajet: Number(r.l_trajet),
    panier: Number(r.l_panier),
  };
}

/**
 * The operator asks for a slot to be exported to SuiviMO again (`connecteur heures renvoyer`): the
 * next heures-to-sqlserver compares it with SuiviMO and the ledger, and writes what is missing.
 * False: no such slot in staging.
 */
export async function requeueSlot(db: Queryable, idHeure: string): Promise<boolean> {
  const { rows } = await db.query(
    'UPDATE batigest_heures SET sync = false, revision = revision + 1, updated_at = now() WHERE id_heure = $1 RETURNING id_heure',
    [idHeure],
  );
  return rows.length > 0;
}

/** Validated minutes of one week (its Monday, wall-clock), by where they stand on the way to SuiviMO. */
export interface WeekMinutes {
  week: string;
  exported: number;
  waiting: number;
  held: number;
}

/**
 * The validated slots staged for wall-clock days `from` (included) to `to` (excluded), per week:
 * exported to SuiviMO (`sync`), waiting for the export, or held back with a reason. What the
 * dashboard draws; the audit's totals of the same window say the same when staging is current.
 */
export async function validatedMinutesByWeek(db: Queryable, from: string, to: string): Promise<WeekMinutes[]> {
  const { rows } = await db.query<WeekMinutes>(
    `SELECT to_char(date_trunc('week', date_debut), 'YYYY-MM-DD') AS week,
            coalesce(sum(total_heure) FILTER (WHERE sync), 0)::int AS exported,
            coalesce(sum(total_heure) FILTER (WHERE NOT sync AND held_code IS NULL), 0)::int AS waiting,
            coalesce(sum(total_heure) FILTER (WHERE NOT sync AND held_code IS NOT NULL), 0)::int AS held
     FROM batigest_heures
     WHERE status_management = 'VALIDATED' AND deleted_at IS NULL AND total_heure IS NOT NULL
       AND date_debut >= $1::date AND date_debut < $2::date
     GROUP BY 1 ORDER BY 1`,
    [from, to],
  );
  return rows;
}
