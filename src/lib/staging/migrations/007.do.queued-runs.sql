-- Runs on a queue: a run is recorded 'queued' when its message is sent, claimed ('running') by
-- the queue handler that executes it, and failed with its reason after the last delivery.
-- Companies need no column here: each company has its own schema holding all these tables.
ALTER TABLE connecteur_runs ADD COLUMN IF NOT EXISTS queued_at timestamptz;
-- What stopped a run ('configuration', 'upstream', 'conflict', 'internal'), for the HTTP status of `?wait=`.
ALTER TABLE connecteur_runs ADD COLUMN IF NOT EXISTS error_kind text;
-- Deliveries of the run's message that did not finish it (the host tries again until its maximum).
ALTER TABLE connecteur_runs ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS connecteur_runs_queued ON connecteur_runs (job) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS connecteur_runs_started ON connecteur_runs (started_at DESC);
