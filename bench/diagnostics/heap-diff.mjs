// Objects alive in the second snapshot that were not in the first (heap snapshot
// node ids are stable between snapshots of one process), grouped by kind, with
// bytes per unit (messages or polls in between, given as the third argument).
// usage: node --max-old-space-size=8000 bench/diagnostics/heap-diff.mjs <a.heapsnapshot> <b.heapsnapshot> [units]
import { readFileSync } from 'node:fs';
const load = (f) => {
  const s = JSON.parse(readFileSync(f, 'utf8'));
  const m = s.snapshot.meta, nf = m.node_fields.length, types = m.node_types[0];
  const iType = m.node_fields.indexOf('type'), iName = m.node_fields.indexOf('name'), iId = m.node_fields.indexOf('id'), iSize = m.node_fields.indexOf('self_size');
  const nodes = s.nodes, out = new Map();
  for (let i = 0; i < nodes.length; i += nf) out.set(nodes[i + iId], [types[nodes[i + iType]], s.strings[nodes[i + iName]], nodes[i + iSize]]);
  return out;
};
const a = load(process.argv[2]), b = load(process.argv[3]); const msgs = Number(process.argv[4] ?? 1);
const g = new Map(); let total = 0;
for (const [id, [type, name, size]] of b) {
  if (a.has(id)) continue;
  const key = type === 'object' || type === 'closure' ? `${type}:${name}` : type === 'string' || type === 'concatenated string' || type === 'sliced string' ? 'string' : `${type}:${name.slice(0, 40)}`;
  const e = g.get(key) ?? [0, 0]; e[0]++; e[1] += size; g.set(key, e); total += size;
}
console.log('new live bytes', total, 'per msg', (total / msgs).toFixed(0));
for (const [k, [n, s]] of [...g].sort((x, y) => y[1][1] - x[1][1]).slice(0, 45)) console.log(String(s).padStart(10), String(n).padStart(7), (s / msgs).toFixed(1).padStart(8), k);
