/**
 * Group commit. Everything that changes within one turn of the event loop is
 * written in one store transaction; callers await `commit()` before they answer
 * (a 200 means durable). After each successful write, `onDurable` runs with the
 * events just committed, so wake-ups and agent notifications never run ahead of
 * the disk.
 *
 * A write that fails is not dropped: the sessions in memory already hold its
 * changes (offsets, sequences, a retry's "already applied" marks), so its batch
 * goes first into the next one, written again after a back-off until the store
 * takes it. Its callers get the error (outcome unknown, as with any 5xx), and so
 * do those of changes queued while it was being written (they are carried with it);
 * a retry of theirs is then answered once the carried batch is durable. Nothing later is
 * written before it, so the log never has a gap (docs/adr/0016).
 */
import { randomUUID } from 'node:crypto';
import { emptyBatch, type ChatStore } from '../ports/chat-store.js';
import { SwitchboardError } from '../protocol/errors.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { ButtonStatsRecord, ChatFileRecord, LogEvent, SessionRow, WriteBatch } from '../ports/records.js';

/** A session that has changes to write: its row is taken at flush time (latest state wins). */
export interface RowSource {
  rowForWrite(): SessionRow;
  /** The write that carried this session's row failed: the next row must not assume it landed. */
  writeFailed(): void;
}

