-- A create of a BatiSimply project whose outcome is not known yet (sent, no success read back).
-- Set before the POST leaves, cleared once the project's id is stored: while it is set, no new
-- create of the code is sent until a look-up by code, made after the request could still land,
-- has shown that BatiSimply does not hold it.
ALTER TABLE batigest_chantiers ADD COLUMN IF NOT EXISTS create_attempted_at timestamptz;
