// What the writer-epoch fence (ADR 0048) costs one PostgreSQL group commit: the
// store's own write() of a message-sized batch (an event row and the session's
// progress row), back to back, by a store that has claimed the store (every
// transaction first reads the epoch row FOR SHARE) and by one that has not (no
// check: what every commit cost before). Rounds alternate so that drift of the
// machine falls on both alike. Uses the built store (npm run build first) and a
// schema of its own in the given database, dropped at the end.
//
//   node bench/diagnostics/writer-fence-cost.mjs [postgres URL] [commits per round] [rounds]
import pg from 'pg';
import { createPostgresChatStore } from '../../dist/src/adapters/postgres/postgres-chat-store.js';

const [url = 'postgres://postgres@127.0.0.1:5432/test', commitsArg = '2000', roundsArg = '6'] = process.argv.slice(2);
const commits = Number(commitsArg);
const rounds = Number(roundsArg);
const schema = `sb_fence_cost_${process.pid}`;

const record = (id) => JSON.stringify({ id, owner: 'n', closed: false, createdAt: 1 });
function batch(sessionId, offset) {
  return {
    sessions: [{ id: sessionId, json: null, progressJson: JSON.stringify({ lastOffset: offset }) }],
    events: [{ sessionId, offset, vseq: offset, type: 'ChatMessage', actor: 'agent', at: Date.now(), data: { text: `message ${offset}`, name: 'Agent' } }],
    buttonStats: [],
    visitorBreadcrumbs: [],
    wipe: false,
  };
}

async function round(store, sessionId, from) {
  const times = [];
  for (let i = 0; i < commits; i++) {
    const t = process.hrtime.bigint();
    await store.write(batch(sessionId, from + i));
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return times;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

const fenced = await createPostgresChatStore({ url, schema, poolSize: 1 });
const plain = await createPostgresChatStore({ url, schema, poolSize: 1 });
try {
  await fenced.migrate();
  await fenced.claimWriter(() => { throw new Error('fenced: another writer?'); });
  const rows = (id) => ({ sessions: [{ id, owner: 'n', closed: false, visitorId: null, orgId: null, createdAt: 1, chatState: null, agentId: null, buttonId: null, endedAt: null, endReason: null, json: record(id), requestJson: null, progressJson: null }], events: [], buttonStats: [], visitorBreadcrumbs: [], wipe: false });
  await plain.write(rows('plain'));
  await plain.write(rows('fenced'));
  const all = { plain: [], fenced: [] };
  // One warm-up round each, not counted.
  await round(plain, 'plain', 1_000_000);
  await round(fenced, 'fenced', 1_000_000);
  for (let r = 0; r < rounds; r++) {
    all.plain.push(...(await round(plain, 'plain', r * commits + 1)));
    all.fenced.push(...(await round(fenced, 'fenced', r * commits + 1)));
  }
  const summary = {};
  for (const [name, times] of Object.entries(all)) {
    const sorted = [...times].sort((x, y) => x - y);
    summary[name] = { commits: times.length, meanUs: Math.round(times.reduce((a, b) => a + b, 0) / times.length), p50Us: Math.round(percentile(sorted, 0.5)), p99Us: Math.round(percentile(sorted, 0.99)) };
  }
  summary.extraPerCommitUs = { mean: summary.fenced.meanUs - summary.plain.meanUs, p50: summary.fenced.p50Us - summary.plain.p50Us };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await fenced.close();
  await plain.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}
