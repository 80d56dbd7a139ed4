/**
 * Creates or upgrades the staging schema with Postgrator (numbered plain-SQL files beside this
 * module's source). Serialised by a lock so that instances starting together migrate once.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Postgrator from 'postgrator';
import type { StagingDb } from './db.js';
import { ConflictError } from '../errors.js';

// Compiled to dist/src/lib/staging; the .sql files stay in src/ (they are not compiled).
const MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../src/lib/staging/migrations',
);

/** The inside of a SQL string literal (standard_conforming_strings is on: only quotes are doubled). */
export function quoteLiteralBody(text: string): string {
  return text.replace(/'/g, "''");
}

export interface MigrationResult {
  from: number;
  to: number;
  applied: string[];
}

export async function migrate(db: StagingDb): Promise<MigrationResult> {
  let lock = await db.tryLock('connecteur:migrate');
  for (let attempt = 0; !lock && attempt < 100; attempt++) {
    await new Promise((r) => setTimeout(r, 100));
    lock = await db.tryLock('connecteur:migrate');
  }
  if (!lock) throw new ConflictError('Une migration du schéma de staging est déjà en cours.', null);
  try {
    if (db.schema) await db.query(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
    const postgrator = new Postgrator({
      migrationPattern: path.join(MIGRATIONS_DIR, '*.sql'),
      driver: 'pg',
      // Postgrator pastes this name into a string literal of its own SQL: it must arrive quoted.
      database: quoteLiteralBody(rows[0]?.name ?? 'postgres'),
      schemaTable: 'connecteur_schema_version',
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
