/** SQL of the on-site agent's heartbeat (`connecteur_agent_heartbeats`) and of the alerts (`connecteur_alerts`). */
import { redact } from '../log.js';
import type { Queryable } from './db.js';

export interface Heartbeat {
  agentId: string;
  host: string;
  version: string;
  role: string;
  pid: number;
  lastStep?: string | null;
  lastStepAt?: string | null;
  lastStatus?: string | null;
  lastError?: string | null;
  schemaKnown: number;
  schemaFound: number | null;
  schedules: Record<string, string>;
  shortestPeriodSeconds: number | null;
}

export interface HeartbeatRow extends Heartbeat {
  startedAt: string;
  lastSeen: string;
  /** Seconds since `lastSeen`, by the database's clock (the agent's may differ from the reader's). */
  secondsSince: number;
}

/**
 * Records that the agent is alive. A field left undefined keeps its stored value (a heartbeat
 * between two runs does not erase the last step); null clears it.
 */
export async function writeHeartbeat(db: Queryable, h: Heartbeat, started: boolean) {
  await db.query(
    `INSERT INTO connecteur_agent_heartbeats (agent_id, host, version, role, pid, last_step, last_step_at, last_status, last_error,
       schema_known, schema_found, schedules, shortest_period_seconds, started_at, last_seen)
     VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8, $9, $10, $11, $12, $13, now(), now())
     ON CONFLICT (agent_id) DO UPDATE SET host = EXCLUDED.host, version = EXCLUDED.version, role = EXCLUDED.role, pid = EXCLUDED.pid,
       last_step = CASE WHEN $14 THEN EXCLUDED.last_step ELSE connecteur_agent_heartbeats.last_step END,
       last_step_at = CASE WHEN $14 THEN EXCLUDED.last_step_at ELSE connecteur_agent_heartbeats.last_step_at END,
       last_status = CASE WHEN $14 THEN EXCLUDED.last_status ELSE connecteur_agent_heartbeats.last_status END,
       last_error = CASE WHEN $15 THEN EXCLUDED.last_error ELSE connecteur_agent_heartbeats.last_error END,
       schema_known = EXCLUDED.schema_known, schema_found = EXCLUDED.schema_found, schedules = EXCLUDED.schedules,
       shortest_period_seconds = EXCLUDED.shortest_period_seconds,
       started_at = CASE WHEN $16 THEN now() ELSE connecteur_agent_heartbeats.started_at END, last_seen = now()`,
    [
      h.agentId,
      h.host,
      h.version,
      h.role,
      h.pid,
      h.lastStep ?? null,
      h.lastStepAt ?? null,
      h.lastStatus ?? null,
      h.lastError === undefined || h.lastError === null ? null : redact(h.lastError),
      h.schemaKnown,
      h.schemaFound,
      JSON.stringify(h.schedules),
      h.shortestPeriodSeconds,
      h.lastStep !== undefined,
      h.lastError !== undefined,
      started,
    ],
  );
}

export async function readHeartbeats(db: Queryable): Promise<HeartbeatRow[]> {
  const { rows } = await db.query<HeartbeatRow>(
    `SELECT agent_id AS "agentId", host, version, role, pid, last_step AS "lastStep",
       to_char(last_step_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "lastStepAt",
       last_status AS "lastStatus", last_error AS "lastError", schema_known AS "schemaKnown", schema_found AS "schemaFound",
       schedules, shortest_period_seconds AS "shortestPeriodSeconds",
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "startedAt",
       to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "lastSeen",
       extract(epoch FROM now() - last_seen)::int AS "secondsSince"
     FROM connecteur_agent_heartbeats ORDER BY last_seen DESC`,
  );
  return rows;
}

export interface AlertRow {
  key: string;
  kind: string;
  message: string;
  openedAt: string;
  notified: boolean;
}

const ALERT_COLUMNS = `alert_key AS key, kind, message,
  to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "openedAt", notified_at IS NOT NULL AS notified`;

/** The problems open now (not cleared), oldest first. */
export async function openAlerts(db: Queryable): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM connecteur_alerts WHERE cleared_at IS NULL ORDER BY opened_at`);
  return rows;
}

/**
 * Records the problems seen now: a new one (or one that had cleared) is opened, a known one keeps
 * its opening time and takes the latest message; an open one not among them is cleared. Answers
 * what changed, for the webhook.
 */
export async function reconcileAlerts(
  db: Queryable,
  problems: readonly { key: string; kind: string; message: string }[],
): Promise<{ opened: AlertRow[]; cleared: AlertRow[] }> {
  const keys = problems.map((p) => p.key);
  const { rows: opened } = await db.query<AlertRow>(
    `INSERT INTO connecteur_alerts (alert_key, kind, message)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (alert_key) DO UPDATE SET message = EXCLUDED.message, last_seen = now(),
       opened_at = CASE WHEN connecteur_alerts.cleared_at IS NULL THEN connecteur_alerts.opened_at ELSE now() END,
       notified_at = CASE WHEN connecteur_alerts.cleared_at IS NULL THEN connecteur_alerts.notified_at END,
       clear_notified_at = CASE WHEN connecteur_alerts.cleared_at IS NULL THEN connecteur_alerts.clear_notified_at END,
       cleared_at = NULL
     RETURNING ${ALERT_COLUMNS}`,
    [keys, problems.map((p) => p.kind), problems.map((p) => redact(p.message))],
  );
  const { rows: cleared } = await db.query<AlertRow>(
    `UPDATE connecteur_alerts SET cleared_at = now() WHERE cleared_at IS NULL AND NOT (alert_key = ANY($1::text[]))
     RETURNING ${ALERT_COLUMNS}`,
    [keys],
  );
  return { opened: opened.filter((a) => !a.notified), cleared };
}

/** Alerts whose appearance (or clearing) has not reached the webhook yet: posted again until it does. */
export async function unnotifiedAlerts(db: Queryable): Promise<{ opened: AlertRow[]; cleared: AlertRow[] }> {
  const { rows: opened } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM connecteur_alerts WHERE cleared_at IS NULL AND notified_at IS NULL ORDER BY opened_at`,
  );
  const { rows: cleared } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM connecteur_alerts WHERE cleared_at IS NOT NULL AND notified_at IS NOT NULL AND clear_notified_at IS NULL
     ORDER BY cleared_at`,
  );
  return { opened, cleared };
}

export async function markAlertsNotified(db: Queryable, opened: readonly string[], cleared: readonly string[]) {
  await db.query('UPDATE connecteur_alerts SET notified_at = now() WHERE alert_key = ANY($1::text[]) AND notified_at IS NULL', [opened]);
  await db.query('UPDATE connecteur_alerts SET clear_notified_at = now() WHERE alert_key = ANY($1::text[]) AND cleared_at IS NOT NULL', [
    cleared,
  ]);
}
