import type { Clock, TimerHandle } from '../../ports/clock.js';

/**
 * A Node timer as a TimerHandle: one small object, no closure (a held poll has
 * one of these for its whole hold).
 */
class NodeTimeout implements TimerHandle {
  constructor(private readonly t: NodeJS.Timeout) {}
  cancel(): void {
    clearTimeout(this.t);
  }
}

/** The real clock. Timers are unref'd so they never keep a stopping process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms): TimerHandle {
    return new NodeTimeout(setTimeout(fn, ms).unref());
  },
  setInterval(fn, ms): TimerHandle {
    const t = setInterval(fn, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};
