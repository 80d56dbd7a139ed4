-- Time slots staged from BatiSimply. Adopts the earlier tool's table in place, keeping `sync`.
-- date_debut/date_fin are wall-clock times in SYNC_TIMEZONE, to the minute, without time zone.
CREATE TABLE IF NOT EXISTS batigest_heures (
  id_heure text NOT NULL
);

ALTER TABLE batigest_heures
  ADD COLUMN IF NOT EXISTS date_debut timestamp,
  ADD COLUMN IF NOT EXISTS date_fin timestamp,
  ADD COLUMN IF NOT EXISTS id_utilisateur uuid,
  ADD COLUMN IF NOT EXISTS id_projet bigint,
  ADD COLUMN IF NOT EXISTS status_management text,
  ADD COLUMN IF NOT EXISTS total_heure integer,
  ADD COLUMN IF NOT EXISTS panier boolean,
  ADD COLUMN IF NOT EXISTS trajet boolean,
  ADD COLUMN IF NOT EXISTS code_projet text,
  ADD COLUMN IF NOT EXISTS sync boolean NOT NULL DEFAULT false,
  -- Added by this connector.
  ADD COLUMN IF NOT EXISTS deleted_at timestamptz,
  ADD COLUMN IF NOT EXISTS start_utc timestamptz,
  ADD COLUMN IF NOT EXISTS end_utc timestamptz,
  ADD COLUMN IF NOT EXISTS project_code_in_slot text,
  ADD COLUMN IF NOT EXISTS user_name text,
  ADD COLUMN IF NOT EXISTS raw jsonb,
  ADD COLUMN IF NOT EXISTS revision integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS held_code text,
  ADD COLUMN IF NOT EXISTS held_reason text,
  ADD COLUMN IF NOT EXISTS first_seen_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE batigest_heures
  ALTER COLUMN id_heure TYPE text USING id_heure::text,
  ALTER COLUMN date_debut TYPE timestamp USING date_debut::timestamp,
  ALTER COLUMN date_fin TYPE timestamp USING date_fin::timestamp,
  ALTER COLUMN id_utilisateur TYPE uuid USING id_utilisateur::text::uuid,
  ALTER COLUMN id_projet TYPE bigint USING id_projet::text::bigint,
  ALTER COLUMN status_management TYPE text,
  ALTER COLUMN total_heure TYPE integer USING round(total_heure::numeric)::integer,
  ALTER COLUMN panier TYPE boolean USING panier::text::boolean,
  ALTER COLUMN trajet TYPE boolean USING trajet::text::boolean,
  ALTER COLUMN code_projet TYPE text;

UPDATE batigest_heures SET sync = false WHERE sync IS NULL;
ALTER TABLE batigest_heures ALTER COLUMN sync SET DEFAULT false, ALTER COLUMN sync SET NOT NULL;

CREATE UNIQUE INDEX IF NOT EXISTS batigest_heures_id_heure_key ON batigest_heures (id_heure);
CREATE INDEX IF NOT EXISTS batigest_heures_pending ON batigest_heures (id_heure) WHERE NOT sync;
CREATE INDEX IF NOT EXISTS batigest_heures_start_utc ON batigest_heures (start_utc);

-- What was written to SuiviMO for each slot: the confirmed row (key and values) and, while a
-- write is under way, the intended one. See "Exactly once" in the README.
CREATE TABLE IF NOT EXISTS suivimo_ledger (
  id_heure text PRIMARY KEY,
  code_chantier text,
  code_salarie text,
  id_utilisateur uuid,
  date timestamp,
  nbh0 numeric,
  trajet smallint,
  panier smallint,
  intent jsonb,
  intent_at timestamptz,
  adopted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Slots the earlier tool already wrote (sync = true, validated): their SuiviMO row is taken as
-- ours, so that an edit updates it instead of adding a second one. The salarié is resolved on
-- first use from Salarie.CodeBS.
INSERT INTO suivimo_ledger (id_heure, code_chantier, id_utilisateur, date, nbh0, trajet, panier, adopted)
SELECT h.id_heure, h.code_projet, h.id_utilisateur, date_trunc('minute', h.date_debut),
       round(h.total_heure / 60.0, 4), CASE WHEN h.trajet THEN 1 ELSE 0 END,
       CASE WHEN h.panier THEN 1 ELSE 0 END, true
FROM batigest_heures h
WHERE h.sync AND h.status_management = 'VALIDATED' AND h.code_projet IS NOT NULL
  AND h.date_debut IS NOT NULL AND h.total_heure IS NOT NULL
ON CONFLICT (id_heure) DO NOTHING;
