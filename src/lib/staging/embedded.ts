/**
 * PGlite as the connector uses it for local runs, tuned for a command that starts, does a little
 * and stops (measured in `npm run bench`, "embedded staging"):
 * - its WebAssembly compiled by V8's baseline compiler only: the optimising tier costs seconds of
 *   CPU and tens of megabytes for a database that answers a few queries;
 * - small PostgreSQL buffers: the 128 MB of the default configuration are the largest part of a
 *   process's memory, for a staging of a few thousand rows;
 * - no extension beyond what PGlite always has: the connector uses none;
 * - a new data folder restored from an archive made at build time (a fresh database, migrated)
 *   instead of initdb, which costs a second PGlite instance, several seconds and 900 MB. Without
 *   the archive (a build that could not make it), initdb as before.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';

/** Made by `npm run build` (bin/staging-template.js); beside the compiled modules, not in git. */
export const TEMPLATE_ARCHIVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../staging-template.tar.gz');

/** Settings PGlite writes to the data folder's configuration on each start. */
export const EMBEDDED_CONF = [
  'shared_buffers = 4MB',
  'temp_buffers = 1MB',
  'work_mem = 2MB',
  'maintenance_work_mem = 8MB',
  'wal_buffers = 256kB',
  'max_connections = 2',
].join('\n');

// Wall-clock timestamps and dates stay strings, as with `pg` (db.ts); numerics and int8 are numbers.
const PARSERS: Record<number, (v: string) => unknown> = {
  1082: (v) => v,
  1114: (v) => v,
  1700: (v) => Number(v),
  20: (v) => Number(v),
};

let baseline = false;
function baselineWasm() {
  if (baseline) return;
  baseline = true;
  // Applies to modules compiled from now on: only PGlite's, in this process.
  v8.setFlagsFromString('--liftoff-only');
}

/** A data folder that holds no database yet: PGlite will create one. */
export const isNewDataFolder = (dataDir: string) => !existsSync(path.join(dataDir, 'PG_VERSION'));

export interface OpenOptions {
  /** Said when the folder holds no database yet, before the seconds it takes to make one. */
  onCreate?: () => void;
  /** The archive to restore a new folder from; unset: the build's, when there is one. */
  template?: string | null;
}

/** `dataDir` unset: in memory (tests, the archive's own making). */
export async function openPglite(dataDir: string | undefined, options: OpenOptions = {}): Promise<PGlite> {
  baselineWasm();
  const { PGlite } = await import('@electric-sql/pglite');
  let loadDataDir: Blob | undefined;
  if (dataDir && isNewDataFolder(dataDir)) {
    options.onCreate?.();
    const archive = options.template === undefined ? TEMPLATE_ARCHIVE : options.template;
    if (archive && existsSync(archive)) loadDataDir = new Blob([await readFile(archive)]);
  }
  return PGlite.create(dataDir ? `file://${dataDir}` : undefined, {
    parsers: PARSERS,
    postgresqlconf: EMBEDDED_CONF,
    ...(loadDataDir ? { loadDataDir } : {}),
  });
}
