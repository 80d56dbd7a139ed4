/** A staging database that fails the next statement matching a pattern: a crash between two writes. */
import type { HeldLock, Queryable, StagingDb } from '../../src/lib/staging/db.js';
import { CrashError } from './memoryBatigest.js';

export class FaultyDb implements StagingDb {
  readonly kind = 'postgres' as const;
  failOn: RegExp | undefined;

  constructor(private readonly inner: StagingDb) {}

  private check(text: string) {
    if (this.failOn?.test(text)) {
      const pattern = this.failOn;
      this.failOn = undefined;
      throw new CrashError(`staging ${pattern}`);
    }
  }

  async query<R>(text: string, params?: unknown[]) {
    this.check(text);
    return this.inner.query<R>(text, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) =>
      fn({
        query: async <R>(text: string, params?: unknown[]) => {
          this.check(text);
          return tx.query<R>(text, params);
        },
      }),
    );
  }

  exec(script: string) {
    return this.inner.exec(script);
  }

  tryLock(key: string): Promise<HeldLock | null> {
    return this.inner.tryLock(key);
  }

  close() {
    return this.inner.close();
  }
}
