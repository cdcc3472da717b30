import type { Clock, TimerHandle } from '../../ports/clock.js';

interface Timer {
  at: number;
  seq: number;
  every: number | null;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock for tests: time moves only when `advance` is called, and timers fire
 * in due order (ties in creation order), exactly as they would in real time.
 */
export class FakeClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.current = next.at;
      if (next.every !== null) next.at += next.every;
      else next.cancelled = true;
      next.fn();
    }
    this.current = target;
    this.timers = this.timers.filter((t) => !t.cancelled);
  }

  /** Number of timers still pending (for leak assertions). */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  private nextDue(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, every, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }
}
