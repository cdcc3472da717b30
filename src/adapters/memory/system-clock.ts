import type { Clock, TimerHandle } from '../../ports/clock.js';

/** The real clock. Timers are unref'd so they never keep a stopping process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms): TimerHandle {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms): TimerHandle {
    const t = setInterval(fn, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};
