/**
 * Estimated wait per button (ADR 0008 §10 and its note "waits"): a moving average of the time
 * per place in line (an answered chat's wait divided by the position it entered the line at),
 * times the visitor's position, in whole seconds; -1 while too little is known.
 */
import type { ButtonStatsRecord } from '../../ports/records.js';

/**
 * Answered chats a button must have recorded before it gives an estimate: below this it is -1
 * (unknown). One or two chats say little (the first is often answered at once by an agent who
 * was waiting), and a visitor told "0 s" who then waits is worse off than one told "unknown".
 */
export const MIN_WAIT_SAMPLES = 3;

/** The weight of a new sample once the average has warmed up (wire-compat.md: A = 0.9·A′ + 0.1·W). */
const STEADY_WEIGHT = 0.1;

export class WaitEstimator {
  private readonly stats = new Map<string, ButtonStatsRecord>();

  load(records: ButtonStatsRecord[]): void {
    for (const r of records) this.stats.set(r.buttonId, { ...r });
  }

  /** Forgets every statistic (the emulator's reset: a fresh start on an empty store knows none). */
  clear(): void {
    this.stats.clear();
  }

  /**
   * Records an answered chat that waited `waitMs` after entering the line at `position`, and
   * returns the updated statistics to persist; null (nothing recorded) for a chat that stood in
   * no line (position 0: a request for one named agent, or a record from before positions were kept).
   * The first samples are averaged plainly (weight 1/n), then A = 0.9·A′ + 0.1·W: with the moving
   * average from the first sample on, one early chat answered at once held the estimate near 0
   * for the next twenty.
   */
  observe(buttonId: string, waitMs: number, position: number): ButtonStatsRecord | null {
    if (!(position >= 1)) return null;
    const prev = this.stats.get(buttonId);
    const w = Math.max(0, waitMs) / position;
    const samples = (prev?.samples ?? 0) + 1;
    const weight = Math.max(STEADY_WEIGHT, 1 / samples);
    const avg = prev?.averageWaitMs == null ? w : prev.averageWaitMs + weight * (w - prev.averageWaitMs);
    const next = { buttonId, averageWaitMs: avg, samples };
    this.stats.set(buttonId, next);
    return next;
  }

  /**
   * The wait a visitor at `position` can expect: the average time per place in line times the
   * position, rounded once to seconds. -1 (unknown) at position 0 (a request for one named agent
   * stands in no line: its wait is that agent's, not the queue's) and while the button has
   * fewer than {@link MIN_WAIT_SAMPLES} answered chats.
   */
  estimateForPosition(buttonId: string, position: number): number {
    const s = this.stats.get(buttonId);
    if (position < 1 || s?.averageWaitMs == null || s.samples < MIN_WAIT_SAMPLES) return -1;
    // Rounded once: rounding A first made 0.4 s × 5 read 0, and 1.4 s × 10 read 10.
    return Math.round((s.averageWaitMs / 1000) * position);
  }
}
