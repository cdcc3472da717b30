/**
 * Estimated wait per button: a moving average of real waits (wire-compat.md:
 * A = 0.9·A' + 0.1·W), in whole seconds, -1 while no chat has been answered.
 */
import type { ButtonStatsRecord } from '../../ports/records.js';

export class WaitEstimator {
  private readonly stats = new Map<string, ButtonStatsRecord>();

  load(records: ButtonStatsRecord[]): void {
    for (const r of records) this.stats.set(r.buttonId, { ...r });
  }

  /** Forgets every statistic (the emulator's reset: a fresh start on an empty store knows none). */
  clear(): void {
    this.stats.clear();
  }

  /** Records one observed wait and returns the updated statistics to persist. */
  observe(buttonId: string, waitMs: number): ButtonStatsRecord {
    const prev = this.stats.get(buttonId);
    const w = Math.max(0, waitMs);
    const avg = prev?.averageWaitMs == null ? w : 0.9 * prev.averageWaitMs + 0.1 * w;
    const next = { buttonId, averageWaitMs: avg, samples: (prev?.samples ?? 0) + 1 };
    this.stats.set(buttonId, next);
    return next;
  }

  /** Seconds, or -1 when unknown. */
  estimateSeconds(buttonId: string): number {
    const s = this.stats.get(buttonId);
    return s?.averageWaitMs == null ? -1 : Math.round(s.averageWaitMs / 1000);
  }

  /**
   * The wait a visitor at `position` can expect: the average wait per answered
   * chat scaled by how many are ahead, -1 when nothing is known yet.
   */
  estimateForPosition(buttonId: string, position: number): number {
    // A·p (ADR 0008), rounded once: rounding A first made 0.4 s × 5 read 0, and 1.4 s × 10 read 10.
    const s = this.stats.get(buttonId);
    return s?.averageWaitMs == null ? -1 : Math.round((s.averageWaitMs / 1000) * Math.max(1, position));
  }
}
