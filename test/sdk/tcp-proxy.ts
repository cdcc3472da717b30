/**
 * A tiny TCP proxy for network-failure tests: forwards 127.0.0.1:<port> to a
 * target, and on `drop(ms)` destroys every open connection and refuses new
 * ones (accept, then destroy) for `ms`, like a flaky network would; `freeze()`
 * leaves open connections half-open (silent, never closed), and `thaw()` lets
 * what they held back through after all (an answer that comes late);
 * `freezeNext()` does it to the connection that carries the next request a test
 * picks, as that request goes out: a send in flight over a dead connection.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { TestServer } from '../protocol/harness.js';

/** What a test picks connections to freeze by. */
export interface ProxiedRequest {
  /** The latest request line the client sent, as `GET /chat/rest/System/Messages` (no query); '' before the first. */
  lastRequest: string;
  /** That request's `X-LIVEAGENT-SESSION-KEY`, or ''. */
  sessionKey: string;
  /** That request's answer has not started coming back. */
  awaitingAnswer: boolean;
}

/** One proxied connection: the two sockets and what it carries. */
interface Pair extends ProxiedRequest {
  client: Socket;
  upstream: Socket;
  /** What the client sent while frozen, held back from the server. */
  heldUp: Buffer[] | null;
}

/** Which way a request frozen by freezeNext() dies. */
export interface FreezeNextOptions {
  /**
   * The request reaches the server and the connection freezes after it, so its answer
   * is held back (the server applied it, the client never hears). By default the
   * request itself is held back: the server never sees it.
   */
  reachServer?: boolean;
}

/** A freezeNext() waiting for its request. */
interface FreezeTrap {
  which: (c: ProxiedRequest) => boolean;
  reachServer: boolean;
  sprung: () => void;
}

const REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.[01]\r\n/;
const SESSION_KEY = /\r\nx-liveagent-session-key: *([^\r]*)\r\n/i;

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<Pair>();
  private readonly frozen = new Set<Pair>();
  private readonly traps: FreezeTrap[] = [];
  private downUntil = 0;
  /** Connections accepted so far (a reconnect shows up here). */
  connections = 0;
  port = 0;

  constructor(private readonly target: () => { host: string; port: number }) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.connections += 1;
      if (Date.now() < this.downUntil) {
        client.destroy();
        return;
      }
      const upstream = createConnection(this.target());
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined); // a destroyed peer is the point of this proxy
      }
      const pair: Pair = { client, upstream, lastRequest: '', sessionKey: '', awaitingAnswer: false, heldUp: null };
      // Forwarded by hand rather than piped: a freezeNext() trap must stop a chunk before it goes out.
      client.on('data', (chunk: Buffer) => {
        // Only the start of a chunk is looked at: enough to name the request, not a parser.
        const head = chunk.subarray(0, 4096).toString('latin1');
        const m = REQUEST_LINE.exec(head);
        if (m) {
          pair.lastRequest = `${m[1]} ${m[2]?.split('?')[0]}`;
          pair.sessionKey = SESSION_KEY.exec(head)?.[1] ?? '';
          pair.awaitingAnswer = true;
          const trap = this.traps.find((t) => t.which(pair));
          if (trap) {
            this.traps.splice(this.traps.indexOf(trap), 1);
            if (trap.reachServer) upstream.write(chunk);
            this.freezePair(pair);
            if (!trap.reachServer) pair.heldUp?.push(chunk);
            trap.sprung();
            return;
          }
        }
        if (pair.heldUp) pair.heldUp.push(chunk);
        else upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (chunk.subarray(0, 9).toString('latin1') === 'HTTP/1.1 ') pair.awaitingAnswer = false;
      });
      upstream.pipe(client);
      this.pairs.add(pair);
      client.on('close', () => {
        this.pairs.delete(pair);
        this.frozen.delete(pair);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
  }

  /** Cuts every connection now and refuses new ones for `ms`. */
  drop(ms: number): void {
    this.downUntil = Date.now() + ms;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /**
   * Stops forwarding on the open connections `which` picks by what they carry
   * (all by default) without closing them, as a peer that went to sleep or a NAT that
   * forgot the mapping would: no FIN, no RST, just silence. New connections work.
   * Returns how many it froze.
   */
  freeze(which: (c: ProxiedRequest) => boolean = () => true): number {
    let n = 0;
    for (const pair of this.pairs) {
      if (!which(pair)) continue;
      this.freezePair(pair);
      n += 1;
    }
    return n;
  }

  /**
   * Freezes the connection that carries the next request `which` picks, as the request goes
   * out (see freeze()): by default the request is held back and the server never sees it;
   * with `reachServer` the server gets it and its answer is held back. Nothing is answered
   * either way. Resolves once a request was frozen.
   */
  freezeNext(which: (c: ProxiedRequest) => boolean, o: FreezeNextOptions = {}): Promise<void> {
    return new Promise((sprung) => this.traps.push({ which, reachServer: o.reachServer ?? false, sprung }));
  }

  private freezePair(pair: Pair): void {
    pair.heldUp ??= [];
    pair.upstream.unpipe(pair.client);
    pair.upstream.pause();
    this.pairs.delete(pair);
    this.frozen.add(pair);
  }

  /** Bytes the server sent on frozen connections that are held back from the client (an answer it thinks delivered). */
  heldBack(): number {
    let n = 0;
    for (const pair of this.frozen) n += pair.upstream.readableLength;
    return n;
  }

  /** Forwards again on the frozen connections still open: what they held back arrives now, late. */
  thaw(): void {
    for (const pair of this.frozen) {
      for (const chunk of pair.heldUp ?? []) pair.upstream.write(chunk);
      pair.heldUp = null;
      pair.upstream.pipe(pair.client);
      this.pairs.add(pair);
    }
    this.frozen.clear();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A proxy in front of `server` for this test file: started after the server, stopped at the end. */
export function useProxy(server: TestServer): TcpProxy {
  // The server's port is known only once it runs: the target is read at each connection.
  const proxy = new TcpProxy(() => {
    const url = new URL(server.baseUrl);
    return { host: url.hostname, port: Number(url.port) };
  });
  beforeAll(() => proxy.start());
  afterAll(() => proxy.stop());
  return proxy;
}
