-- What recup-heures last staged for a slot, as a digest of the slot's fields (see contentHash in
-- sync/recupHeures.ts): an unchanged slot is recognised from one narrow read and not written.
-- `raw` (each slot's whole JSON) is no longer written: its fields that matter have their columns.
ALTER TABLE batigest_heures ADD COLUMN IF NOT EXISTS content_hash text;
