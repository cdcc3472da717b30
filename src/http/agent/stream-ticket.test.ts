/**
 * Stream tickets (ADR 0028): a browser opens the agent stream with a single-use
 * `?ticket=` instead of its access token in the URL. A whole Switchboard listening
 * on loopback with real clients (ws, fetch) and a fake clock, so expiry is a clock
 * step, not a wait.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { MAX_TICKETS_PER_USER, STREAM_TICKET_TTL_MS } from '../../core/identity/stream-tickets.js';
import { createSwitchboard, type Switchboard } from '../../main.js';

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function start(): Promise<{ sb: Switchboard; url: string; clock: FakeClock }> {
  const clock = new FakeClock();
  const config = validateConfig({ storage: { kind: 'memory' }, server: { host: '127.0.0.1', port: 0 }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { clock, store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  running = sb;
  return { sb, url: await sb.listen(), clock };
}

const AGENT = { username: 'agent', password: 'agent-demo' };
const SUPERVISOR = { username: 'supervisor', password: 'supervisor-demo' };

async function login(url: string, who = AGENT): Promise<string> {
  const res = await fetch(`${url}/agent/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function askTicket(url: string, token: string): Promise<Response> {
  return fetch(`${url}/agent/v1/stream-ticket`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
}

async function ticketFor(url: string, token: string): Promise<string> {
  const res = await askTicket(url, token);
  expect(res.status).toBe(200);
  return ((await res.json()) as { ticket: string }).ticket;
}

interface WsClient { ws: WebSocket; frames: string[]; closed: Promise<{ code: number; reason: string }> }

/** A socket on the stream; resolves once it is open (a refused one opens, then gets an error frame and a close). */
function openWs(url: string, query: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/agent/v1/stream?${query}`, { headers });
  const frames: string[] = [];
  ws.on('message', (raw: Buffer) => frames.push(raw.toString('utf8')));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('error', reject);
  });
}

/** What a refused socket got: its frames and its close. */
async function refusal(c: WsClient): Promise<{ frames: unknown[]; code: number; reason: string }> {
  const { code, reason } = await c.closed;
  return { frames: c.frames.map((f) => JSON.parse(f) as unknown), code, reason };
}

const refusedWith = (message: string) => ({ frames: [{ type: 'error', status: 401, message }], code: 4401, reason: message });

/** One command frame's reply. */
function reply(c: WsClient, frame: object): Promise<{ ok: boolean; status?: number; error?: string }> {
  const before = c.frames.length;
  c.ws.send(JSON.stringify(frame));
  return new Promise((resolve) => {
    const check = () => {
      const found = c.frames.slice(before).map((f) => JSON.parse(f) as { type: string; ok: boolean }).find((f) => f.type === 'reply');
      if (found) resolve(found);
      else setTimeout(check, 5);
    };
    check();
  });
}

async function sse(url: string, query: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const abort = new AbortController();
  const res = await fetch(`${url}/agent/v1/events?${query}`, { headers, signal: abort.signal });
  if (res.ok) {
    abort.abort(); // an open stream never ends: the status is what this test reads
    return { status: res.status, text: '' };
  }
  return { status: res.status, text: await res.text() };
}

const q = (ticket: string) => `ticket=${encodeURIComponent(ticket)}`;

describe('stream tickets', () => {
  it('issues a random ticket good for 30 s, not for a shared cache', async () => {
    const { url } = await start();
    const token = await login(url);
    const res = await askTicket(url, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { ticket: string; expiresInSeconds: number };
    expect(body.expiresInSeconds).toBe(30);
    expect(body.ticket).toMatch(/^sbt_[A-Za-z0-9_-]{43}$/);
    expect(body.ticket).not.toContain(token);
    expect(await ticketFor(url, token)).not.toBe(body.ticket);
    expect((await fetch(`${url}/agent/v1/stream-ticket`, { method: 'POST' })).status).toBe(401);
  });

  it('opens the WebSocket once: the socket is the user\'s and runs commands; a second use is refused like a bad token', async () => {
    const { sb, url } = await start();
    const token = await login(url);
    const ticket = await ticketFor(url, token);
    const first = await openWs(url, q(ticket));
    await expect.poll(() => sb.hub.liveness(DEMO_IDS.humanAgentId).connections).toBe(1);
    // Commands are checked against the credential the ticket was issued for: the engine's 409 (no such offer), not a 401.
    expect(await reply(first, { ref: 1, action: 'accept', chatId: 'nosuch' })).toMatchObject({ ok: false, status: 409 });

    const second = await openWs(url, q(ticket));
    expect(await refusal(second)).toEqual(refusedWith('Authentication required: ticket already used'));
    // The same answer as a bad token's, with its own reason.
    expect(await refusal(await openWs(url, 'access_token=nope'))).toEqual(refusedWith('Authentication required: token invalid or expired'));
    expect(sb.hub.liveness(DEMO_IDS.humanAgentId).connections).toBe(1);
    first.ws.close();
  });

  it('opens the SSE stream once; a second use is the 401 of a bad token', async () => {
    const { url } = await start();
    const token = await login(url);
    const ticket = await ticketFor(url, token);
    expect((await sse(url, q(ticket))).status).toBe(200);
    expect(await sse(url, q(ticket))).toEqual({ status: 401, text: 'Authentication required: ticket already used' });
    expect(await sse(url, 'access_token=nope')).toEqual({ status: 401, text: 'Authentication required: token invalid or expired' });
    // A ticket used on one transport is used on the other too.
    const ws = await openWs(url, q(ticket));
    expect(await refusal(ws)).toEqual(refusedWith('Authentication required: ticket already used'));
  });

  it('expires 30 s after it was issued, by the clock', async () => {
    const { url, clock } = await start();
    const token = await login(url);
    const justInTime = await ticketFor(url, token);
    const late = await ticketFor(url, token);
    const lateSse = await ticketFor(url, token);
    clock.advance(STREAM_TICKET_TTL_MS - 1);
    const ok = await openWs(url, q(justInTime));
    clock.advance(1);
    expect(await refusal(await openWs(url, q(late)))).toEqual(refusedWith('Authentication required: ticket unknown or expired'));
    expect(await sse(url, q(lateSse))).toEqual({ status: 401, text: 'Authentication required: ticket unknown or expired' });
    expect(await sse(url, q('sbt_never-issued'))).toEqual({ status: 401, text: 'Authentication required: ticket unknown or expired' });
    expect(ok.frames.map((f) => (JSON.parse(f) as { type: string }).type)).not.toContain('error');
    ok.ws.close();
  });

  it('is bound to its user: not with another user\'s credential alongside, and its socket stays that user\'s', async () => {
    const { url } = await start();
    const agentToken = await login(url);
    const supervisorToken = await login(url, SUPERVISOR);
    const alongside = { Authorization: `Bearer ${supervisorToken}` };
    expect(await refusal(await openWs(url, q(await ticketFor(url, agentToken)), alongside))).toEqual(refusedWith('Authentication required: ticket issued to another user'));
    expect(await sse(url, q(await ticketFor(url, agentToken)), alongside)).toEqual({ status: 401, text: 'Authentication required: ticket issued to another user' });
    // The same user's header alongside is fine.
    const same = await openWs(url, q(await ticketFor(url, agentToken)), { Authorization: `Bearer ${agentToken}` });
    // The socket is the agent's: another user's token cannot take it over.
    expect(await reply(same, { ref: 1, action: 'auth', body: { token: supervisorToken } })).toMatchObject({ ok: false, status: 403 });
    same.ws.close();
  });

  it('stops working when its user\'s credentials are revoked before it is used', async () => {
    const { url } = await start();
    const token = await login(url);
    const ticket = await ticketFor(url, token);
    expect((await fetch(`${url}/agent/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(await sse(url, q(ticket))).toEqual({ status: 401, text: 'Authentication required: credentials revoked' });
  });

  it('is only a stream credential: another route does not take it', async () => {
    const { url } = await start();
    const ticket = await ticketFor(url, await login(url));
    const res = await fetch(`${url}/agent/v1/me?${q(ticket)}`);
    expect(res.status).toBe(401);
    // ...and it was not spent there.
    expect((await sse(url, q(ticket))).status).toBe(200);
  });

  it(`refuses a user more than ${MAX_TICKETS_PER_USER} tickets in 30 s with 429 and Retry-After; others are not affected`, async () => {
    const { url, clock } = await start();
    const token = await login(url);
    const issued: string[] = [];
    for (let i = 0; i < MAX_TICKETS_PER_USER; i++) {
      issued.push(await ticketFor(url, token));
      clock.advance(100);
    }
    // Used or not, they count until they expire: a client that asks in a loop holds no more.
    await sse(url, q(issued[0]!));
    const refused = await askTicket(url, token);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toBe(`Too Many Requests: ${MAX_TICKETS_PER_USER} stream tickets issued to this user in the last 30 s`);
    // The oldest expires 30 s after it was issued: 26 s from now.
    expect(refused.headers.get('retry-after')).toBe(String(Math.ceil((STREAM_TICKET_TTL_MS - MAX_TICKETS_PER_USER * 100) / 1000)));
    expect((await askTicket(url, await login(url, SUPERVISOR))).status).toBe(200);
    clock.advance(STREAM_TICKET_TTL_MS - MAX_TICKETS_PER_USER * 100);
    expect((await askTicket(url, token)).status).toBe(200);
  });
});
