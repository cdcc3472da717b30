/**
 * Group commit: everything changed in one turn is one write; a strict change
 * asks for a commit, a lazy one (ack bookkeeping) never does: it rides with the
 * same session's next strict write, and shutdown drains what is left.
 */
import { describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { createSqliteChatStore } from '../adapters/sqlite/sqlite-chat-store.js';
import type { SessionRow, WriteBatch } from '../ports/records.js';
import { CommitQueue, type RowSource } from './commit-queue.js';

/** A session's row source; `failed` counts writeFailed() calls. */
function row(id: string, json: string | (() => string)): RowSource & { failed: number } {
  return {
    failed: 0,
    rowForWrite: (): SessionRow => ({ id, owner: 'n1', closed: false, visitorId: null, orgId: null, createdAt: 1, chatState: 'none', agentId: null, buttonId: null, endedAt: null, endReason: null, holders: null, json: typeof json === 'string' ? json : json(), progressJson: null, requestJson: null }),
    writeFailed() { this.failed += 1; },
  };
}

function recordingStore(): { store: MemoryChatStore; batches: WriteBatch[] } {
  const store = new MemoryChatStore();
  const batches: WriteBatch[] = [];
  const write = store.write.bind(store);
  store.write = (b) => {
    batches.push(structuredClone(b)); // the queue reuses its batch once the write settled (ChatStore.write)
    return write(b);
  };
  return { store, batches };
}

const event = (sessionId: string, offset: number) => ({ sessionId, offset, vseq: offset, type: 'X', actor: 'system' as const, at: offset, data: {} });

/**
 * A memory store whose next `failNext` writes fail (a store that is down, then back), and whose
 * next `loseAnswerNext` writes land but report a failure (a COMMIT whose answer was lost).
 */
class FlakyStore extends MemoryChatStore {
  failNext = 0;
  loseAnswerNext = 0;
  attempts = 0;

  override async write(batch: WriteBatch): Promise<void> {
    this.attempts += 1;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('store down');
    }
    await super.write(batch);
    if (this.loseAnswerNext > 0) {
      this.loseAnswerNext -= 1;
      throw new Error('connection lost during COMMIT');
    }
  }
}

/** Timers the test fires by hand; `delays` lists what was asked for. */
class ManualTimers {
  readonly delays: number[] = [];
  private due: (() => void)[] = [];

  setTimeout(fn: () => void, ms: number) {
    this.delays.push(ms);
    this.due.push(fn);
    return { cancel: () => { this.due = this.due.filter((f) => f !== fn); } };
  }

  fire(): void {
    const due = this.due;
    this.due = [];
    for (const fn of due) fn();
  }
}

  /** A memory store whose writes wait for release() (a PostgreSQL round trip). */
  class SlowStore extends MemoryChatStore {
    readonly written: WriteBatch[] = [];
    failNext = 0;
    private releases: (() => void)[] = [];

    override write(batch: WriteBatch): Promise<void> {
      const copy = structuredClone(batch);
      return new Promise<void>((resolve, reject) => this.releases.push(() => {
        if (this.failNext > 0) {
          this.failNext -= 1;
          return reject(new Error('store down'));
        }
        this.written.push(copy);
        super.write(copy).then(resolve, reject);
      }));
    }

    /** Lets the oldest waiting write go on; resolves once it has settled. */
    async release(): Promise<void> {
      await until(() => this.releases.length > 0);
      this.releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  }

  async function until(cond: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setImmediate(r));
    if (!cond()) throw new Error('condition never held');
  }

