// Diagnosis only, never loaded by default. Preload into every bench process:
//   BENCH_PROBE_DIR=/tmp/probe NODE_OPTIONS="--import ./bench/diagnostics/stall-probe.mjs" node bench/run.mjs ...
// Each Node process then writes BENCH_PROBE_DIR/probe-<pid>.json when it exits:
// - stalls: every event-loop gap > 3 ms seen by a 1 ms timer, with the main
//   thread's CPU time and run-queue wait in that gap (/proc/self/task/<tid>/schedstat)
//   and, roughly, the CPU of the process's other threads (GC helpers, workers);
// - gcs: every GC pause (PerformanceObserver);
// - messages: when a bench message id (bm...x...x<n>) arrived in a WebSocket
//   frame or an HTTP request body (`recv`: the agent's send on Switchboard, the
//   publish on the baseline) and when it left in an HTTP response body (`answer`).
// Times are absolute (performance.timeOrigin + now), so processes line up with
// each other and with the client's ledger (BENCH_PROBE_DIR also makes the
// latency scenario dump it). bench/diagnostics/decompose.mjs reads the lot.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';

const dir = process.env.BENCH_PROBE_DIR;
const ID = /bm[a-z0-9]+x[a-z0-9]+x\d+/g;
const abs = () => performance.timeOrigin + performance.now();
// CLOCK_MONOTONIC (µs) at timeOrigin: places an epoch time on a .cpuprofile's timeline.
const monotonicAtOriginUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
const recv = new Map();
const answer = new Map();
const stalls = [];
const gcs = [];

if (dir) {
  // Responses: every id in a body, at the moment the body is handed to the socket.
  const end = http.ServerResponse.prototype.end;
  http.ServerResponse.prototype.end = function patchedEnd(chunk, ...rest) {
    if (typeof chunk === 'string' && chunk.includes('bm')) {
      const t = abs();
      for (const m of chunk.matchAll(ID)) if (!answer.has(m[0])) answer.set(m[0], t);
    }
    return end.call(this, chunk, ...rest);
  };
  // HTTP request bodies (the baseline's publish, Switchboard's REST agent): a
  // server-side request has a method; a client's response (the load generator) has none.
  const push = http.IncomingMessage.prototype.push;
  http.IncomingMessage.prototype.push = function patchedPush(chunk, ...rest) {
    if (this.method && Buffer.isBuffer(chunk) && chunk.includes('bm')) {
      const t = abs();
      for (const m of chunk.toString('utf8').matchAll(ID)) if (!recv.has(m[0])) recv.set(m[0], t);
    }
    return push.call(this, chunk, ...rest);
  };
  // WebSocket frames (the bench agent's commands), where ws is installed.
  try {
    const { WebSocket } = await import('ws');
    const emit = WebSocket.prototype.emit;
    WebSocket.prototype.emit = function patchedEmit(name, data, ...rest) {
      if (name === 'message' && Buffer.isBuffer(data) && data.includes('bm')) {
        const t = abs();
        for (const m of data.toString('utf8').matchAll(ID)) if (!recv.has(m[0])) recv.set(m[0], t);
      }
      return emit.call(this, name, data, ...rest);
    };
  } catch {
    // not a process that can load ws: stalls and GC only
  }

  const tid = process.pid;
  const sched = () => {
    const [cpu, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
    return [Number(cpu) / 1e6, Number(wait) / 1e6];
  };
  const otherThreadsCpu = () => {
    let ms = 0;
    for (const t of readdirSync('/proc/self/task')) {
      if (t === String(tid)) continue;
      try {
        ms += Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      } catch {
        // the thread ended
      }
    }
    return ms;
  };
  let last = performance.now();
  let lastSched = sched();
  // Minor page faults of the whole process (getrusage): a stall that faults in
  // thousands of pages (a GC touching fresh memory) shows it here.
  let lastFaults = process.resourceUsage().minorPageFault;
  let lastOthers = otherThreadsCpu();
  let ticks = 0;
  setInterval(() => {
    const now = performance.now();
    const s = sched();
    const gap = now - last;
    const faults = process.resourceUsage().minorPageFault;
    if (gap > 3) {
      const others = otherThreadsCpu();
      stalls.push([performance.timeOrigin + last, gap, s[0] - lastSched[0], s[1] - lastSched[1], others - lastOthers, faults - lastFaults]);
      lastOthers = others;
    } else if ((++ticks & 15) === 0) {
      lastOthers = otherThreadsCpu();
    }
    last = now;
    lastSched = s;
    lastFaults = faults;
  }, 1).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([performance.timeOrigin + e.startTime, e.duration, e.detail?.kind ?? null]);
  }).observe({ entryTypes: ['gc'] });

  const dump = () => writeFileSync(`${dir}/probe-${process.pid}.json`, JSON.stringify({ argv: process.argv.slice(1), timeOrigin: performance.timeOrigin, monotonicAtOriginUs: monotonicAtOriginUs, recv: [...recv], answer: [...answer], stalls, gcs }));
  process.on('exit', dump);
  // A process without its own SIGTERM handler would die without 'exit': dump, then exit.
  process.on('SIGTERM', () => {
    dump();
    if (process.listenerCount('SIGTERM') === 1) process.exit(0);
  });
}
