/**
 * Group commit. Everything that changes within one turn of the event loop is
 * written in one store transaction; callers await `commit()` before they answer
 * (a 200 means durable). After each successful write, `onDurable` runs with the
 * events just committed, so wake-ups and agent notifications never run ahead of
 * the disk.
 */
import { emptyBatch, type ChatStore } from '../ports/chat-store.js';
import type { ButtonStatsRecord, LogEvent, SessionRow, WriteBatch } from '../ports/records.js';

interface Pending {
  batch: WriteBatch;
  dirty: Map<string, () => SessionRow>;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** A lazily marked session is written at the latest this long after it changed. */
const LAZY_FLUSH_MS = 1000;

export class CommitQueue {
  private pending: Pending | null = null;
  /** Sessions whose changes need not be durable at once: they ride with the next commit. */
  private readonly lazy = new Map<string, () => SessionRow>();
  private lazyTimer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private scheduled = false;
  /** Number of batches written, for metrics and benchmarks. */
  batches = 0;

  constructor(
    private readonly store: ChatStore,
    private readonly onDurable: (events: LogEvent[]) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  addEvent(e: LogEvent): void {
    this.current().batch.events.push(e);
  }

  /** Marks a session for writing; its snapshot is taken at flush time (latest state wins). */
  markDirty(id: string, snapshot: () => SessionRow): void {
    this.current().dirty.set(id, snapshot);
  }

  /**
   * Marks a session for writing without asking for a commit of its own: for
   * bookkeeping no answer depends on (a poll's ack, when the visitor was last
   * heard from). It is written with the next group commit, or within
   * LAZY_FLUSH_MS when nothing else is written.
   */
  markDirtyLazily(id: string, snapshot: () => SessionRow): void {
    this.lazy.set(id, snapshot);
    if (!this.lazyTimer) {
      this.lazyTimer = setTimeout(() => {
        this.lazyTimer = null;
        if (this.lazy.size) this.current();
      }, LAZY_FLUSH_MS);
      this.lazyTimer.unref();
    }
  }

  addButtonStats(s: ButtonStatsRecord): void {
    const b = this.current().batch;
    b.buttonStats = b.buttonStats.filter((x) => x.buttonId !== s.buttonId);
    b.buttonStats.push(s);
  }

  addBreadcrumb(visitorId: string, location: string, at: number): void {
    this.current().batch.visitorBreadcrumbs.push({ visitorId, location, at });
  }

  /** Resolves once everything queued so far is durable; rejects if that write failed. */
  commit(): Promise<void> {
    return this.pending ? this.pending.promise : this.writing ?? Promise.resolve();
  }

  /** Writes whatever is pending now and waits for it (used at shutdown). */
  async drain(): Promise<void> {
    if (this.lazy.size && !this.pending) this.current();
    while (this.pending || this.writing) {
      if (this.writing) await this.writing.catch(() => undefined);
      else if (this.pending) await this.flush();
    }
  }

  private current(): Pending {
    if (!this.pending) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      // A failed write is reported to its awaiting callers; this catch only keeps
      // an unawaited failure from crashing the process (it is logged via onError).
      promise.catch(() => undefined);
      this.pending = { batch: emptyBatch(), dirty: new Map(), promise, resolve, reject };
    }
    if (!this.scheduled && !this.writing) {
      this.scheduled = true;
      setImmediate(() => { this.scheduled = false; void this.flush(); });
    }
    return this.pending;
  }

  private async flush(): Promise<void> {
    if (this.writing || !this.pending) return;
    const p = this.pending;
    this.pending = null;
    for (const [id, snap] of this.lazy) if (!p.dirty.has(id)) p.dirty.set(id, snap);
    this.lazy.clear();
    if (this.lazyTimer) {
      clearTimeout(this.lazyTimer);
      this.lazyTimer = null;
    }
    for (const snap of p.dirty.values()) p.batch.sessions.push(snap());
    const run = (async () => {
      try {
        await this.store.write(p.batch);
        this.batches++;
        this.onDurable(p.batch.events);
        p.resolve();
      } catch (err) {
        this.onError(err);
        p.reject(err);
      }
    })();
    this.writing = run;
    await run;
    this.writing = null;
    if (this.pending && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => { this.scheduled = false; void this.flush(); });
    }
  }
}
