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

/**
 * A clock that runs ahead of real time by an offset that can grow (emulator
 * mode's time control: docs/emulator.md, ADR 0030). Only the composition root
 * and the emulator's time control see this side of it; everything else keeps
 * asking a plain {@link Clock}.
 */
export interface AdjustableClock extends Clock {
  /** How far ahead of real time the clock is (ms, never negative). */
  readonly offsetMs: number;
  /**
   * Moves the clock `ms` forward at once. Every timer due on the way runs before
   * this returns, in time order (ties in scheduling order), each reading `now()`
   * as its own due time; a timer scheduled by one of them within the span runs too.
   */
  advance(ms: number): void;
  /** Back to real time (offset 0). Pending timers keep the real delay they had left. */
  rewind(): void;
}