interface Pending {
  batch: WriteBatch;
  dirty: Map<string, RowSource>;
  /** When its oldest change was queued (`time`): a failed batch carried into it keeps its own. */
  since: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class CommitQueue {
  private pending: Pending | null = null;
  /** Sessions with changes that need not be durable on their own (see markDirtyLazily). */
  private readonly lazy = new Map<string, RowSource>();
  private writing: Promise<void> | null = null;
  /** The batch being written (async stores): commit() answers with its outcome, not just its end. */
  private writingBatch: Pending | null = null;
  /** The batch and dirty map of the last finished write, emptied, for the next one (one allocation less per commit). */
  private spareBatch: WriteBatch | null = null;
  private spareDirty: Map<string, RowSource> | null = null;
  private scheduled = false;
  /** Set by drain(): lazy changes are written too. */
  private draining = false;
  /** Number of batches written, for metrics and benchmarks. */
  batches = 0;
  /** Number of failed writes, for metrics and tests. */
  failures = 0;
  /** What the store said to the last failed write (drain() reports it). */
  private lastWriteError: unknown = null;
  /** Back-off before the next attempt while writes fail; 0 while they succeed. */
  private retryDelayMs = 0;
  /** Failed writes since the last success (onRecovered reports them). */
  private failedInARow = 0;
  private retryTimer: TimerHandle | null = null;
  /** The last write that ended, well or not: how long its oldest change had waited, and when it ended. */
  private lastSettled: { waitedMs: number; endedAt: number } | null = null;

  constructor(
    private readonly store: ChatStore,
    private readonly onDurable: (events: LogEvent[]) => void,
    private readonly onError: (err: unknown) => void,
    private readonly clock: Pick<Clock, 'setTimeout'> = REAL_TIMERS,
    /** Told once when a write succeeds after failed ones, with how many failed in a row (onError heard each). */
    private readonly onRecovered: (failedWrites: number) => void = () => undefined,
    /**
     * What the waits of writes are measured with (readiness, `waits()`): real time,
     * not the emulator's clock, whose jumps forward would read as a stalled write.
     */
    private readonly time: Pick<Clock, 'now'> = REAL_TIMERS,
  ) {}

  /** True while the last write failed and its batch waits to be written again (readiness). */
  get failing(): boolean {
    return this.retryDelayMs > 0;
  }

  /**
   * How long writes wait (/readyz, storage.writeStuckSeconds): `unwrittenMs`, how long the
   * oldest change not yet durable has waited (null when there is none), and `last`, the
   * last write that ended. A write on a synchronous store (SQLite) holds the event loop
   * while it waits for a lock or the disk, so nothing can look at it meanwhile: `last`
   * is how such a write is seen, once it ended.
   */
  waits(): { unwrittenMs: number | null; last: { waitedMs: number; endedAgoMs: number } | null } {
    const now = this.time.now();
    const oldest = Math.min(this.writingBatch?.since ?? Infinity, this.pending?.since ?? Infinity);
    const last = this.lastSettled;
    return {
      unwrittenMs: oldest === Infinity ? null : Math.max(0, now - oldest),
      last: last === null ? null : { waitedMs: last.waitedMs, endedAgoMs: Math.max(0, now - last.endedAt) },
    };
  }

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

  /** An uploaded file, written in the same transaction as the events appended with it (ChatFileRecord). */
  addFile(file: ChatFileRecord): void {
    (this.current().batch.files ??= []).push(file);
  }

  addBreadcrumb(visitorId: string, orgId: string | null, location: string, at: number): void {
    // Keyed like events are by their offset: a carried batch that had in fact landed is skipped (docs/adr/0016).
    this.current().batch.visitorBreadcrumbs.push({ key: randomUUID(), visitorId, orgId, location, at });
  }

  /**
   * The emulator's reset (ADR 0022): drops everything queued and not yet being written,
   * the lazy changes included, and makes the next write wipe the store's chat data
   * before anything else it carries. A write already under way ends first, so the
   * store holds either what it had before the reset or nothing of it, never a part:
   * what is appended after this call is all that follows the wipe. Resolves once the
   * wiping write is durable (its callers, who queued changes that were dropped, are
   * answered then too: what they did happened before the reset).
   */
  discardAndWipe(): Promise<void> {
    this.lazy.clear();
    const p = this.current();
    emptyOut(p.batch);
    p.dirty.clear();
    p.batch.wipe = true;
    return p.promise;
  }

  /** Resolves once everything queued so far is durable; rejects if that write failed. */
  commit(): Promise<void> {
    return this.pending ? this.pending.promise : this.writingBatch?.promise ?? Promise.resolve();
  }

  /**
   * Writes whatever is pending now and waits for it (used at shutdown). A store
   * that refuses it stops the drain: nothing of it was acknowledged, and it is
   * not tried again (the store is about to close). The drain then rejects with
   * what was lost, so shutdown is reported as failed, never as clean.
   */
  async drain(): Promise<void> {
    this.draining = true;
    if (this.lazy.size && !this.pending) this.current();
    while (this.pending || this.writing) {
      if (this.writing) {
        await this.writing.catch(() => undefined);
        continue;
      }
      const failuresBefore = this.failures;
      this.retryTimer?.cancel();
      this.retryTimer = null;
      this.scheduled = false;
      await this.flush();
      if (this.failures > failuresBefore) {
        // The failed batch was carried into `pending`: that is what is lost.
        const lost = this.pending as Pending | null;
        const cause = this.lastWriteError instanceof Error ? this.lastWriteError.message : String(this.lastWriteError);
        throw new SwitchboardError('INTERNAL', `the final group commit was not written (${lost?.batch.events.length ?? 0} events, ${lost?.dirty.size ?? 0} sessions): ${cause}`);
      }
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
      this.pending = { batch: this.spareBatch ?? emptyBatch(), dirty: this.spareDirty ?? new Map(), since: this.time.now(), promise, resolve, reject };
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
    try {
      for (const [id, source] of p.dirty) {
        this.lazy.delete(id);
        p.batch.sessions.push(source.rowForWrite());
      }
    } catch (err) {
      // A record that cannot be written (it should never be: bodies are checked at the gate)
      // fails this commit like a store error; thrown from this setImmediate turn it would end the process.
      this.settle(p, { err });
      return undefined;
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
    this.writingBatch = p;
    return run;
  }

  private settle(p: Pending, failure: { err: unknown } | null): void {
    this.writing = null;
    this.writingBatch = null;
    const endedAt = this.time.now();
    this.lastSettled = { waitedMs: Math.max(0, endedAt - p.since), endedAt };
    if (failure === null) {
      this.batches++;
      this.retryDelayMs = 0;
      if (this.failedInARow > 0) {
        const failed = this.failedInARow;
        this.failedInARow = 0;
        this.report(() => this.onRecovered(failed));
      }
      try {
        this.onDurable(p.batch.events);
      } catch (err) {
        // The batch is durable whatever a listener did: its callers still get their answer.
        this.onError(err);
      }
      p.resolve();
    } else {
      this.failures++;
      this.failedInARow++;
      this.lastWriteError = failure.err;
      for (const source of p.dirty.values()) source.writeFailed();
      // While draining there is no next attempt: drain() rejects with the error instead.
      if (!this.draining) this.onError(failure.err);
      p.reject(failure.err);
      // Changes queued during this write can only be written after it: they are carried with it.
      const behind = this.pending;
      this.carryForward(p.batch, p.dirty, p.since);
      if (behind !== null && this.pending === behind) this.failBehind(behind, failure.err);
    }
    // Nothing holds the batch after the write and onDurable (both synchronous
    // consumers, adapters copy what they keep): it is emptied and reused.
    const b = p.batch;
    emptyOut(b);
    p.dirty.clear();
    this.spareBatch = b;
    this.spareDirty = p.dirty;
    // A failure while draining is drain()'s to decide on (it stops): scheduling here would
    // write again at once, in a loop, against a store that is being closed.
    if (this.pending && !this.scheduled && !(failure && this.draining)) this.schedule();
  }

  /**
   * Puts a failed batch in front of the pending one (changes made during the
   * write come after it) and schedules the next attempt after a back-off that
   * doubles up to RETRY_MAX_MS. Session rows are taken again at flush time.
   */
  private carryForward(failed: WriteBatch, dirty: Map<string, RowSource>, failedSince: number): void {
    this.retryDelayMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_FIRST_MS, this.retryDelayMs * 2));
    // The next attempt waits for the back-off (or for drain()), not for the next turn.
    this.scheduled = true;
    const next = this.current();
    const b = next.batch;
    // An emulator reset came while the failed batch was being written: what it carried
    // was reset away, and must not follow the wipe.
    if (b.wipe && !failed.wipe) return this.retryLater();
    if (failed.wipe) b.wipe = true;
    // Its changes have waited since they were first queued, not since this attempt.
    next.since = Math.min(next.since, failedSince);
    b.events = [...failed.events, ...b.events];
    b.visitorBreadcrumbs = [...failed.visitorBreadcrumbs, ...b.visitorBreadcrumbs];
    b.files = [...(failed.files ?? []), ...(b.files ?? [])];
    b.buttonStats = [...failed.buttonStats.filter((s) => !b.buttonStats.some((n) => n.buttonId === s.buttonId)), ...b.buttonStats];
    for (const [id, source] of dirty) if (!next.dirty.has(id)) next.dirty.set(id, source);
    this.retryLater();
  }

  /**
   * The callers of changes queued while a write that failed was under way get its error now,
   * as its own callers do (outcome unknown: their changes stay queued behind it and are written
   * with it, and a retry of theirs is answered once that is durable, ADR 0016). They would
   * otherwise wait for the next attempt too: twice the statement timeout in a silent outage.
   * Callers that come after this one wait for the next attempt. Not while draining (shutdown's
   * last attempt answers them) nor for a wipe (the emulator's reset, which waits for its own write).
   */
  private failBehind(behind: Pending, err: unknown): void {
    if (this.draining || behind.batch.wipe) return;
    const failed = behind.reject;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    behind.promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    behind.promise.catch(() => undefined);
    behind.resolve = resolve;
    behind.reject = reject;
    failed(err);
  }

  /** Runs a listener that must not break a settle (a throwing logger). */
  private report(listener: () => void): void {
    try {
      listener();
    } catch (err) {
      this.onError(err);
    }
  }

  /** Schedules the next attempt after the back-off (or leaves it to drain()). */
  private retryLater(): void {
    if (this.draining) {
      this.scheduled = false; // drain() decides whether to try again
      return;
    }
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      this.flushNow();
    }, this.retryDelayMs);
  }
}

/** Empties a batch for reuse. */
function emptyOut(b: WriteBatch): void {
  b.sessions.length = 0;
  b.events.length = 0;
  b.buttonStats.length = 0;
  b.visitorBreadcrumbs.length = 0;
  if (b.files) b.files.length = 0;
  b.wipe = false;
}

const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 5_000;

/** Real timers and time for queues made without a clock (tests of the queue alone). */
const REAL_TIMERS: Pick<Clock, 'setTimeout' | 'now'> = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};
