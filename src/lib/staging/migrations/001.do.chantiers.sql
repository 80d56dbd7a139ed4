-- Chantiers staged from Batigest. Adopts the table created by the earlier tool in place: every
-- column is created if missing and brought to its type, and `sync` is kept as it stands so that
-- nothing already pushed to BatiSimply is pushed again.
CREATE TABLE IF NOT EXISTS batigest_chantiers (
  code text NOT NULL
);

ALTER TABLE batigest_chantiers
  ADD COLUMN IF NOT EXISTS date_debut date,
  ADD COLUMN IF NOT EXISTS date_fin date,
  ADD COLUMN IF NOT EXISTS nom_client text,
  ADD COLUMN IF NOT EXISTS description text,
  ADD COLUMN IF NOT EXISTS adr_chantier text,
  ADD COLUMN IF NOT EXISTS cp_chantier text,
  ADD COLUMN IF NOT EXISTS ville_chantier text,
  ADD COLUMN IF NOT EXISTS total_mo numeric,
  ADD COLUMN IF NOT EXISTS sync boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS sync_date timestamptz,
  -- Added by this connector.
  ADD COLUMN IF NOT EXISTS etat text,
  ADD COLUMN IF NOT EXISTS batisimply_id bigint,
  -- Bumped on every content change, so that a push only marks `sync = true` the version it sent.
  ADD COLUMN IF NOT EXISTS revision integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS last_error text,
  ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

-- The earlier tool's column types are not all known: cast whatever it used to ours.
ALTER TABLE batigest_chantiers
  ALTER COLUMN code TYPE text USING trim(code::text),
  ALTER COLUMN date_debut TYPE date USING date_debut::date,
  ALTER COLUMN date_fin TYPE date USING date_fin::date,
  ALTER COLUMN nom_client TYPE text,
  ALTER COLUMN description TYPE text,
  ALTER COLUMN adr_chantier TYPE text,
  ALTER COLUMN cp_chantier TYPE text,
  ALTER COLUMN ville_chantier TYPE text,
  ALTER COLUMN total_mo TYPE numeric USING total_mo::numeric,
  ALTER COLUMN sync_date TYPE timestamptz USING sync_date::timestamptz;

UPDATE batigest_chantiers SET sync = false WHERE sync IS NULL;
ALTER TABLE batigest_chantiers ALTER COLUMN sync SET DEFAULT false, ALTER COLUMN sync SET NOT NULL;

CREATE UNIQUE INDEX IF NOT EXISTS batigest_chantiers_code_key ON batigest_chantiers (code);
CREATE INDEX IF NOT EXISTS batigest_chantiers_pending ON batigest_chantiers (code) WHERE NOT sync;
CREATE INDEX IF NOT EXISTS batigest_chantiers_batisimply_id ON batigest_chantiers (batisimply_id);
