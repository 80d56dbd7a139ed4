/**
 * The push's writes to staging, batched outside the HTTP concurrency slots: a slot waits only for
 * what must be durable before its POST leaves (the create attempt), never for the result marks.
 */
import type { Queryable } from '../staging/db.js';
import { markChantiersFailed, markChantiersPushed, recordCreateAttempts, type PushedChantier } from '../staging/chantiers.js';

/** Items queued while a batch is written go together in the next one. */
class BatchQueue<T> {
  private items: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.items.push({ item, resolve, reject }));
    this.flushing ??= this.flush();
    return done;
  }

  async drained(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush() {
    while (this.items.length > 0) {
      const batch = this.items.splice(0);
      try {
        await this.write(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.flushing = undefined;
  }
}

type Mark = { kind: 'pushed'; row: PushedChantier } | { kind: 'failed'; code: string; message: string } | { kind: 'ambiguous'; code: string; at: number };

export class PushWriter {
  private readonly attempts: BatchQueue<{ code: string; at: number }>;
  private readonly marks: BatchQueue<Mark>;
  private failure: unknown;

  constructor(db: Queryable) {
    this.attempts = new BatchQueue((items) =>
      recordCreateAttempts(db, items.map((i) => i.code), new Date(Math.max(...items.map((i) => i.at)))),
    );
    this.marks = new BatchQueue(async (items) => {
      // In this order, so that a row's later mark wins within one batch.
      const ambiguous = items.flatMap((m) => (m.kind === 'ambiguous' ? [m] : []));
      for (const at of new Set(ambiguous.map((m) => m.at))) {
        await recordCreateAttempts(db, ambiguous.filter((m) => m.at === at).map((m) => m.code), new Date(at));
      }
      await markChantiersFailed(db, items.flatMap((m) => (m.kind === 'failed' ? [m] : [])));
      await markChantiersPushed(db, items.flatMap((m) => (m.kind === 'pushed' ? [m.row] : [])));
    });
  }

  /** Resolves once staging durably holds that a create of `code` is under way. */
  createAttempt(code: string): Promise<void> {
    return this.attempts.add({ code, at: Date.now() });
  }

  /** The create's answer was lost at `at`: a request sent until then may still land. */
  ambiguous(code: string, at: number) {
    this.mark({ kind: 'ambiguous', code, at });
  }

  pushed(row: PushedChantier) {
    this.mark({ kind: 'pushed', row });
  }

  failed(code: string, message: string) {
    this.mark({ kind: 'failed', code, message });
  }

  /** Waits for every queued write; throws the first that failed. */
  async close() {
    await this.attempts.drained();
    await this.marks.drained();
    if (this.failure) throw this.failure;
  }

  private mark(mark: Mark) {
    this.marks.add(mark).catch((error: unknown) => {
      this.failure ??= error;
    });
  }
}
