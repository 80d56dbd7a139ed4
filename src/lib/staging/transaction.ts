import type { Queryable, StagingDb } from './db.js';

class DryRunRollback<T> extends Error {
  constructor(readonly value: T) {
    super('dry run: rolled back');
  }
}

/**
 * Runs `fn` in a transaction that is committed, or rolled back when `dryRun` is set: a dry run
 * then counts exactly what a real run would change, with the same SQL, and leaves nothing behind.
 */
export async function inTransaction<T>(db: StagingDb, dryRun: boolean, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      const value = await fn(tx);
      if (dryRun) throw new DryRunRollback(value);
      return value;
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.value as T;
    throw error;
  }
}
