// Where a running server allocates: V8's sampling heap profiler over the
// inspector (server started with BENCH_NODE_ARGS="--inspect=127.0.0.1:9229"),
// counting objects that were collected too, so it shows allocation, not what is
// alive. Prints bytes per unit (messages in the window, third argument) by
// allocating function and by package.
// usage: node bench/diagnostics/allocation-sampling.mjs <delayMs> <durationMs> [units]
import { WebSocket } from 'ws';

const [delay, duration, units] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4] ?? 1)];
await new Promise((r) => setTimeout(r, delay));
const list = await (await fetch('http://127.0.0.1:9229/json/list')).json();
const ws = new WebSocket(list[0].webSocketDebuggerUrl, { maxPayload: 2 ** 31 });
await new Promise((r) => ws.once('open', r));
let id = 0;
const pending = new Map();
ws.on('message', (d) => {
  const m = JSON.parse(d);
  if (m.id && pending.has(m.id)) {
    pending.get(m.id)(m);
    pending.delete(m.id);
  }
});
const call = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
await call('HeapProfiler.enable');
await call('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
await new Promise((r) => setTimeout(r, duration));
const { result } = await call('HeapProfiler.stopSampling');
ws.close();
const bySelf = new Map();
const byPackage = new Map();
/** With ALLOC_STACKS=1: for each allocating function, its callers (four frames up). */
const stacks = new Map();
let total = 0;
const packageOf = (url) => {
  if (!url) return '(native/builtin)';
  if (url.includes('/dist/src/')) return `ours: ${url.split('/dist/src/')[1].split('/')[0]}`;
  const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  return url.startsWith('node:') ? 'node core' : url;
};
const walk = (node, stack) => {
  const cf = node.callFrame;
  const here = `${cf.functionName || '(anon)'} ${(cf.url || '').split('/').slice(-2).join('/')}:${cf.lineNumber}`;
  if (node.selfSize) {
    total += node.selfSize;
    bySelf.set(here, (bySelf.get(here) ?? 0) + node.selfSize);
    // The first frame of ours (or of a package) on the stack, from the leaf up, owns the allocation.
    const owner = [cf, ...stack].map((f) => packageOf(f.url)).find((p) => p !== '(native/builtin)' && p !== 'node core') ?? packageOf(cf.url);
    byPackage.set(owner, (byPackage.get(owner) ?? 0) + node.selfSize);
    const callers = stack.slice(0, 4).map((f) => `${f.functionName || '(anon)'} ${(f.url || '').split('/').slice(-2).join('/')}:${f.lineNumber}`).join(' < ');
    const perSelf = stacks.get(here) ?? new Map();
    perSelf.set(callers, (perSelf.get(callers) ?? 0) + node.selfSize);
    stacks.set(here, perSelf);
  }
  for (const c of node.children) walk(c, [cf, ...stack]);
};
walk(result.profile.head, []);
const kb = (b) => (b / units / 1024).toFixed(2).padStart(8);
console.log(`sampled allocation ${(total / 1024 / 1024).toFixed(1)} MB, ${kb(total)} KB per unit`);
console.log('--- by owner (first non-core frame up the stack)');
for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(kb(v), k);
console.log('--- by allocating function');
for (const [k, v] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(kb(v), k);
if (process.env.ALLOC_STACKS) {
  console.log('--- callers of the top allocating functions');
  for (const [k] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(k);
    for (const [c, v] of [...stacks.get(k)].sort((a, b) => b[1] - a[1]).slice(0, 3)) console.log(`  ${kb(v)} < ${c}`);
  }
}
