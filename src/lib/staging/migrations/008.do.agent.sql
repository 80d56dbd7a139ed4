-- The on-site agent (`connecteur agent`): one row per agent that has run against this company's
-- staging, written on each heartbeat. The cloud side reads it for the status, the dashboard and
-- the silence alert. `schema_known` is the newest migration the agent ships, `schema_found` the
-- version it read here: they differ after an update of one side only.
CREATE TABLE IF NOT EXISTS connecteur_agent_heartbeats (
  agent_id text PRIMARY KEY,
  host text NOT NULL,
  version text NOT NULL,
  role text NOT NULL,
  pid integer,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  last_step text,
  last_step_at timestamptz,
  last_status text,
  last_error text,
  schema_known integer,
  schema_found integer,
  -- The agent's schedules (NCRONTAB) and their shortest period, for the silence threshold.
  schedules jsonb NOT NULL DEFAULT '{}',
  shortest_period_seconds integer
);

-- Problems `--role all` (or a deployment with ALERT_WEBHOOK_URL) has seen: posted once when they
-- appear and once when they clear, shown at the top of the dashboard while open.
CREATE TABLE IF NOT EXISTS connecteur_alerts (
  alert_key text PRIMARY KEY,
  kind text NOT NULL,
  message text NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  notified_at timestamptz,
  cleared_at timestamptz,
  clear_notified_at timestamptz
);
