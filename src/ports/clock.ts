/**
 * Time as a port: everything that waits (poll holds, session timeouts, offer
 * timeouts, idle warnings) asks the clock, so tests drive time in milliseconds
 * with a fake clock instead of sleeping.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms`; the handle cancels it. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Runs `fn` every `ms` until cancelled. */
  setInterval(fn: () => void, ms: number): TimerHandle;
}
