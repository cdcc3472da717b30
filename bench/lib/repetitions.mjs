// Delivery latency is measured in repetitions: baseline, Nchan and Switchboard
// take turns (A B C A B C …), each turn a fresh server, so a quiet or a noisy
// minute on this shared machine falls on all of them alike. The p99 of one
// 10-second window moves by ±50 % from turn to turn here; the checks compare each
// repetition with the baseline's turn of the same repetition and take the median.

const median = (values) => {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : Math.round(((sorted[mid - 1] + sorted[mid]) / 2) * 100) / 100;
};

/**
 * One result per target from its repetitions: for every rate, the step of the
 * repetition with the median p99 (a real window, not an average), plus each
 * repetition's p99. Every repetition's message tallies are kept (lost/dup checks).
 */
export function combineRepetitions(runs) {
  if (runs.length === 1) return runs[0];
  const skipped = runs.find((r) => r.skipped);
  if (skipped) return skipped;
  const rates = runs[0].steps.map((s) => s.rate);
  const steps = rates.map((rate) => {
    const candidates = runs.map((r) => r.steps.find((s) => s.rate === rate)).filter(Boolean);
    const p99s = candidates.map((s) => s.latencyMs.p99);
    const middle = median(p99s);
    // The repetition nearest the median (with an even count, the higher of the two middle ones).
    const distance = (s) => Math.abs(s.latencyMs.p99 - middle);
    const chosen = candidates.reduce((best, s) => (distance(s) < distance(best) || (distance(s) === distance(best) && s.latencyMs.p99 > best.latencyMs.p99) ? s : best));
    return { ...chosen, p99ByRepetition: p99s };
  });
  return { ...runs[0], steps, repetitions: runs };
}

/**
 * p99 of `target` over the baseline's, repetition by repetition (same turn),
 * and their median; null when either side was not measured.
 */
export function p99RatiosByRepetition(targetResult, baselineResult, rate) {
  const mine = targetResult?.repetitions ?? (targetResult ? [targetResult] : []);
  const base = baselineResult?.repetitions ?? (baselineResult ? [baselineResult] : []);
  const ratios = [];
  for (let i = 0; i < Math.min(mine.length, base.length); i++) {
    const a = mine[i].steps?.find((s) => s.rate === rate)?.latencyMs.p99;
    const b = base[i].steps?.find((s) => s.rate === rate)?.latencyMs.p99;
    if (a != null && b) ratios.push(Math.round((a / b) * 100) / 100);
  }
  return { ratios, median: median(ratios) };
}