describe('CommitQueue', () => {
  it('writes what changed in one turn as one batch, latest snapshot of each session', async () => {
    const { store, batches } = recordingStore();
    const q = new CommitQueue(store, () => undefined, () => undefined);
    q.markDirty('a', row('a', '{"v":1}'));
    q.markDirty('b', row('b', '{"v":1}'));
    q.markDirty('a', row('a', '{"v":2}'));
    await q.commit();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.sessions.map((s) => [s.id, s.json])).toEqual([['a', '{"v":2}'], ['b', '{"v":1}']]);
  });

  it('never commits for a lazy change; the same session\'s next strict write carries it', async () => {
    const { store, batches } = recordingStore();
    const q = new CommitQueue(store, () => undefined, () => undefined);
    const record = { ack: 3, cursor: 4 };
    const snapshot = row('a', () => JSON.stringify(record));
    q.markDirtyLazily('a', snapshot);
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toHaveLength(0);
    // Another session's commit does not take it along…
    q.markDirty('b', row('b', '{"cursor":1}'));
    await q.commit();
    expect(batches.map((b) => b.sessions.map((s) => s.id))).toEqual([['b']]);
    expect(q.lazyCount).toBe(1);
    // …its own strict write does, with the record as it is now.
    record.cursor = 5;
    q.markDirty('a', snapshot);
    await q.commit();
    expect(batches[1]!.sessions.map((s) => s.json)).toEqual(['{"ack":3,"cursor":5}']);
    expect(q.lazyCount).toBe(0);
  });

  it('reuses its batch only after the write settled, emptied', async () => {
    const { store, batches } = recordingStore();
    const q = new CommitQueue(store, () => undefined, () => undefined);
    q.addEvent({ sessionId: 's', offset: 1, vseq: 1, type: 'X', actor: 'system', at: 1, data: {} });
    q.markDirty('s', row('s', '{"n":1}'));
    await q.commit();
    q.addEvent({ sessionId: 's', offset: 2, vseq: 2, type: 'X', actor: 'system', at: 2, data: {} });
    await q.commit();
    expect(batches.map((b) => [b.events.map((e) => e.offset), b.sessions.map((r) => r.id)])).toEqual([[[1], ['s']], [[2], []]]);
    expect((await store.readEvents('s', 0, 10)).map((e) => e.offset)).toEqual([1, 2]);
  });

  it('drains lazy changes at shutdown', async () => {
    const { store, batches } = recordingStore();
    const q = new CommitQueue(store, () => undefined, () => undefined);
    q.markDirtyLazily('lazy', row('lazy', '{"ack":9}'));
    await q.drain();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.sessions[0]!.json).toBe('{"ack":9}');
  });

  it('reports a failed write to its callers and writes it again, first, after a back-off; only its sessions are told', async () => {
    const store = new FlakyStore();
    const errors: unknown[] = [];
    const timers = new ManualTimers();
    const q = new CommitQueue(store, () => undefined, (e) => errors.push(e), timers);
    const a = row('a', '{}');
    const b = row('b', '{}');
    q.addEvent(event('a', 1));
    q.markDirty('a', a);
    await q.commit();
    store.failNext = 1;
    q.addEvent(event('a', 2));
    q.markDirty('a', a);
    await expect(q.commit()).rejects.toThrow(/store down/);
    expect(q.failing).toBe(true);
    expect(timers.delays).toEqual([50]);
    // Changes made meanwhile wait for it: nothing is written before the failed batch.
    q.addEvent(event('b', 1));
    q.markDirty('b', b);
    const later = q.commit();
    await new Promise((r) => setTimeout(r, 20));
    expect((await store.readEvents('a', 0, 10)).map((e) => e.offset)).toEqual([1]);
    expect(await store.readEvents('b', 0, 10)).toEqual([]);
    timers.fire();
    await later;
    expect(q.failing).toBe(false);
    expect((await store.readEvents('a', 0, 10)).map((e) => e.offset)).toEqual([1, 2]);
    expect((await store.readEvents('b', 0, 10)).map((e) => e.offset)).toEqual([1]);
    expect(errors).toHaveLength(1);
    expect([a.failed, b.failed]).toEqual([1, 0]);
  });

  it('waits(): how long the oldest unwritten change has waited, a failed batch counted from its first attempt, and the last write', async () => {
    const store = new FlakyStore();
    const timers = new ManualTimers();
    let t = 1_000;
    const q = new CommitQueue(store, () => undefined, () => undefined, timers, () => undefined, { now: () => t });
    expect(q.waits()).toEqual({ unwrittenMs: null, last: null });
    store.failNext = 1;
    q.addEvent(event('s', 1));
    t = 1_400;
    expect(q.waits().unwrittenMs).toBe(400);
    await expect(q.commit()).rejects.toThrow(/store down/);
    t = 3_000;
    // Carried into the next batch, its changes keep their age: this attempt is not where they started waiting.
    q.addEvent(event('s', 2));
    expect(q.waits()).toEqual({ unwrittenMs: 2_000, last: { waitedMs: 400, endedAgoMs: 1_600 } });
    const again = q.commit();
    timers.fire();
    await again;
    t = 3_100;
    expect(q.waits()).toEqual({ unwrittenMs: null, last: { waitedMs: 2_000, endedAgoMs: 100 } });
  });

  it('a batch written again after its COMMIT\'s answer was lost records its breadcrumbs once', async () => {
    const store = new FlakyStore();
    const timers = new ManualTimers();
    const q = new CommitQueue(store, () => undefined, () => undefined, timers);
    store.loseAnswerNext = 1;
    q.addEvent(event('s', 1));
    q.addBreadcrumb('v', 'org', 'https://shop/cart', 5);
    await expect(q.commit()).rejects.toThrow(/COMMIT/);
    q.addBreadcrumb('v', 'org', 'https://shop/cart', 5); // the same page again, a visit of its own
    const again = q.commit();
    timers.fire();
    await again;
    expect(store.attempts).toBe(2);
    expect((await store.readEvents('s', 0, 10)).map((e) => e.offset)).toEqual([1]);
    expect(await store.readBreadcrumbs('org', 'v', 10)).toEqual([{ location: 'https://shop/cart', at: 5 }, { location: 'https://shop/cart', at: 5 }]);
  });

  it('a batch the store never takes holds back every later one, backing off; drain gives up on it and says so', async () => {
    const store = new FlakyStore();
    const timers = new ManualTimers();
    const q = new CommitQueue(store, () => undefined, () => undefined, timers);
    store.failNext = Infinity;
    q.addEvent(event('s', 1));
    await expect(q.commit()).rejects.toThrow(/store down/);
    q.addEvent(event('s', 2));
    const second = q.commit();
    timers.fire();
    await expect(second).rejects.toThrow(/store down/);
    const third = q.commit();
    timers.fire();
    // Asked while the attempt is in flight: the answer is that attempt's.
    await expect(q.commit()).rejects.toThrow(/store down/);
    await expect(third).rejects.toThrow(/store down/);
    expect(timers.delays).toEqual([50, 100, 200]);
    expect(q.failing).toBe(true);
    const attemptsBefore = store.attempts;
    // Reported, with what was lost: shutdown must not pass for clean.
    await expect(q.drain()).rejects.toThrow(/final group commit was not written \(2 events, 0 sessions\): store down/);
    expect(await store.readEvents('s', 0, 10)).toEqual([]);
    // Once, and then no more: not a loop against a store that is being closed.
    await new Promise((r) => setTimeout(r, 100));
    expect(store.attempts - attemptsBefore).toBe(1);
  });

  it('a write that fails fails the changes queued while it was under way too, at once; they are written with it, and later ones wait for the next attempt (ADR 0016)', async () => {
    const store = new SlowStore();
    const timers = new ManualTimers();
    const q = new CommitQueue(store, () => undefined, () => undefined, timers);
    q.addEvent(event('a', 1));
    const first = q.commit();
    await new Promise((r) => setImmediate(r)); // flushed: the write is under way
    // Queued during the write (a visitor's POST while the database hangs): it can only be written after it.
    q.addEvent(event('b', 1));
    q.markDirty('b', row('b', '{}'));
    const behind = q.commit();
    expect(behind).not.toBe(first);
    store.failNext = 1;
    await store.release();
    await expect(first).rejects.toThrow('store down');
    // Told now, not after the next attempt (which in a silent outage waits a statement timeout again).
    const settled = await Promise.race([behind.then(() => 'durable', () => 'failed'), new Promise((r) => setImmediate(() => r('waiting')))]);
    expect(settled).toBe('failed');
    // A change queued after the failure waits for the next attempt, which carries all three, in order.
    q.addEvent(event('c', 1));
    const after = q.commit();
    expect(await Promise.race([after.then(() => 'durable', () => 'failed'), new Promise((r) => setImmediate(() => r('waiting')))])).toBe('waiting');
    timers.fire();
    await store.release();
    await expect(after).resolves.toBeUndefined();
    expect(store.written.map((b) => b.events.map((e) => e.sessionId))).toEqual([['a', 'b', 'c']]);
    expect(store.written[0]!.sessions.map((x) => x.id)).toEqual(['b']);
    expect((await store.readEvents('b', 0, 10)).map((e) => e.offset)).toEqual([1]);
  });

  it('a listener that throws does not fail a durable batch', async () => {
    const store = new MemoryChatStore();
    const errors: unknown[] = [];
    const q = new CommitQueue(store, () => { throw new Error('listener'); }, (e) => errors.push(e));
    q.addEvent({ sessionId: 's', offset: 1, vseq: 1, type: 'X', actor: 'system', at: 1, data: {} });
    await expect(q.commit()).resolves.toBeUndefined();
    expect((errors[0] as Error).message).toBe('listener');
    expect((await store.readEvents('s', 0, 10)).map((e) => e.offset)).toEqual([1]);
  });

  describe('discardAndWipe (the emulator\'s reset)', () => {
    it('drops what is queued, lazy changes included, and wipes the store before what comes after', async () => {
      const { store, batches } = recordingStore();
      const durable: number[][] = [];
      const q = new CommitQueue(store, (events) => durable.push(events.map((e) => e.offset)), () => undefined);
      q.addEvent(event('old', 1));
      q.markDirty('old', row('old', '{"id":"old"}'));
      await q.commit();
      q.addEvent(event('old', 2));
      q.markDirty('old', row('old', '{"id":"old","v":2}'));
      q.markDirtyLazily('lazy', row('lazy', '{"id":"lazy"}'));
      const before = q.commit();
      const wiped = q.discardAndWipe();
      q.addEvent(event('new', 1));
      q.markDirty('new', row('new', '{"id":"new"}'));
      await Promise.all([before, wiped]);
      await q.drain();
      expect(batches.map((b) => ({ wipe: b.wipe, sessions: b.sessions.map((x) => x.id), events: b.events.map((e) => `${e.sessionId}:${e.offset}`) }))).toEqual([
        { wipe: false, sessions: ['old'], events: ['old:1'] },
        { wipe: true, sessions: ['new'], events: ['new:1'] },
      ]);
      expect(await store.getSession('old')).toBeNull();
      expect(await store.getSession('lazy')).toBeNull();
      expect((await store.readEvents('new', 0, 10)).map((e) => e.offset)).toEqual([1]);
      expect(durable).toEqual([[1], [1]]);
    });

    it('lets a write already under way end first: the wipe follows it, so none of it stays', async () => {
      const store = new SlowStore();
      const q = new CommitQueue(store, () => undefined, () => undefined);
      q.addEvent(event('old', 1));
      q.markDirty('old', row('old', '{"id":"old"}'));
      const inFlight = q.commit();
      await until(() => q.commit() === inFlight && store.written.length === 0);
      await new Promise((r) => setImmediate(r)); // the flush has handed the batch to the store
      const wiped = q.discardAndWipe();
      q.addEvent(event('new', 1));
      q.markDirty('new', row('new', '{"id":"new"}'));
      await store.release();
      await inFlight;
      expect(await store.getSession('old')).not.toBeNull();
      await store.release();
      await wiped;
      expect(store.written.map((b) => [b.wipe, b.sessions.map((x) => x.id)])).toEqual([[false, ['old']], [true, ['new']]]);
      expect(await store.getSession('old')).toBeNull();
      expect(await store.getSession('new')).not.toBeNull();
    });

    it('does not carry a batch that failed during the reset past the wipe, and writes a failed wipe again with its wipe', async () => {
      const store = new SlowStore();
      const timers = new ManualTimers();
      const errors: unknown[] = [];
      const q = new CommitQueue(store, () => undefined, (err) => errors.push(err), timers);
      q.addEvent(event('old', 1));
      q.markDirty('old', row('old', '{"id":"old"}'));
      const inFlight = q.commit();
      await new Promise((r) => setImmediate(r));
      const wiped = q.discardAndWipe();
      q.addEvent(event('new', 1));
      q.markDirty('new', row('new', '{"id":"new"}'));
      store.failNext = 2; // the old batch, then the wiping one
      await store.release();
      await expect(inFlight).rejects.toThrow('store down');
      timers.fire();
      await store.release();
      // Its callers hear of the failure, as of any failed commit (ADR 0016); it is written again.
      await expect(wiped).rejects.toThrow('store down');
      timers.fire();
      await store.release();
      await q.commit();
      expect(errors).toHaveLength(2);
      expect(store.written.map((b) => [b.wipe, b.sessions.map((x) => x.id), b.events.map((e) => e.sessionId)])).toEqual([[true, ['new'], ['new']]]);
      expect(await store.getSession('old')).toBeNull();
    });
  });

  it('with a synchronous store (SQLite) settles each batch in the turn it is flushed, never through write()', async () => {
    const store = createSqliteChatStore({ dataDir: '', synchronous: 'normal', inMemory: true });
    await store.migrate();
    let asyncWrites = 0;
    store.write = () => { asyncWrites += 1; return Promise.resolve(); };
    const durable: number[][] = [];
    const q = new CommitQueue(store, (events) => durable.push(events.map((e) => e.offset)), () => undefined, new ManualTimers());
    const s = row('s', '{"id":"s"}');
    q.addEvent({ sessionId: 's', offset: 1, vseq: 1, type: 'X', actor: 'system', at: 1, data: {} });
    q.markDirty('s', s);
    // The flush runs in a setImmediate; a second immediate queued now runs after it.
    const afterFlush = await Promise.race([q.commit().then(() => 'committed'), new Promise((r) => setImmediate(() => setImmediate(() => r('late'))))]);
    expect(afterFlush).toBe('committed');
    expect(durable).toEqual([[1]]);
    q.addEvent({ sessionId: 's', offset: 1, vseq: 1, type: 'Y', actor: 'system', at: 1, data: {} }); // another event at a taken offset
    q.markDirty('s', s);
    await expect(q.commit()).rejects.toThrow(/UNIQUE|constraint/i);
    expect(s.failed).toBe(1);
    expect(q.failing).toBe(true);
    expect(asyncWrites).toBe(0);
    expect((await store.readEvents('s', 0, 10)).map((e) => e.offset)).toEqual([1]);
    await store.close();
  });
});
