/**
 * A tiny TCP proxy for network-failure tests: forwards 127.0.0.1:<port> to a
 * target, and on `drop(ms)` destroys every open connection and refuses new
 * ones (accept, then destroy) for `ms`, like a flaky network would; `freeze()`
 * leaves open connections half-open (silent, never closed).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { TestServer } from '../protocol/harness.js';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<[Socket, Socket]>();
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
      client.pipe(upstream);
      upstream.pipe(client);
      this.pairs.add([client, upstream]);
      client.on('close', () => this.pairs.forEach((p) => p[0] === client && this.pairs.delete(p)));
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
   * Stops forwarding on every open connection without closing it, as a peer that
   * went to sleep or a NAT that forgot the mapping would: no FIN, no RST, just
   * silence. New connections work.
   */
  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.pairs.clear();
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
