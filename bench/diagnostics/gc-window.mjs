// Young-generation GC per delivered message in each latency window, from a
// server run with --trace-gc-nvp (BENCH_NODE_ARGS="--trace-gc-nvp"; the log is
// bench/.run/<run>/switchboard-sqlite-<n>.log) and the probe dir of the same run
// (stall-probe.mjs gives the server's time origin, the client files the windows).
// These figures move far less from run to run than a p99 does.
// usage: node bench/diagnostics/gc-window.mjs <server log> <probe dir> [target]
// target: switchboard (default) or baseline (run the baseline with
// BENCH_BASELINE_NODE_ARGS=--trace-gc-nvp; its log is bench/.run/<run>/baseline-<pid>.log)
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const [logFile, dir, target = 'switchboard'] = process.argv.slice(2);
const serverScript = target === 'baseline' ? 'baseline/server' : 'cli/main.js';
if (!dir) throw new Error('usage: gc-window.mjs <server log> <probe dir>');
const read = (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
const server = readdirSync(dir).filter((f) => f.startsWith('probe-')).map(read).find((p) => p.argv.join(' ').includes(serverScript) && (target === 'baseline' || p.recv.length > 0));
if (!server) throw new Error(`no ${target} probe with messages in that dir`);
// "[pid:0x...]    15501 ms: pause=9.0 mutator=346.6 gc=s ... allocated=... promoted=... new_space_survived=..."
// A worker thread (the SQLite checkpointer) is an isolate of its own with its own
// GCs in the same log: only the main isolate's (the one with the most lines) count.
const all = readFileSync(logFile, 'utf8').split('\n').flatMap((line) => {
  const m = line.match(/^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: (pause=.*)$/);
  if (!m) return [];
  const fields = Object.fromEntries(m[3].trim().split(/\s+/).map((kv) => kv.split('=')));
  return [{ isolate: m[1], at: server.timeOrigin + Number(m[2]), ...fields }];
});
const perIsolate = new Map();
for (const r of all) perIsolate.set(r.isolate, (perIsolate.get(r.isolate) ?? 0) + 1);
const mainIsolate = [...perIsolate].sort((a, b) => b[1] - a[1])[0]?.[0];
const records = all.filter((r) => r.isolate === mainIsolate);
for (const f of readdirSync(dir).filter((f) => f.startsWith(`client-${target}`))) {
  const trace = read(f);
  if (trace.length < 100) continue;
  const [t0, t1] = [trace[0][1], trace.at(-1)[1]];
  const inWindow = records.filter((r) => r.at >= t0 && r.at <= t1);
  const scavenges = inWindow.filter((r) => r.gc === 's');
  const sum = (k) => scavenges.reduce((a, r) => a + Number(r[k] ?? 0), 0);
  const kb = (k) => (sum(k) / trace.length / 1024).toFixed(2);
  const seconds = (t1 - t0) / 1000;
  console.log(`${f}: ${trace.length} msgs in ${seconds.toFixed(1)} s; scavenges ${scavenges.length} (other GCs ${inWindow.length - scavenges.length}), pause mean ${(sum('pause') / scavenges.length).toFixed(2)} ms, ${(sum('pause') / seconds).toFixed(1)} ms/s; per message: allocated ${kb('allocated')} KB, survived ${kb('new_space_survived')} KB, promoted ${kb('promoted')} KB; helper threads ${(sum('background.scavenge.parallel') / scavenges.length).toFixed(1)} ms per scavenge`);
}
