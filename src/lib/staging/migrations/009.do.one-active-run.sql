-- One active run per job: the check-then-insert of two requests arriving together could queue a
-- job twice. Runs are keyed per company by the schema (each company has its own connecteur_runs),
-- so the job alone is the key here. A chain's steps (parent_run_id set) are left out: they run
-- under their own lock, while the chain's row holds the chain.
-- Older duplicates left by that race are ended first, the newest of each job kept.
UPDATE connecteur_runs r
SET status = 'interrupted', finished_at = now(), progress = NULL,
    message = 'Exécution interrompue : doublon d’une exécution active du même job (migration 009).'
WHERE r.parent_run_id IS NULL AND r.status IN ('queued', 'running')
  AND EXISTS (
    SELECT 1 FROM connecteur_runs o
    WHERE o.job = r.job AND o.parent_run_id IS NULL AND o.status IN ('queued', 'running')
      AND (o.started_at, o.run_id) > (r.started_at, r.run_id)
  );
CREATE UNIQUE INDEX IF NOT EXISTS connecteur_runs_one_active ON connecteur_runs (job)
  WHERE status IN ('queued', 'running') AND parent_run_id IS NULL;
