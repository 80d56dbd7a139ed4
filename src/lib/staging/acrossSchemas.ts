/**
 * Reads over every company's schema at once, on one connection (issue 26): the run history and
 * the per-company summary of the dashboard's company choice. With 200 companies, one statement
 * (a UNION ALL of schema-qualified reads) instead of 200 pools, 200 migrations checks and 200
 * queries. Only schemas already at the run history's shape are read; the others have never
 * been opened (nothing to show yet) and are left out, to be migrated at their first real use.
 */
import type { Queryable, StagingDb } from './db.js';
import { RUN_COLUMNS, type RunRow } from './runs.js';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Columns of connecteur_runs the reads below use: a schema without one of them is behind (or empty). */
const NEEDED = [
  'run_id',
  'job',
  'status',
  'started_at',
  'finished_at',
  'counts',
  'errors',
  'progress',
  'message',
  'error_kind',
  'parent_run_id',
];

/** The schemas among `schemas` whose run history can be read as this version reads it. */
async function readySchemas(q: Queryable, schemas: readonly string[]): Promise<string[]> {
  const { rows } = await q.query<{ schema: string }>(
    // pg_catalog, not information_schema: its views take a second to answer over 200 schemas.
    `SELECT n.nspname AS schema FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relname = 'connecteur_runs' AND n.nspname = ANY($1::text[]) AND a.attname = ANY($2::text[]) AND NOT a.attisdropped
     GROUP BY n.nspname HAVING count(*) = $3`,
    [schemas, NEEDED, NEEDED.length],
  );
  const ready = new Set(rows.map((r) => r.schema));
  return schemas.filter((s) => ready.has(s));
}

/** Both reads on one connection (a read-only transaction): never one per company. */
function onOneConnection<T>(db: StagingDb, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION READ ONLY');
    return fn(tx);
  });
}

/** The newest top-level runs of every schema, newest first, each with its schema. */
export async function listRunsAcross(
  db: StagingDb,
  schemas: readonly string[],
  filter: { job?: string; status?: string; limit: number },
): Promise<{ schema: string; row: RunRow }[]> {
  return onOneConnection(db, async (q) => {
    const ready = await readySchemas(q, schemas);
    if (ready.length === 0) return [];
    // Each schema's newest runs, then the newest of all; only those few rows are formatted.
    const parts = ready.map(
      (s) =>
        `(SELECT ${quoteLiteral(s)} AS schema, * FROM ${quoteIdent(s)}.connecteur_runs
          WHERE parent_run_id IS NULL AND ($1::text IS NULL OR job = $1) AND ($2::text IS NULL OR status = $2)
          ORDER BY started_at DESC LIMIT $3)`,
    );
    const { rows } = await q.query<RunRow & { schema: string; at: unknown }>(
      `SELECT schema, ${RUN_COLUMNS}, started_at AS at FROM (${parts.join('\nUNION ALL\n')}) runs ORDER BY started_at DESC LIMIT $3`,
      [filter.job ?? null, filter.status ?? null, filter.limit],
    );
    return rows.map(({ schema, at: _at, ...row }) => ({ schema, row: row as RunRow }));
  });
}

export interface SchemaSummary {
  schema: string;
  /** When the last run that went through (succeeded or partial) started; null: none yet. */
  lastSuccess: string | null;
  /** Runs ended failed or interrupted since then. */
  failures: number;
  /** Hours slots held for an operator (heures-to-sqlserver). */
  heldHours: number;
}

/** Each schema's last success, failures since and held hours; a schema never opened reads as empty. */
export async function summariesAcross(db: StagingDb, schemas: readonly string[]): Promise<SchemaSummary[]> {
  return onOneConnection(db, async (q) => {
    const ready = await readySchemas(q, schemas);
    const found = new Map<string, SchemaSummary>();
    if (ready.length > 0) {
      // One scan of each schema's run history (the last success as a window over it), one count of its held hours.
      const parts = ready.map(
        (s) => `SELECT ${quoteLiteral(s)} AS schema,
            to_char(max(r.started_at) FILTER (WHERE r.ok) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastSuccess",
            (count(*) FILTER (WHERE r.bad AND (r.last IS NULL OR r.started_at > r.last)))::int AS failures,
            (SELECT count(*)::int FROM ${quoteIdent(s)}.connecteur_record_issues i WHERE i.kind = 'held' AND i.job = 'heures-to-sqlserver') AS "heldHours"
          FROM (SELECT started_at, status IN ('succeeded', 'partial') AS ok, status IN ('failed', 'interrupted') AS bad,
                       max(started_at) FILTER (WHERE status IN ('succeeded', 'partial')) OVER () AS last
                FROM ${quoteIdent(s)}.connecteur_runs WHERE parent_run_id IS NULL) r`,
      );
      const { rows } = await q.query<SchemaSummary>(parts.join('\nUNION ALL\n'));
      for (const r of rows) found.set(r.schema, r);
    }
    return schemas.map((schema) => found.get(schema) ?? { schema, lastSuccess: null, failures: 0, heldHours: 0 });
  });
}
