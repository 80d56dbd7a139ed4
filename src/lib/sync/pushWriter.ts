/**
 * The push's writes to staging, batched outside the HTTP concurrency slots. Results are marked in
 * batches nobody waits for; create attempts, which must be durable before their POST leaves, are
 * recorded a little ahead of the creates expected next, so that a slot rarely waits for a commit.
 */
import type { Queryable } from '../staging/db.js';
import { markChantiersFailed, markChantiersPushed, recordCreateAttempts, type PushedChantier } from '../staging/chantiers.js';

/**
 * Items queued while a batch is written go together in the next one. A batch waits `lingerMs` for
 * company first: each statement costs the database a commit, on the same cores as everything else.
 */
class BatchQueue<T> {
  private items: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly lingerMs = 0,
  ) {}

  add(item: T): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.items.push({ item, resolve, reject }));
    this.flushing ??= this.flush();
    return done;
  }

  async drained(): Promise<void> {
    this.closing = true;
    while (this.flushing) await this.flushing;
  }

  private async flush() {
    while (this.items.length > 0) {
      if (this.lingerMs > 0 && !this.closing) await new Promise((r) => setTimeout(r, this.lingerMs));
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

type Mark =
  | { kind: 'pushed'; row: PushedChantier }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'ambiguous'; code: string; at: number };

/** A create may be sent this long after its attempt was recorded; later, it is recorded again. */
export const ATTEMPT_LEASE_MS = 2_000;
/** Results are not awaited by anyone during the run: a short wait makes batches of tens of rows. */
const MARKS_LINGER_MS = 50;

export class PushWriter {
  private readonly marks: BatchQueue<Mark>;
  private readonly recorded = new Map<string, Promise<number>>();
  private readonly started = new Set<string>();
  private readonly expected: readonly string[];
  private nextExpected = 0;
  private recordedAhead = 0;
  private failure: unknown;

  /** `expected`: codes that will be created, in the order their creates will start. */
  constructor(
    private readonly db: Queryable,
    options: { expected?: readonly string[]; lookahead?: number } = {},
  ) {
    this.expected = options.expected ?? [];
    this.lookahead = options.lookahead ?? 16;
    this.marks = new BatchQueue(async (items) => {
      // In this order, so that a row's later mark wins within one batch.
      const ambiguous = items.flatMap((m) => (m.kind === 'ambiguous' ? [m] : []));
      for (const at of new Set(ambiguous.map((m) => m.at))) {
        await recordCreateAttempts(
          db,
          ambiguous.filter((m) => m.at === at).map((m) => m.code),
          new Date(at),
        );
      }
      await markChantiersFailed(
        db,
        items.flatMap((m) => (m.kind === 'failed' ? [m] : [])),
      );
      await markChantiersPushed(
        db,
        items.flatMap((m) => (m.kind === 'pushed' ? [m.row] : [])),
      );
    }, MARKS_LINGER_MS);
    this.recordAhead();
  }

  private readonly lookahead: number;

  /** Resolves once staging durably holds that a create of `code` is under way (and within its lease). */
  async createAttempt(code: string): Promise<void> {
    this.started.add(code);
    let recording = this.recorded.get(code);
    if (recording) {
      this.recorded.delete(code);
      this.recordedAhead--;
    }
    this.recordAhead();
    recording ??= this.record([code]);
    const at = await recording;
    if (Date.now() - at > ATTEMPT_LEASE_MS) await this.record([code]);
  }

  /** Once half the records made ahead are used, the next ones are recorded in one statement. */
  private recordAhead() {
    if (this.recordedAhead > this.lookahead / 2) return;
    const batch: string[] = [];
    while (this.recordedAhead + batch.length < this.lookahead && this.nextExpected < this.expected.length) {
      const code = this.expected[this.nextExpected++]!;
      if (!this.started.has(code) && !this.recorded.has(code)) batch.push(code);
    }
    if (batch.length === 0) return;
    const recording = this.record(batch);
    // A failed recording fails the create that waits for it, and only that.
    recording.catch(() => undefined);
    for (const code of batch) this.recorded.set(code, recording);
    this.recordedAhead += batch.length;
  }

  private async record(codes: string[]): Promise<number> {
    const at = Date.now();
    await recordCreateAttempts(this.db, codes, new Date(at));
    return at;
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
    await Promise.allSettled(this.recorded.values());
    await this.marks.drained();
    if (this.failure) throw this.failure;
  }

  private mark(mark: Mark) {
    this.marks.add(mark).catch((error: unknown) => {
      this.failure ??= error;
    });
  }
}
