-- Run history and the records that failed or are held, for the dashboard and `connecteur status`.
CREATE TABLE IF NOT EXISTS connecteur_runs (
  run_id uuid PRIMARY KEY,
  job text NOT NULL,
  parent_run_id uuid,
  trigger text NOT NULL,
  dry_run boolean NOT NULL DEFAULT false,
  status text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  counts jsonb NOT NULL DEFAULT '{}',
  errors jsonb NOT NULL DEFAULT '[]',
  progress jsonb,
  message text
);
CREATE INDEX IF NOT EXISTS connecteur_runs_job_started ON connecteur_runs (job, started_at DESC);
CREATE INDEX IF NOT EXISTS connecteur_runs_running ON connecteur_runs (job) WHERE status = 'running';

CREATE TABLE IF NOT EXISTS connecteur_record_issues (
  job text NOT NULL,
  record_key text NOT NULL,
  kind text NOT NULL,
  code text NOT NULL,
  message text NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 1,
  last_run_id uuid,
  PRIMARY KEY (job, record_key)
);
