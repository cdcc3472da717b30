/**
 * A load balancer for the failover tests, as a deployment puts one in front of an
 * active node and its hot standby (ADR 0048, "How to deploy"): a TCP proxy that
 * health-checks `GET /readyz` on every backend and sends each new connection to the
 * first one whose last check answered 200, like HAProxy's `option httpchk` in TCP
 * mode. A connection to a backend that dies is not moved: it dies with it (the
 * client sees a reset or an early close), and the client's retry is a new
 * connection that goes to whoever is ready then. With no backend ready, a new
 * connection is closed at once (HAProxy's "no server available" in TCP mode).
 * Nothing here knows Switchboard's internals.
 */
import { request as httpRequest } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** How often each backend is checked (HAProxy's `inter`), in ms. */
const CHECK_EVERY_MS = 200;
/** A check with no answer by then counts as failed: a hung node is not ready. */
const CHECK_TIMEOUT_MS = 500;

export class ReadyBalancer {
  /** Base URL clients use (`http://127.0.0.1:<port>`), once started. */
  url = '';
  /** Per backend, whether its last `/readyz` answered 200. */
  private readonly ready: boolean[];
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly sockets = new Set<Socket>();
  /** While true, nothing a backend sends reaches the clients (see {@link mute}). */
  private muted = false;
  /** Which backend each new connection went to, in order (-1: none was ready), for failure messages. */
  readonly routed: number[] = [];

  /**
   * `backends()` gives the base URLs at check time (a TestServer's `baseUrl` is known only once it
   * listens). With `healthChecks: false` it is a balancer without checks (ADR 0048's "a balancer
   * without checks"): each new connection goes to the first backend that accepts a TCP connection,
   * so once the active node is gone clients reach the standby and get its `503 NODE_STANDBY`.
   */
  constructor(private readonly backends: () => string[], private readonly opts: { healthChecks?: boolean } = {}) {
    this.ready = backends().map(() => false);
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (!addr || typeof addr !== 'object') throw new Error('balancer has no port');
    this.url = `http://127.0.0.1:${addr.port}`;
    await this.checkAll();
    const loop = (): void => {
      this.timer = setTimeout(() => void this.checkAll().finally(() => { if (this.server) loop(); }), CHECK_EVERY_MS);
    };
    loop();
  }

  /** The index of the backend new connections go to now, or -1. */
  get current(): number {
    return this.ready.indexOf(true);
  }

  /** Waits (bounded) until new connections go to backend `index`; the ms it took. */
  async until(index: number, limitMs: number): Promise<number> {
    const started = performance.now();
    while (this.current !== index) {
      if (performance.now() - started > limitMs) throw new Error(`balancer: backend ${index} not ready within ${limitMs} ms (ready: ${JSON.stringify(this.ready)})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return performance.now() - started;
  }

  /**
   * From now on, what the backends send is dropped instead of forwarded (requests still go
   * through), until {@link unmute}: a node that applies a request and dies before its answer
   * gets out, made certain rather than left to a race.
   */
  mute(): void {
    this.muted = true;
  }

  unmute(): void {
    this.muted = false;
  }

  /** Stops checking, closes the listener and every proxied connection. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async checkAll(): Promise<void> {
    const urls = this.backends();
    await Promise.all(urls.map(async (url, i) => {
      this.ready[i] = url !== '' && (await readyz(url));
    }));
  }

  private forward(client: Socket): void {
    if (this.opts.healthChecks === false) return this.forwardToFirstAccepting(client, 0);
    const index = this.current;
    this.routed.push(index);
    const target = index < 0 ? undefined : this.backends()[index];
    if (!target) {
      client.destroy();
      return;
    }
    const { hostname, port } = new URL(target);
    this.splice(client, connect(Number(port), hostname));
  }

  /** No checks: backend `index` if it accepts the connection, else the next one. */
  private forwardToFirstAccepting(client: Socket, index: number): void {
    const target = this.backends()[index];
    if (!target) {
      this.routed.push(-1);
      client.destroy();
      return;
    }
    client.pause(); // what the client sends meanwhile waits in its buffer
    const { hostname, port } = new URL(target);
    const upstream = connect(Number(port), hostname);
    const refused = (): void => this.forwardToFirstAccepting(client, index + 1);
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      this.routed.push(index);
      this.splice(client, upstream);
    });
  }

  /** Joins a client's connection to a backend's. */
  private splice(client: Socket, upstream: Socket): void {
    this.sockets.add(client);
    this.sockets.add(upstream);
    // Either side ending ends the other: a dead backend's connections die with it.
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!this.muted) client.write(chunk);
    });
  }
}

/** One health check: true when `GET /readyz` answers 200 within the timeout. */
function readyz(baseUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    // A fresh connection per check (no keep-alive), as a balancer's checker opens one.
    const req = httpRequest(`${baseUrl}/readyz`, { agent: false, timeout: CHECK_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
