/**
 * A tiny TCP proxy for network-failure tests: forwards 127.0.0.1:<port> to a
 * target, and on `drop(ms)` destroys every open connection and refuses new
 * ones (accept, then destroy) for `ms`, like a flaky network would; `freeze()`
 * leaves open connections half-open (silent, never closed), and `thaw()` lets
 * what they held back through after all (an answer that comes late).
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
}

const REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.[01]\r\n/;
const SESSION_KEY = /\r\nx-liveagent-session-key: *([^\r]*)\r\n/i;

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<Pair>();
  private readonly frozen = new Set<Pair>();
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
      const pair: Pair = { client, upstream, lastRequest: '', sessionKey: '', awaitingAnswer: false };
      // Only the start of a chunk is looked at: enough to name the request, not a parser.
      client.on('data', (chunk: Buffer) => {
        const head = chunk.subarray(0, 4096).toString('latin1');
        const m = REQUEST_LINE.exec(head);
        if (!m) return;
        pair.lastRequest = `${m[1]} ${m[2]?.split('?')[0]}`;
        pair.sessionKey = SESSION_KEY.exec(head)?.[1] ?? '';
        pair.awaitingAnswer = true;
      });
      upstream.on('data', (chunk: Buffer) => {
        if (chunk.subarray(0, 9).toString('latin1') === 'HTTP/1.1 ') pair.awaitingAnswer = false;
      });
      client.pipe(upstream);
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
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.pause();
      pair.upstream.pause();
      this.pairs.delete(pair);
      this.frozen.add(pair);
      n += 1;
    }
    return n;
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
      pair.client.pipe(pair.upstream);
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
