/**
 * The embedded staging's data folder belongs to one process at a time: two PGlite writers on one
 * folder lose data, and two runners there would each believe they hold the job. proper-lockfile
 * keeps `<folder>.lock` fresh while held and treats it as stale once its holder died; beside it,
 * `<folder>.holder.json` says who holds it, so the process turned away can name it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { UpstreamError } from '../errors.js';

export interface FolderLock {
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  command: string;
  since: string;
}

/** How long a second process waits for the folder before giving up (exit 3). */
export const DEFAULT_LOCK_WAIT_MS = 5_000;

/** `showTime`: how the holder's start is written for the operator (SYNC_TIMEZONE, French format). */
export async function lockDataFolder(
  dataDir: string,
  waitMs = DEFAULT_LOCK_WAIT_MS,
  showTime: (iso: string) => string = (iso) => iso,
): Promise<FolderLock> {
  const folder = path.resolve(dataDir);
  await mkdir(folder, { recursive: true });
  const holderFile = `${folder}.holder.json`;
  const deadline = Date.now() + waitMs;
  let release: (() => Promise<void>) | undefined;
  for (;;) {
    try {
      release = await lockfile.lock(folder, {
        lockfilePath: `${folder}.lock`,
        // A busy machine may delay the refresh: only a lock untouched for 30 s counts as abandoned.
        stale: 30_000,
        update: 10_000,
        onCompromised: (error) =>
          process.stderr.write(`Attention : le verrou du dossier de staging ${folder} a été perdu (${error.message}).\n`),
      });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) {
        const holder = await readHolder(holderFile);
        const who = holder ? `le processus ${holder.pid} (${holder.command}, depuis le ${showTime(holder.since)})` : 'un autre processus';
        throw new UpstreamError(
          'staging',
          `Le dossier de staging embarqué ${folder} est utilisé par ${who}. Attendez sa fin ou arrêtez-le.`,
          {
            code: 'STAGING_LOCKED',
            retryable: false,
            cause: error,
          },
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const holder: Holder = {
    pid: process.pid,
    command: process.argv
      .slice(1)
      .map((a) => path.basename(a))
      .join(' '),
    since: new Date().toISOString(),
  };
  await writeFile(holderFile, JSON.stringify(holder));
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await rm(holderFile, { force: true });
      await release!().catch(() => {});
    },
  };
}

async function readHolder(file: string): Promise<Holder | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Holder;
  } catch {
    return null;
  }
}
