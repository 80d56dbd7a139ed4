-- Chantiers that end: a chantier deleted from Batigest, or whose Etat left CHANTIERS_ETATS, is
-- marked finished (or archived) in BatiSimply, and reopened there if it comes back.
ALTER TABLE batigest_chantiers
  -- When `transfer` stopped seeing the chantier in Batigest, and why (French, for the operator).
  ADD COLUMN IF NOT EXISTS ended_at timestamptz,
  ADD COLUMN IF NOT EXISTS end_reason text,
  -- What the connector set on the BatiSimply project: NULL nothing, 'finished' (isFinished),
  -- 'archived' (isArchived), 'absent' (no project to finish). Undone when the chantier comes back.
  ADD COLUMN IF NOT EXISTS fin_state text,
  ADD COLUMN IF NOT EXISTS fin_date timestamptz;

CREATE INDEX IF NOT EXISTS batigest_chantiers_fin_pending ON batigest_chantiers (code)
  WHERE (ended_at IS NOT NULL AND fin_state IS NULL) OR (ended_at IS NULL AND fin_state IS NOT NULL);

-- Geocoded addresses (Base Adresse Nationale), keyed by the normalised address sent: an address
-- that does not change is never geocoded again. A NULL point is a search that found nothing.
CREATE TABLE IF NOT EXISTS geocode_cache (
  address_key text PRIMARY KEY,
  query text NOT NULL,
  lon double precision,
  lat double precision,
  score double precision,
  label text,
  geocoded_at timestamptz NOT NULL DEFAULT now()
);
