/**
 * A fresh PostgreSQL database per test file, on the real server (TEST_PG_URL, default the local one).
 * A migrated one is cloned from a template database that is migrated once per set of migration
 * files: migrating takes far longer than `CREATE DATABASE … TEMPLATE`, and ~60 files need one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PostgresDb } from '../../src/lib/staging/db.js';
import { migrate, MIGRATIONS_DIR } from '../../src/lib/staging/migrate.js';

export const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  db: PostgresDb;
  drop(): Promise<void>;
}

/** .ci/run sets a prefix of its own, so that its cleanup drops only the databases (and templates) of its run. */
export function databasePrefix(): string {
  const prefix = process.env.TEST_DB_PREFIX ?? '';
  return /^[a-z0-9_]+$/.test(prefix) ? prefix : 'connecteur_test_';
}

function urlOf(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * The template's name: the prefix and a digest of the migration files (names and contents), so a
 * changed or added migration makes a new template instead of cloning a stale schema.
 */
export function templateName(migrations = MIGRATIONS_DIR): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(migrations).sort()) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(migrations, file)))
      .update('\0');
  }
  return `${databasePrefix()}tpl_${hash.digest('hex').slice(0, 16)}`;
}

let template: Promise<string> | undefined;

/**
 * Makes the migrated template once. Test files start in parallel processes: an advisory lock on the
 * admin database lets one of them build it while the others wait, then see it done. A template is
 * marked IS_TEMPLATE only once migrated, so a run killed half-way leaves an unmarked one, rebuilt here.
 */
async function ensureTemplate(): Promise<string> {
  const name = templateName();
  const ready = async (admin: pg.Client) =>
    (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate', [name])).rowCount === 1;
  await withAdmin(async (admin) => {
    if (await ready(admin)) return;
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      if (await ready(admin)) return;
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      const db = new PostgresDb(urlOf(name), { max: 2 });
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      await admin.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
  return name;
}

export async function freshDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `${databasePrefix()}${randomBytes(6).toString('hex')}`;
  const migrated = options.migrate !== false;
  const source = migrated ? await (template ??= ensureTemplate()) : null;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}${source ? ` TEMPLATE ${source}` : ''}`));
  const url = urlOf(name);
  const db = new PostgresDb(url, { max: 5 });
  return {
    url,
    db,
    async drop() {
      await db.close();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
