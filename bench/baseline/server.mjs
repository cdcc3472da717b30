// The bare baseline: node:http, in memory, no framework, no persistence.
// GET /sub/<id>  holds a long poll; answers 200 with one queued message, or 204 after the hold.
// POST /pub/<id> hands the body to the held poll, or queues it; answers 200 "OK".
// Usage: node bench/baseline/server.mjs --port 8080 [--host 127.0.0.1] [--hold-ms 25000]
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'hold-ms': { type: 'string', default: '25000' },
  },
});
const holdMs = Number(values['hold-ms']);
// Diagnostic only (bench/diagnostics/README.md): BENCH_BASELINE_BURN_US=<µs> makes each publish
// spin that long on the main thread, to see what extra CPU per message alone does to the tail.
const burnNs = BigInt(Math.round(Number(process.env.BENCH_BASELINE_BURN_US ?? 0) * 1000));

function spin(ns) {
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() - start < ns);
}

/** channel id -> { queue: string[], held: {res, timer} | null } */
const channels = new Map();

function channel(id) {
  let entry = channels.get(id);
  if (!entry) {
    entry = { queue: [], held: null };
    channels.set(id, entry);
  }
  return entry;
}

function deliver(res, message) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message) });
  res.end(message);
}

function subscribe(id, req, res) {
  const entry = channel(id);
  if (entry.queue.length > 0) {
    deliver(res, entry.queue.shift());
    return;
  }
  if (entry.held) {
    // A newer poll replaces an abandoned one: answer the old one empty.
    clearTimeout(entry.held.timer);
    entry.held.res.writeHead(204).end();
  }
  const held = { res, timer: null };
  held.timer = setTimeout(() => {
    if (entry.held === held) entry.held = null;
    res.writeHead(204).end();
  }, holdMs);
  entry.held = held;
  res.on('close', () => {
    if (entry.held === held) {
      clearTimeout(held.timer);
      entry.held = null;
    }
  });
}

function publish(id, req, res) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (burnNs > 0n) spin(burnNs);
    const message = Buffer.concat(chunks).toString('utf8');
    const entry = channel(id);
    if (entry.held) {
      const { res: pollRes, timer } = entry.held;
      entry.held = null;
      clearTimeout(timer);
      deliver(pollRes, message);
    } else {
      entry.queue.push(message);
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('OK');
  });
}

const server = http.createServer((req, res) => {
  const slash = req.url.indexOf('/', 1);
  const kind = slash > 0 ? req.url.slice(1, slash) : '';
  const id = slash > 0 ? req.url.slice(slash + 1) : '';
  if (kind === 'sub' && req.method === 'GET' && id) return subscribe(id, req, res);
  if (kind === 'pub' && req.method === 'POST' && id) return publish(id, req, res);
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.requestTimeout = 0;
server.headersTimeout = 60_000;

server.listen(Number(values.port), values.host, 4096, () => {
  const { address, port } = server.address();
  process.stdout.write(`listening on http://${address}:${port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
