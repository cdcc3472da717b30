/**
 * A TCP proxy between the browser and the server that a test can cut: the
 * browser talks to the proxy's port, and `cut()` destroys the open connections
 * on both sides, so the browser's sockets (the console's stream WebSocket, the
 * widget's held long poll) really end on the wire and the server sees them go.
 * `down()` keeps the server unreachable (new connections are reset at once)
 * until `up()`. `freeze()` makes a connection silently dead instead (a network
 * change with no reset: nothing passes, neither side is told), and `freezeNext()` does
 * it to the connection of the next request a test picks, as that request goes out (a
 * send in flight when the network changed). Playwright's `setOffline` cannot stand in for this: Chromium
 * leaves an open WebSocket alone when it goes offline.
 *
 * Every connection is recorded (its requests, when and by whom it was closed),
 * so a test can say what a drop did to the server side. (The SDK suite's
 * test/sdk/tcp-proxy.ts is the Node clients' counterpart, with half-open freezes.)
 * Why the browser tests drop connections this way: docs/adr/0025.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface ProxiedConnection {
  readonly id: number;
  /** The requests seen on it, in order, as method and path (`GET /agent/v1/stream`, no query). */
  readonly requests: string[];
  /** The connection was upgraded to a WebSocket. */
  websocket: boolean;
  /** A request went out on it and its answer has not started coming back. */
  awaitingAnswer: boolean;
  /** When its latest request went out. */
  lastRequestAt: number;
  /** What the server wrote on it after it was frozen, which the browser never got (latin1). */
  swallowed: string;
  readonly openedAt: number;
  closedAt: number | undefined;
  /** Who ended it: `browser`, `server`, or `cut` (this proxy). */
  closedBy: 'browser' | 'server' | 'cut' | undefined;
}

interface Live {
  info: ProxiedConnection;
  browser: Socket;
  server: Socket;
  frozen: boolean;
  /** Frozen by freezeNext() with `reachServer`: what the browser sends still goes through. */
  passRequests: boolean;
}

/** A freezeNext() waiting for its request. */
interface FreezeTrap {
  match: (c: ProxiedConnection) => boolean;
  reachServer: boolean;
  sprung: (c: ProxiedConnection) => void;
}

const REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.[01]\r\n/;

export class CuttableProxy {
  /** The proxy's own origin: what the browser is pointed at. */
  baseUrl = '';
  readonly connections: ProxiedConnection[] = [];
  /** When each connection attempt was refused while down: the browser's tries to come back. */
  readonly refusedAt: number[] = [];
  private readonly live = new Map<number, Live>();
  /** Frozen connections, until cut: the server's side stays open after the browser's went. */
  private readonly frozen = new Map<number, Live>();
  private nextId = 1;
  private isDown = false;
  private readonly freezeTraps: FreezeTrap[] = [];
  private readonly traps: { match: (c: ProxiedConnection, chunk: string) => boolean; sprung: (c: ProxiedConnection) => void }[] = [];
  private readonly server: Server;
  private readonly target: URL;

  private constructor(target: string) {
    this.target = new URL(target);
    this.server = createServer((browser) => this.accept(browser));
  }

