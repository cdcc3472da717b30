// Two heap snapshots of a server started with BENCH_NODE_ARGS="--inspect=127.0.0.1:9229",
// gapMs apart, written to <out>-1.heapsnapshot and <out>-2.heapsnapshot; heap-diff.mjs
// then lists what was allocated between them and is still alive (per held poll,
// per message). Each snapshot stops the server for seconds: never in a measured run.
// usage: node bench/diagnostics/heap-snapshots.mjs <delayMs> <gapMs> <out prefix>
import { WebSocket } from 'ws';
import { writeFileSync } from 'node:fs';
const [delay, gap, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
await new Promise((r) => setTimeout(r, delay));
const list = await (await fetch('http://127.0.0.1:9229/json/list')).json();
const ws = new WebSocket(list[0].webSocketDebuggerUrl, { maxPayload: 2 ** 31 });
await new Promise((r) => ws.once('open', r));
let id = 0; const pending = new Map(); let chunks = [];
ws.on('message', (d) => { const m = JSON.parse(d); if (m.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(m.params.chunk); else if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); } });
const call = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
await call('HeapProfiler.enable');
for (const k of [1, 2]) {
  chunks = [];
  const t = Date.now();
  await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  writeFileSync(`${out}-${k}.heapsnapshot`, chunks.join(''));
  console.log('snapshot', k, Date.now() - t, 'ms');
  if (k === 1) await new Promise((r) => setTimeout(r, gap));
}
ws.close();
