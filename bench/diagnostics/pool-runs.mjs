// Many latency runs of the same code, summed up: for each rate, how many runs
// met the p99 check (median of per-repetition ratios, ADR 0011), the median of
// those ratios, and every window pooled — the median p99 window of each server
// and their ratio, which moves far less from run to run than one run's ratio.
// This is how the run tables in bench/results/*-runs/README.md are counted.
// usage: node bench/diagnostics/pool-runs.mjs <result.json>... [--target switchboard-sqlite] [--limit 1.5]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { target: { type: 'string', default: 'switchboard-sqlite' }, limit: { type: 'string', default: '1.5' } },
});
if (!positionals.length) throw new Error('usage: pool-runs.mjs <result.json>... [--target name] [--limit 1.5]');
const limit = Number(values.limit);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 100) / 100;

/** rate -> { ratios: per-run median ratio, ours: window p99s, baseline: window p99s, commits } */
const byRate = new Map();
for (const file of positionals) {
  const result = JSON.parse(readFileSync(file, 'utf8'));
  const latency = result.scenarios?.deliveryLatency;
  const ours = latency?.[values.target];
  const base = latency?.baseline;
  if (!ours?.steps || !base?.steps) {
    console.log(`${file}: no delivery-latency result for ${values.target} and the baseline, skipped`);
    continue;
  }
  const reps = (x) => x.repetitions ?? [x];
  const [ourReps, baseReps] = [reps(ours), reps(base)];
  for (const step of ourReps[0].steps) {
    const rate = step.rate;
    const entry = byRate.get(rate) ?? { ratios: [], ours: [], baseline: [], commits: new Set() };
    const perRep = [];
    for (let i = 0; i < Math.min(ourReps.length, baseReps.length); i++) {
      const a = ourReps[i].steps.find((s) => s.rate === rate)?.latencyMs?.p99;
      const b = baseReps[i].steps.find((s) => s.rate === rate)?.latencyMs?.p99;
      if (a === undefined || b === undefined) continue;
      entry.ours.push(a);
      entry.baseline.push(b);
      perRep.push(a / b);
    }
    if (perRep.length) entry.ratios.push(median(perRep));
    entry.commits.add(result.meta?.machine?.commit ?? '?');
    byRate.set(rate, entry);
  }
}
for (const [rate, e] of [...byRate].sort((a, b) => a[0] - b[0])) {
  const met = e.ratios.filter((r) => r <= limit).length;
  const pooledOurs = median(e.ours);
  const pooledBase = median(e.baseline);
  console.log(`${rate} msgs/s (${[...e.commits].join(', ')}): runs within ${limit}×: ${met} of ${e.ratios.length} (${e.ratios.map((r) => `${round(r)}×`).join(', ')}; median ${round(median(e.ratios))}×)`);
  console.log(`  pooled ${e.ours.length} windows: ${values.target} median p99 ${round(pooledOurs)} ms (${round(Math.min(...e.ours))}–${round(Math.max(...e.ours))}), baseline ${round(pooledBase)} ms (${round(Math.min(...e.baseline))}–${round(Math.max(...e.baseline))}): ${round(pooledOurs / pooledBase)}×`);
}