  /** Starts a proxy on 127.0.0.1 (a free port) in front of `target` (an http:// origin). */
  static async start(target: string): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
    proxy.baseUrl = `http://127.0.0.1:${address.port}`;
    return proxy;
  }

  private accept(browser: Socket): void {
    if (this.isDown) {
      this.refusedAt.push(Date.now());
      browser.resetAndDestroy();
      return;
    }
    const info: ProxiedConnection = {
      id: this.nextId++, requests: [], websocket: false, awaitingAnswer: false, lastRequestAt: 0, swallowed: '', openedAt: Date.now(), closedAt: undefined, closedBy: undefined,
    };
    this.connections.push(info);
    const server = connect(Number(this.target.port), this.target.hostname);
    const entry: Live = { info, browser, server, frozen: false, passRequests: false };
    this.live.set(info.id, entry);
    browser.setNoDelay(true);
    server.setNoDelay(true);
    const end = (by: 'browser' | 'server'): void => {
      if (entry.frozen && this.frozen.has(info.id)) {
        // Silently dead: a close on one side never reaches the other.
        info.closedAt ??= Date.now();
        info.closedBy ??= by;
        (by === 'browser' ? browser : server).destroy();
        return;
      }
      if (!this.live.has(info.id)) return;
      this.live.delete(info.id);
      info.closedAt = Date.now();
      info.closedBy = by;
      browser.destroy();
      server.destroy();
    };
    browser.on('data', (chunk: Buffer) => {
      if (entry.frozen && !entry.passRequests) return;
      if (!info.websocket && !entry.frozen) {
        // Only the start of a chunk is looked at: enough to name the requests, not a parser.
        const m = REQUEST_LINE.exec(chunk.subarray(0, 2048).toString('latin1'));
        if (m) {
          info.requests.push(`${m[1]} ${m[2]?.split('?')[0]}`);
          info.awaitingAnswer = true;
          info.lastRequestAt = Date.now();
          const trap = this.freezeTraps.find((t) => t.match(info));
          if (trap) {
            this.freezeTraps.splice(this.freezeTraps.indexOf(trap), 1);
            entry.passRequests = trap.reachServer;
            this.freeze((c) => c === info);
            trap.sprung(info);
            if (!trap.reachServer) return;
          }
        }
        if (/\r\nupgrade: websocket\r\n/i.test(chunk.toString('latin1'))) info.websocket = true;
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (entry.frozen) {
        info.swallowed += chunk.toString('latin1');
        return;
      }
      if (chunk.subarray(0, 9).toString('latin1') === 'HTTP/1.1 ') info.awaitingAnswer = false;
      const trap = this.traps.find((t) => t.match(info, chunk.toString('latin1')));
      if (!trap) {
        browser.write(chunk);
        return;
      }
      // Lost on the wire: the server wrote it, the browser never gets it.
      this.traps.splice(this.traps.indexOf(trap), 1);
      this.cut((c) => c === info);
      trap.sprung(info);
    });
    browser.on('close', () => end('browser'));
    server.on('close', () => end('server'));
    browser.on('error', () => undefined);
    server.on('error', () => undefined);
  }

  /**
   * Ends the open connections that `which` picks (all by default) on both sides at
   * once: the browser gets a reset, the server a close. Returns what was cut.
   */
  cut(which: (c: ProxiedConnection) => boolean = () => true): ProxiedConnection[] {
    const cut: ProxiedConnection[] = [];
    for (const { info, browser, server } of [...this.live.values(), ...this.frozen.values()]) {
      if (!which(info)) continue;
      this.live.delete(info.id);
      this.frozen.delete(info.id);
      info.closedAt ??= Date.now();
      info.closedBy ??= 'cut';
      browser.resetAndDestroy();
      server.destroy();
      cut.push(info);
    }
    return cut;
  }

  /**
   * The next time the server sends something `match` picks (a chunk as it comes off the
   * server's socket), it is not passed on and that connection is cut: an answer or a
   * stream frame the server wrote and the browser never got. Resolves with the connection.
   */
  cutWhenServerSends(match: (c: ProxiedConnection, chunk: string) => boolean): Promise<ProxiedConnection> {
    return new Promise((sprung) => this.traps.push({ match, sprung }));
  }

  /**
   * Makes the open connections `which` picks silently dead, as a network change under
   * them does when no reset ever arrives: nothing passes either way from now on, and
   * neither side learns it (the browser's close does not reach the server, nor the
   * server's the browser). What the server still writes is kept in `swallowed`. They
   * are no longer `open()`; `cut()` ends them. Returns what it froze.
   */
  freeze(which: (c: ProxiedConnection) => boolean): ProxiedConnection[] {
    const frozen: ProxiedConnection[] = [];
    for (const entry of [...this.live.values()]) {
      if (!which(entry.info)) continue;
      entry.frozen = true;
      this.live.delete(entry.info.id);
      this.frozen.set(entry.info.id, entry);
      frozen.push(entry.info);
    }
    return frozen;
  }

  /**
   * Freezes the connection of the next request `match` picks (by its latest request, see
   * `lastRequest()`), as the request goes out: by default the request is held back and the
   * server never sees it; with `reachServer` the server gets it (and whatever the browser
   * still sends on it) and its answer goes into `swallowed`. Either way the browser is
   * never answered. Resolves with the connection once it froze.
   */
  freezeNext(match: (c: ProxiedConnection) => boolean, o: { reachServer?: boolean } = {}): Promise<ProxiedConnection> {
    return new Promise((sprung) => this.freezeTraps.push({ match, reachServer: o.reachServer ?? false, sprung }));
  }

  /** Cuts every open connection and resets new ones until `up()`: the server is gone for the browser. */
  down(): ProxiedConnection[] {
    this.isDown = true;
    return this.cut();
  }

  up(): void {
    this.isDown = false;
  }

  /** Connections open now. */
  open(which: (c: ProxiedConnection) => boolean = () => true): ProxiedConnection[] {
    return [...this.live.values()].map((l) => l.info).filter(which);
  }

  /** One line per connection, for a failure message. */
  describe(): string {
    return this.connections.map((c) => `#${c.id} ${c.websocket ? 'ws ' : ''}${this.frozen.has(c.id) || c.swallowed ? 'frozen ' : ''}${c.requests.join(' | ')} ${c.closedBy ? `closed by ${c.closedBy} after ${(c.closedAt ?? 0) - c.openedAt} ms` : 'open'}`).join('\n');
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The connection carries the agent's stream WebSocket. */
export const isAgentStream = (c: ProxiedConnection): boolean => c.websocket && c.requests.some((r) => r.startsWith('GET /agent/v1/stream'));

/** The connection's latest request is a visitor long poll (`System/Messages`). */
export const isVisitorPoll = (c: ProxiedConnection): boolean => /\/chat\/rest\/System\/Messages$/.test(lastRequest(c));

/** A visitor long poll the server holds (or is answering) right now. */
export const isHeldPoll = (c: ProxiedConnection): boolean => isVisitorPoll(c) && c.awaitingAnswer;

/** The latest request line of the connection (`POST /agent/v1/chats/…/accept`), or ''. */
export function lastRequest(c: ProxiedConnection): string {
  return c.requests[c.requests.length - 1] ?? '';
}
