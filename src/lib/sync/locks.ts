/**
 * The job locks: one run per job (or per group of steps that write the same records) at a time,
 * across processes and instances. A run takes its lock before its row says `running` and keeps it
 * to the end, so a `running` row whose lock is free belongs to a process that died.
 */
import type { HeldLock, StagingDb } from '../staging/db.js';
import { closeInterruptedRuns, runningJobs } from '../staging/runs.js';
import { isJobName, lockOf, stepsSharingLock, isChain, type JobName } from './registry.js';

export function tryJobLock(db: StagingDb, job: JobName): Promise<HeldLock | null> {
  return db.tryLock(`connecteur:job:${lockOf(job)}`);
}

/** The jobs whose runs a job's lock covers: itself, and the steps that share its lock. */
export function jobsUnderLock(job: JobName): JobName[] {
  return isChain(job) ? [job] : stepsSharingLock(job);
}

/** Runs recorded as running whose job lock is free: marked interrupted now, without waiting for the job's next run. */
export async function closeDeadRuns(db: StagingDb): Promise<number> {
  let closed = 0;
  for (const job of await runningJobs(db)) {
    // A job of an older version of the connector: its lock name is its own.
    const lock = isJobName(job) ? await tryJobLock(db, job) : await db.tryLock(`connecteur:job:${job}`);
    if (!lock) continue;
    try {
      await closeInterruptedRuns(db, isJobName(job) ? jobsUnderLock(job) : [job]);
      closed++;
    } finally {
      await lock.release();
    }
  }
  return closed;
}
