/** A fresh PostgreSQL database per test file, on the real server (TEST_PG_URL, default the local one). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresDb } from '../../src/lib/staging/db.js';
import { migrate } from '../../src/lib/staging/migrate.js';

export const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  db: PostgresDb;
  drop(): Promise<void>;
}

export async function freshDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  // .ci/run sets a prefix of its own, so that its cleanup drops only the databases of its run.
  const prefix = /^[a-z0-9_]+$/.test(process.env.TEST_DB_PREFIX ?? '') ? process.env.TEST_DB_PREFIX! : 'connecteur_test_';
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = new PostgresDb(url.toString(), { max: 5 });
  if (options.migrate !== false) await migrate(db);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
