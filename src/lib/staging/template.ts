/**
 * The archive a new embedded data folder is restored from (embedded.ts): a fresh database with the
 * staging schema, made once by `npm run build` (bin/staging-template.js) and kept in
 * node_modules/.cache under a key of PGlite's version and the migrations, so that later builds
 * reuse it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EmbeddedDb } from './db.js';
import { migrate, MIGRATIONS_DIR } from './migrate.js';

/** What the archive depends on: PGlite's version (its data folder format) and every migration. */
export function templateKey(): string {
  // The package exports no package.json: found beside its entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pglite = JSON.parse(
    readFileSync(path.join(entry.slice(0, entry.lastIndexOf('node_modules')), 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ) as {
    version: string;
  };
  const hash = createHash('sha256').update(pglite.version);
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) hash.update(file).update(readFileSync(path.join(MIGRATIONS_DIR, file)));
  return `${pglite.version}-${hash.digest('hex').slice(0, 16)}`;
}

export async function buildTemplateArchive(): Promise<Uint8Array> {
  const db = await EmbeddedDb.open(undefined);
  try {
    await migrate(db);
    // A checkpoint first: the restored folder starts without WAL to replay.
    await db.exec('CHECKPOINT');
    return new Uint8Array(await (await db.db.dumpDataDir('gzip')).arrayBuffer());
  } finally {
    await db.close();
  }
}
