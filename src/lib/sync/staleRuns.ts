/**
 * Runs the history says are active but that nobody holds any more. A `running` row whose job lock
 * is free belongs to a process that died (the lock is held by a live session for the whole run); a
 * `queued` row older than its last possible delivery lost its message. Either would block its job
 * for good (a new run is refused while one is active), so wherever a run is refused or a delivery
 * dropped because another is active, the other is checked here first and, when dead, marked
 * interrupted with its reason.
 */
import type { Logger } from '../log.js';
import type { StagingDb } from '../staging/db.js';
import { activeRuns, reclaimRun, type ActiveRun } from '../staging/runs.js';
import { tryJobLock } from './locks.js';
import { isJobName, type JobName } from './registry.js';

export interface Reclaimed {
  runId: string;
  job: string;
  reason: string;
}

export const deadRunningReason = (job: string) =>
  `Exécution interrompue : le processus qui exécutait « ${job} » s’est arrêté avant la fin (verrou du job libre) ; verrou repris par l’exécution suivante.`;

export const lostQueuedReason = (minutes: number) =>
  `Exécution interrompue : restée en file d’attente plus de ${minutes} min, au-delà de sa dernière livraison possible (message perdu ou abandonné).`;

/** Whether the run's holder is gone: its lock is free (running), or its last delivery is past (queued). */
async function isDead(db: StagingDb, run: ActiveRun, queuedMaxMinutes: number): Promise<string | null> {
  if (run.status === 'queued') return run.ageMinutes >= queuedMaxMinutes ? lostQueuedReason(queuedMaxMinutes) : null;
  const lock = isJobName(run.job) ? await tryJobLock(db, run.job) : await db.tryLock(`connecteur:job:${run.job}`);
  if (!lock) return null;
  try {
    return deadRunningReason(run.job);
  } finally {
    await lock.release();
  }
}

/**
 * Marks interrupted the dead runs among the active ones of `jobs` (or the one run `runId`), and
 * returns them. A live one is left alone: the caller refuses or skips as before.
 */
export async function reclaimDeadRuns(
  db: StagingDb,
  jobs: readonly JobName[] | readonly string[],
  options: { queuedMaxMinutes: number; log?: Logger; runId?: string },
): Promise<Reclaimed[]> {
  const reclaimed: Reclaimed[] = [];
  for (const run of await activeRuns(db, jobs, options.runId)) {
    const reason = await isDead(db, run, options.queuedMaxMinutes);
    // Ended between the read and the check (it finished, or was claimed): the update finds nothing.
    if (!reason || !(await reclaimRun(db, run.runId, run.status, reason))) continue;
    reclaimed.push({ runId: run.runId, job: run.job, reason });
    options.log?.warn(reason, { event: 'run.reclaimed', runId: run.runId, job: run.job, code: 'RUN_RECLAIMED', was: run.status });
  }
  return reclaimed;
}
