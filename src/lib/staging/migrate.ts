/**
 * Creates or upgrades the staging schema with Postgrator (numbered plain-SQL files beside this
 * module's source). Serialised by a lock so that instances starting together migrate once.
 * Every staging open calls this: when the version table already holds the highest file's number,
 * one query answers and Postgrator (with its glob and file reads) is not even loaded.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { StagingDb } from './db.js';
import { ConflictError } from '../errors.js';

// Compiled to dist/src/lib/staging; the .sql files stay in src/ (they are not compiled).
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../src/lib/staging/migrations');

/** The inside of a SQL string literal (standard_conforming_strings is on: only quotes are doubled). */
export function quoteLiteralBody(text: string): string {
  return text.replace(/'/g, "''");
}

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

const SCHEMA_TABLE = 'connecteur_schema_version';

let latest: number | undefined;

/** The highest migration number among the files (`007.do.queued-runs.sql` → 7). */
export function latestMigration(): number {
  latest ??= Math.max(
    0,
    ...readdirSync(MIGRATIONS_DIR)
      .map((f) => /^(\d+)\.do\./.exec(f)?.[1])
      .filter((n) => n !== undefined)
      .map(Number),
  );
  return latest;
}

/** The version the staging's table records, or null when there is no table yet. */
export async function recordedVersion(db: StagingDb): Promise<number | null> {
  const table = await db.query<{ name: string | null }>(
    `SELECT to_regclass(format('%I.${SCHEMA_TABLE}', coalesce($1::text, current_schema())))::text AS name`,
    [db.schema ?? null],
  );
  const name = table.rows[0]?.name;
  if (!name) return null;
  const { rows } = await db.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${name}`);
  return rows[0]?.version === null || rows[0]?.version === undefined ? null : Number(rows[0].version);
}

export async function migrate(db: StagingDb): Promise<MigrationResult> {
  const current = await recordedVersion(db);
  if (current !== null && current >= latestMigration()) return { from: current, to: current, applied: [] };
  let lock = await db.tryLock('connecteur:migrate');
  for (let attempt = 0; !lock && attempt < 100; attempt++) {
    await new Promise((r) => setTimeout(r, 100));
    lock = await db.tryLock('connecteur:migrate');
  }
  if (!lock) throw new ConflictError('Une migration du schéma de staging est déjà en cours.', null);
  try {
    if (db.schema) await db.query(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
    const { default: Postgrator } = await import('postgrator');
    const postgrator = new Postgrator({
      migrationPattern: path.join(MIGRATIONS_DIR, '*.sql'),
      driver: 'pg',
      // Postgrator pastes this name into a string literal of its own SQL: it must arrive quoted.
      database: quoteLiteralBody(rows[0]?.name ?? 'postgres'),
      schemaTable: SCHEMA_TABLE,
      // A company's schema has its own version table; without this Postgrator would find public's.
      ...(db.schema ? { currentSchema: db.schema } : {}),
      execQuery: (query: string) => db.query(query),
      execSqlScript: (script: string) => db.exec(script),
    });
    const from = Number(await postgrator.getDatabaseVersion());
    const applied = await postgrator.migrate();
    const to = Number(await postgrator.getDatabaseVersion());
    return { from, to, applied: applied.map((m) => path.basename(m.filename)) };
  } finally {
    await lock.release();
  }
}
