/**
 * Holding a job at a known point without timing: the test locks a table the job reads, so the job
 * records itself running, then waits on its first use of the table until `release()`.
 */
import type { PostgresDb } from '../../src/lib/staging/db.js';
import { recentRuns } from '../../src/lib/staging/runs.js';
import { until } from './wait.js';

export async function holdTable(db: PostgresDb, table: string): Promise<{ release(): Promise<void> }> {
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('COMMIT');
      client.release();
    },
  };
}

/** The run row that says a job has started (and so is now held by the gate). */
export const runningRow = (db: PostgresDb) =>
  until(async () => (await recentRuns(db)).find((r) => r.status === 'running'), 'a running run row');
