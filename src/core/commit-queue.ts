/**
 * Group commit. Everything that changes within one turn of the event loop is
 * written in one store transaction; callers await `commit()` before they answer
 * (a 200 means durable). After each successful write, `onDurable` runs with the
 * events just committed, so wake-ups and agent notifications never run ahead of
 * the disk.
 */
import { emptyBatch, type ChatStore } from '../ports/chat-store.js';
import type { ButtonStatsRecord, LogEvent, SessionRow, WriteBatch } from '../ports/records.js';

/** A session that has changes to write: its row is taken at flush time (latest state wins). */
export interface RowSource {
  rowForWrite(): SessionRow;
  /** The write that carried this session's row failed: the next row must not assume it landed. */
  writeFailed(): void;
}

interface Pending {
  batch: WriteBatch;
  dirty: Map<string, RowSource>;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class CommitQueue {
  private pending: Pending | null = null;
  /** Sessions with changes that need not be durable on their own (see markDirtyLazily). */
  private readonly lazy = new Map<string, RowSource>();
  private writing: Promise<void> | null = null;
  /** The batch and dirty map of the last finished write, emptied, for the next one (one allocation less per commit). */
  private spareBatch: WriteBatch | null = null;
  private spareDirty: Map<string, RowSource> | null = null;
  private scheduled = false;
  /** Set by drain(): lazy changes are written too. */
  private draining = false;
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

  /** Marks a session for writing; its row is taken at flush time (latest state wins). */
  markDirty(id: string, source: RowSource): void {
    this.current().dirty.set(id, source);
  }

  /**
   * Notes a change that need not be durable by itself: a poll's ack
   * bookkeeping. It asks for no commit: the session's next strict write carries
   * it (a snapshot takes the whole record), and shutdown writes what is left.
   * A crash may roll it back; docs/adr/0009 says why no answer depends on it.
   */
  markDirtyLazily(id: string, source: RowSource): void {
    this.lazy.set(id, source);
  }

  /** Sessions with lazy changes not written yet (tests, diagnostics). */
  get lazyCount(): number {
    return this.lazy.size;
  }

  addButtonStats(s: ButtonStatsRecord): void {
    const b = this.current().batch;
    b.buttonStats = b.buttonStats.filter((x) => x.buttonId !== s.buttonId);
    b.buttonStats.push(s);
  }

  addBreadcrumb(visitorId: string, orgId: string | null, location: string, at: number): void {
    this.current().batch.visitorBreadcrumbs.push({ visitorId, orgId, location, at });
  }

  /** Resolves once everything queued so far is durable; rejects if that write failed. */
  commit(): Promise<void> {
    return this.pending ? this.pending.promise : this.writing ?? Promise.resolve();
  }

  /** Writes whatever is pending now and waits for it (used at shutdown). */
  async drain(): Promise<void> {
    this.draining = true;
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
      this.pending = { batch: this.spareBatch ?? emptyBatch(), dirty: this.spareDirty ?? new Map(), promise, resolve, reject };
      this.spareBatch = null;
      this.spareDirty = null;
    }
    if (!this.scheduled && !this.writing) this.schedule();
    return this.pending;
  }

  private schedule(): void {
    this.scheduled = true;
    setImmediate(this.flushNow);
  }

  /** One function for every scheduled flush, not a closure per commit. */
  private readonly flushNow = (): void => {
    this.scheduled = false;
    void this.flush();
  };

  /**
   * Seals the pending batch and writes it. A store with a synchronous write
   * (SQLite) settles it in this same turn: no promise chain per commit, and
   * wake-ups run without waiting for microtask hops.
   */
  private flush(): Promise<void> | undefined {
    if (this.writing || !this.pending) return undefined;
    const p = this.pending;
    this.pending = null;
    if (this.draining) {
      for (const [id, source] of this.lazy) if (!p.dirty.has(id)) p.dirty.set(id, source);
      this.lazy.clear();
    }
    for (const [id, source] of p.dirty) {
      this.lazy.delete(id);
      p.batch.sessions.push(source.rowForWrite());
    }
    if (this.store.writeSync) {
      let failure: { err: unknown } | null = null;
      try {
        this.store.writeSync(p.batch);
      } catch (err) {
        failure = { err };
      }
      this.settle(p, failure);
      return undefined;
    }
    const run = this.store.write(p.batch).then(() => this.settle(p, null), (err: unknown) => this.settle(p, { err }));
    this.writing = run;
    return run;
  }

  private settle(p: Pending, failure: { err: unknown } | null): void {
    this.writing = null;
    if (failure === null) {
      this.batches++;
      try {
        this.onDurable(p.batch.events);
      } catch (err) {
        // The batch is durable whatever a listener did: its callers still get their answer.
        this.onError(err);
      }
      p.resolve();
    } else {
      for (const source of p.dirty.values()) source.writeFailed();
      this.onError(failure.err);
      p.reject(failure.err);
    }
    // Nothing holds the batch after the write and onDurable (both synchronous
    // consumers, adapters copy what they keep): it is emptied and reused.
    const b = p.batch;
    b.sessions.length = 0;
    b.events.length = 0;
    b.buttonStats.length = 0;
    b.visitorBreadcrumbs.length = 0;
    p.dirty.clear();
    this.spareBatch = b;
    this.spareDirty = p.dirty;
    if (this.pending && !this.scheduled) this.schedule();
  }
}
