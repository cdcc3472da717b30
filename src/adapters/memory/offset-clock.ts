import type { AdjustableClock, Clock, TimerHandle } from '../../ports/clock.js';

/** One timer of an {@link OffsetClock}. */
interface Timer extends TimerHandle {
  /** When it is due, in the offset clock's time (ms since the epoch). */
  due: number;
  /** Scheduling order: among timers due at the same moment, the first scheduled runs first. */
  readonly seq: number;
  /** The period of an interval; null for a one-shot timer. */
  readonly every: number | null;
  readonly fn: () => void;
  /** The base clock's timer that runs it in real time (null while an advance runs it). */
  handle: TimerHandle | null;
  /** The handle of `handle`'s callback, made once per timer. */
  readonly onBase: () => void;
}

/**
 * The emulator's clock (ADR 0030): real time (the base clock) plus an offset that
 * {@link advance} grows. Between advances every timer runs on a base-clock timer
 * at the real moment it is due, so the server behaves as on the real clock.
 * An advance runs every timer due within the span at once, in time order, with
 * `now()` pinned to each one's due time, so what they write carries the moment
 * it would have happened; then it re-arms the rest for their shorter real delays.
 *
 * Used only in emulator mode with the memory store (main.ts): outside it the
 * server has the plain system clock, and nothing of this is on its paths.
 */
export class OffsetClock implements AdjustableClock {
  private offset = 0;
  /** While an advance runs a timer: that timer's due time, which `now()` answers. */
  private pinned: number | null = null;
  /** While an advance runs: where it ends, and the timers it still has to run. */
  private advancing: { until: number; due: TimerQueue } | null = null;
  private readonly pending = new Set<Timer>();
  private seq = 0;

  constructor(private readonly base: Clock) {}

  get offsetMs(): number {
    return this.offset;
  }

  now(): number {
    return this.pinned ?? this.base.now() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, Math.max(1, ms));
  }

  advance(ms: number): void {
    if (this.advancing) throw new RangeError('the clock is advancing already (a timer advanced it)');
    const start = this.now();
    const until = start + Math.max(0, ms);
    const due = new TimerQueue();
    for (const t of this.pending) if (t.due <= until) due.push(t);
    this.advancing = { until, due };
    let failure: { err: unknown } | null = null;
    try {
      for (let t = due.pop(); t; t = due.pop()) {
        if (!this.pending.has(t)) continue; // cancelled by a timer that ran before it
        // Never backwards: a timer overdue at the start runs at the start.
        this.pinned = Math.max(this.pinned ?? start, t.due);
        t.handle?.cancel();
        t.handle = null;
        if (t.every === null) this.pending.delete(t);
        else if ((t.due += t.every) <= until) due.push(t);
        try {
          t.fn();
        } catch (err) {
          // The others still run, as they would on real timers; the caller hears of the first.
          failure ??= { err };
        }
      }
    } finally {
      this.advancing = null;
      this.pinned = null;
      this.offset += until - start;
      // The offset grew: what is left is due sooner in real time.
      for (const t of this.pending) this.arm(t);
    }
    if (failure) throw failure.err;
  }

  rewind(): void {
    if (this.advancing) throw new RangeError('the clock cannot be rewound while it advances');
    for (const t of this.pending) t.due -= this.offset;
    this.offset = 0;
  }

  private schedule(fn: () => void, ms: number, every: number | null): TimerHandle {
    const t: Timer = {
      due: this.now() + Math.max(0, ms),
      seq: this.seq++,
      every,
      fn,
      handle: null,
      onBase: () => this.fromBase(t),
      cancel: () => this.cancel(t),
    };
    this.pending.add(t);
    const a = this.advancing;
    // During an advance: run within it, or armed with the rest when it ends.
    if (!a) this.arm(t);
    else if (t.due <= a.until) a.due.push(t);
    return t;
  }

  private cancel(t: Timer): void {
    if (!this.pending.delete(t)) return;
    t.handle?.cancel();
    t.handle = null;
  }

  /** (Re-)arms `t`'s base timer for the real time left until it is due. */
  private arm(t: Timer): void {
    t.handle?.cancel();
    t.handle = this.base.setTimeout(t.onBase, Math.max(0, t.due - this.now()));
  }

  /** `t`'s base timer fired: its due time has come in real time. */
  private fromBase(t: Timer): void {
    if (!this.pending.has(t)) return;
    t.handle = null;
    if (t.every === null) {
      this.pending.delete(t);
    } else {
      // Like a Node interval: a run late by a period or more does not bring the next one forward.
      const next = t.due + t.every;
      const now = this.now();
      t.due = next > now ? next : now + t.every;
      this.arm(t);
    }
    t.fn();
  }
}

/** The timers an advance has to run, earliest first (ties by scheduling order): a binary heap. */
class TimerQueue {
  private readonly heap: Timer[] = [];

  push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < h.length && before(h[l]!, h[min]!)) min = l;
      if (r < h.length && before(h[r]!, h[min]!)) min = r;
      if (min === i) break;
      [h[i], h[min]] = [h[min]!, h[i]!];
      i = min;
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
