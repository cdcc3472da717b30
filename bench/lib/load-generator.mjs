// HTTP load-generation primitives: keep-alive agents bound to several loopback
// source addresses (each address has its own ephemeral port range), a request
// helper that never throws, and bounded concurrency.
import http from 'node:http';
import net from 'node:net';

/** Keep-alive agents, one per source address 127.0.0.2, 127.0.0.3, ... */
export class ClientPool {
  constructor({ host, port, addresses = 8 }) {
    this.host = host;
    this.port = port;
    this.agents = [];
    for (let i = 0; i < addresses; i += 1) {
      this.agents.push(
        new http.Agent({
          keepAlive: true,
          maxSockets: Infinity,
          maxFreeSockets: 4096,
          localAddress: `127.0.0.${i + 2}`,
          scheduling: 'lifo',
        }),
      );
    }
  }

  /** The agent for a connection slot; slots spread round-robin over addresses. */
  agentFor(slot) {
    return this.agents[slot % this.agents.length];
  }

  /** Open sockets over all agents (diagnostics). */
  openSockets() {
    let count = 0;
    for (const agent of this.agents) {
      for (const list of Object.values(agent.sockets)) count += list.length;
      for (const list of Object.values(agent.freeSockets)) count += list.length;
    }
    return count;
  }

  destroy() {
    for (const agent of this.agents) agent.destroy();
  }

  /**
   * One HTTP request. Resolves (never rejects) with
   * {status, headers, body, startedAt, endedAt, error}; status 0 means a
   * transport error or the client-side timeout. `port` overrides the pool's port (one pool
   * drives several servers, e.g. the shard nodes of a cluster, each on its own port).
   */
  request({ slot = 0, port = this.port, method = 'GET', path, headers = {}, body, timeoutMs = 30_000, onFlushed }) {
    return new Promise((resolve) => {
      const startedAt = performance.now();
      let settled = false;
      const finish = (result) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ startedAt, endedAt: performance.now(), ...result });
      };
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const allHeaders = payload === undefined ? headers : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers };
      const req = http.request(
        { agent: this.agentFor(slot), host: this.host, port, method, path, headers: allHeaders },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () =>
            finish({
              status: res.statusCode,
              headers: res.headers,
              body: chunks.length ? Buffer.concat(chunks).toString('utf8') : '',
            }),
          );
          res.on('error', (err) => finish({ status: 0, error: err.code || err.message, body: '' }));
        },
      );
      const timer = setTimeout(() => req.destroy(new Error('client timeout')), timeoutMs);
      req.on('error', (err) => finish({ status: 0, error: err.code || err.message, body: '' }));
      if (onFlushed) req.on('finish', onFlushed);
      req.end(payload);
    });
  }
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight. */
export async function runBounded(count, limit, task) {
  let next = 0;
  const results = new Array(count);
  async function lane() {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await task(index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return results;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits until something accepts TCP connections on host:port (bounded). */
export async function waitForPort(host, port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(50);
  }
  return false;
}

/** Unique message id: letters and digits only, so it survives every transport. */
let idCounter = 0;
const runTag = Date.now().toString(36);
export function nextMessageId(scenario) {
  idCounter += 1;
  return `bm${scenario}x${runTag}x${idCounter}`;
}
export const MESSAGE_ID_PATTERN = /bm[a-z0-9]+x[a-z0-9]+x\d+/g;
