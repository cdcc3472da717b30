// Self time by package and function, and inclusive time, of a .cpuprofile
// (node --cpu-prof; `node bench/run.mjs --quick --cpu-prof` writes them to
// bench/.run/profiles), restricted to [fromSec, toSec] of the profile so that
// start-up and set-up stay out; the first line shows busy samples per second to
// find the window.
// usage: node bench/diagnostics/cpu-profile-summary.mjs <file.cpuprofile> [fromSec] [toSec]
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const from = Number(process.argv[3] ?? 0) * 1e6, to = Number(process.argv[4] ?? 1e9) * 1e6;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map(); const total = new Map(); const cat = new Map();
let t = 0, n = 0, idle = 0;
const secs = new Map();
const catOf = (cf) => {
  const u = cf.url || '';
  if (!u) return cf.functionName.startsWith('(') ? cf.functionName : 'native:' + cf.functionName;
  if (u.includes('/dist/src/')) return 'ours';
  const m = u.match(/node_modules\/((@[^/]+\/)?[^/]+)/); if (m) return m[1];
  if (u.startsWith('node:')) return 'node-core';
  return u;
};
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  const sec = Math.floor(t / 1e6);
  const node = byId.get(p.samples[i]);
  const name = node.callFrame.functionName;
  if (name !== '(idle)' && name !== '(program)') secs.set(sec, (secs.get(sec) ?? 0) + 1);
  if (t < from || t > to) continue;
  if (name === '(idle)') { idle++; continue; }
  n++;
  const key = `${name || '(anon)'} ${(node.callFrame.url || '').split('/').slice(-2).join('/')}:${node.callFrame.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + 1);
  const c = catOf(node.callFrame); cat.set(c, (cat.get(c) ?? 0) + 1);
  // inclusive by category of ancestors: attribute sample to the first 'ours' ancestor etc. (skip)
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const cf = byId.get(id).callFrame; const k = `${cf.functionName || '(anon)'} ${(cf.url || '').split('/').slice(-2).join('/')}:${cf.lineNumber}`;
    if (seen.has(k)) continue; seen.add(k); total.set(k, (total.get(k) ?? 0) + 1);
  }
}
console.log('busy samples/sec:', [...secs].map(([s, c]) => `${s}:${c}`).join(' '));
console.log('window busy samples', n, 'idle', idle);
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([key, v]) => `${(100 * v / n).toFixed(1).padStart(5)}%  ${key}`).join('\n');
console.log('--- categories (self)\n' + top(cat, 25));
console.log('--- self\n' + top(self, 45));
console.log('--- inclusive\n' + top(total, 70));
