// Small numeric summaries for latency samples and message accounting.

/** p50/p99/max/mean of a list of millisecond samples, rounded to 0.01 ms. */
export function summarizeLatencies(samples) {
  if (samples.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(samples).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  let sum = 0;
  for (const value of sorted) sum += value;
  const round = (v) => Math.round(v * 100) / 100;
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sum / sorted.length),
  };
}

/**
 * Tracks unique message ids: every id is registered once when sent, and every
 * delivery is recorded, so lost and duplicated messages are counted exactly.
 */
export class MessageLedger {
  constructor() {
    this.sent = new Map(); // id -> send time (ms, performance.now)
    this.deliveries = new Map(); // id -> delivery count
    this.unknown = 0; // deliveries of ids that were never sent
    this.latencies = [];
    /** Set to an array to keep [id, absolute send time, latency] per delivery (bench/diagnostics). */
    this.trace = null;
  }

  registerSend(id, at) {
    this.sent.set(id, at);
  }

  /** Records a delivery; returns the latency for the first delivery, else null. */
  recordDelivery(id, at) {
    const sentAt = this.sent.get(id);
    if (sentAt === undefined) {
      this.unknown += 1;
      return null;
    }
    const seen = this.deliveries.get(id) ?? 0;
    this.deliveries.set(id, seen + 1);
    if (seen > 0) return null;
    const latency = at - sentAt;
    this.latencies.push(latency);
    this.trace?.push([id, performance.timeOrigin + sentAt, latency]);
    return latency;
  }

  isDelivered(id) {
    return this.deliveries.has(id);
  }

  pending() {
    return this.sent.size - this.deliveries.size;
  }

  counts() {
    let duplicated = 0;
    for (const count of this.deliveries.values()) duplicated += count - 1;
    return {
      sent: this.sent.size,
      delivered: this.deliveries.size,
      lost: this.sent.size - this.deliveries.size,
      duplicated,
      unexpected: this.unknown,
    };
  }
}

/** Ratio of a figure to the baseline's, rounded to 0.01; null when undefined. */
export function ratio(value, baseline) {
  if (value == null || baseline == null || baseline === 0) return null;
  return Math.round((value / baseline) * 100) / 100;
}
