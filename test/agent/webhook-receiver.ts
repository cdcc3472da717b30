/**
 * A webhook receiver for the webhook tests (ADR 0065, ADR 0068): node:http on 127.0.0.1,
 * answering each POST with the next planned status and keeping every request, and the
 * Standard Webhooks check a receiver makes.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export interface Delivery { url: string; headers: IncomingHttpHeaders; body: string; status: number }
export interface ChatEnded { type: string; id: string; createdAt: number; data: { chatId: string; orgId: string; buttonId: string; visitor: { name: string; ipAddress: string }; agents: { id: string; name: string | null }[]; establishedAt: number | null; endedAt: number; endReason: string | null; events: { type: string; data: Record<string, unknown> }[] } }

/** What a delivery is about: a chat.ended's chat id (the default), or another event's item id. */
export type ItemOf = (body: { type: string; data: Record<string, unknown> }) => string;
const chatOf: ItemOf = (b) => String(b.data['chatId']);

/**
 * A webhook receiver: answers each POST with the next planned status (200 once the plan is empty;
 * 0: never answers), or with what `decide` says of it when given, and keeps every request.
 */
export class Receiver {
  readonly requests: Delivery[] = [];
  plan: number[] = [];
  port = 0;
  private server: Server | null = null;

  constructor(private readonly decide?: (url: string, body: string) => number) {}

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => { body += c; });
      req.on('end', () => {
        const url = req.url ?? '';
        const status = this.decide ? this.decide(url, body) : this.plan.shift() ?? 200;
        this.requests.push({ url, headers: req.headers, body, status });
        if (status === 0) return;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'not now');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Down: the port refuses connections until listen() again. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The items taken (2xx), in the order they were. */
  delivered(itemOf: ItemOf = chatOf): string[] {
    return this.requests.filter((r) => r.status === 200).map((r) => itemOf(JSON.parse(r.body) as { type: string; data: Record<string, unknown> }));
  }

  attemptsAt(id: string, itemOf: ItemOf = chatOf): Delivery[] {
    return this.requests.filter((r) => itemOf(JSON.parse(r.body) as { type: string; data: Record<string, unknown> }) === id);
  }
}

/** Verifies a delivery as a receiver would: the HMAC of `id.timestamp.body` with the secret's bytes. */
export function signatureValid(d: Delivery): boolean {
  const id = String(d.headers['webhook-id']);
  const ts = String(d.headers['webhook-timestamp']);
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${d.body}`).digest('base64');
  return String(d.headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

/**
 * A receiver per store a webhook test runs on (SQLite, PostgreSQL), listening before the servers
 * start (call this before their beforeAll hooks: the config names the port) and closed after.
 */
export function useReceivers(): { sqliteReceiver: Receiver; postgresReceiver: Receiver } {
  const sqliteReceiver = new Receiver();
  const postgresReceiver = new Receiver();
  beforeAll(async () => {
    await sqliteReceiver.listen();
    await postgresReceiver.listen();
  });
  afterAll(async () => {
    await sqliteReceiver.close();
    await postgresReceiver.close();
  });
  return { sqliteReceiver, postgresReceiver };
}
