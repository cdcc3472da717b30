// Reads what stall-probe.mjs and the latency scenario wrote to BENCH_PROBE_DIR and
// prints, for every latency window the client recorded:
// - per process, its event-loop stalls > 3 ms in that window, split into GC
//   pauses, CPU (the main thread ran: catching up or a long task), run-queue
//   waits (runnable, no core free) and "off" (neither: blocked or descheduled);
// - where the time of each delivery went, when the server's probe saw its
//   message arrive and leave: client → server (`in`), inside the server (`srv`),
//   server → client (`out`), at p50/p90/p99, and what the slowest 1.5 % of
//   messages overlapped (a GC or a stall of the server, of the client, or of an
//   idle process: the machine).
// usage: node bench/diagnostics/decompose.mjs <BENCH_PROBE_DIR>
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: decompose.mjs <probe dir>');
const read = (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
const probes = readdirSync(dir).filter((f) => f.startsWith('probe-')).map((f) => ({ file: f, ...read(f) }));
const roleOf = (p) => {
  const a = p.argv.join(' ');
  if (a.includes('scenario-child')) return 'client';
  if (a.includes('cli/main.js')) return 'switchboard';
  if (a.includes('run.mjs')) return 'bench parent (idle)';
  if (a.includes('baseline')) return 'baseline';
  return a.slice(0, 40);
};
const windows = readdirSync(dir).filter((f) => f.startsWith('client-')).map((f) => ({ file: f, trace: read(f) })).filter((w) => w.trace.length > 100);
const quantile = (values, q) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const f2 = (v) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(2));
const overlaps = (list, from, to) => list.some(([at, ms]) => at < to && at + ms > from);

for (const w of windows) {
  const t0 = w.trace[0][1];
  const t1 = w.trace.at(-1)[1];
  const lat = w.trace.map((r) => r[2]);
  console.log(`\n== ${w.file}: ${w.trace.length} deliveries in ${((t1 - t0) / 1000).toFixed(1)} s, p50 ${f2(quantile(lat, 0.5))} p99 ${f2(quantile(lat, 0.99))} ms`);
  // Processes alive in this window (the servers of other windows are not).
  const alive = probes.filter((p) => p.stalls.some(([at]) => at >= t0 && at <= t1) || p.gcs.some(([at]) => at >= t0 && at <= t1));
  for (const p of alive) {
    const kinds = { gc: 0, cpu: 0, wait: 0, off: 0 };
    let count = 0;
    for (const [at, ms, cpu, wait] of p.stalls) {
      if (at < t0 || at > t1) continue;
      count += 1;
      const kind = overlaps(p.gcs, at, at + ms) ? 'gc' : cpu > ms * 0.6 ? 'cpu' : wait > ms * 0.4 ? 'wait' : 'off';
      kinds[kind] += ms;
    }
    const gcs = p.gcs.filter(([at]) => at >= t0 && at <= t1);
    const total = Object.values(kinds).reduce((a, b) => a + b, 0);
    console.log(`  ${roleOf(p).padEnd(20)} pid ${p.file.slice(6, -5).padEnd(7)} stalls ${String(count).padStart(4)}, ${total.toFixed(0).padStart(4)} ms (gc ${kinds.gc.toFixed(0)}, cpu ${kinds.cpu.toFixed(0)}, run-queue ${kinds.wait.toFixed(0)}, off ${kinds.off.toFixed(0)}); GC pauses ${gcs.length}, ${gcs.reduce((a, g) => a + g[1], 0).toFixed(0)} ms`);
  }
  // The server, not the load generator: its WebSocket agent reads ids too (in the server's replies).
  const server = alive.find((p) => p.recv.length > 0 && roleOf(p) !== 'client' && !roleOf(p).startsWith('bench parent'));
  if (!server) continue;
  const recv = new Map(server.recv);
  const answer = new Map(server.answer);
  const rows = w.trace.filter(([id]) => recv.has(id) && answer.has(id)).map(([id, sent, latency]) => ({ sent, latency, in: recv.get(id) - sent, srv: answer.get(id) - recv.get(id), out: sent + latency - answer.get(id) }));
  if (!rows.length) continue;
  for (const k of ['in', 'srv', 'out']) {
    const v = rows.map((r) => r[k]);
    console.log(`  ${k.padEnd(4)} p50 ${f2(quantile(v, 0.5))}  p90 ${f2(quantile(v, 0.9))}  p99 ${f2(quantile(v, 0.99))}  max ${f2(quantile(v, 1))} ms`);
  }
  const limit = quantile(rows.map((r) => r.latency), 0.985);
  const slow = rows.filter((r) => r.latency >= limit);
  const mean = (k) => f2(slow.reduce((a, r) => a + r[k], 0) / slow.length);
  const client = alive.find((p) => roleOf(p) === 'client');
  const idle = alive.find((p) => roleOf(p) === 'bench parent (idle)');
  const classes = {};
  for (const r of slow) {
    const [from, to] = [r.sent, r.sent + r.latency];
    const c = overlaps(server.gcs, from, to) ? 'server GC'
      : client && overlaps(client.gcs, from, to) ? 'client GC'
      : idle && overlaps(idle.stalls, from, to) ? 'machine (an idle process stalled too)'
      : overlaps(server.stalls, from, to) ? 'server stall only'
      : client && overlaps(client.stalls, from, to) ? 'client stall only' : 'none of these';
    classes[c] = (classes[c] ?? 0) + 1;
  }
  console.log(`  slowest 1.5 % (${slow.length}, ≥ ${f2(limit)} ms): mean in ${mean('in')} + srv ${mean('srv')} + out ${mean('out')} ms; overlapping ${JSON.stringify(classes)}`);
}
