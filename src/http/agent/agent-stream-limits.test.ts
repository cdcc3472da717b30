/**
 * Limits of the agent stream routes, on a whole Switchboard listening on
 * loopback with real clients (ws, fetch, a raw TCP socket).
 */
import { connect } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { MAX_CONNECTIONS_PER_USER } from '../../core/agent-stream-hub.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function start(): Promise<{ sb: Switchboard; url: string }> {
  const config = validateConfig({ storage: { kind: 'memory' }, server: { host: '127.0.0.1', port: 0 }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  running = sb;
  return { sb, url: await sb.listen() };
}

const AGENT = DEMO_IDS.humanAgentId;

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/agent/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'agent', password: 'agent-demo' }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

interface WsClient { ws: WebSocket; frames: string[]; closed: Promise<number> }

function openWs(url: string, token: string): Promise<WsClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/agent/v1/stream`, { headers: { Authorization: `Bearer ${token}` } });
  const frames: string[] = [];
  ws.on('message', (raw: Buffer) => frames.push(raw.toString('utf8')));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('error', reject);
  });
}

interface SseClient { status: number; text: () => string; abort: () => void }

/** An SSE connection read as it arrives; resolves once the status line is in. */
async function openSse(url: string, token: string): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(`${url}/agent/v1/events`, { headers: { Authorization: `Bearer ${token}` }, signal: abort.signal });
  let text = '';
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    })().catch(() => undefined); // aborted
  } else {
    text = await res.text();
  }
  return { status: res.status, text: () => text, abort: () => abort.abort() };
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('agent stream limits', () => {
  it('serialises an event once for all of a user\'s connections, and every connection gets the same frame', async () => {
    const { sb, url } = await start();
    const token = await login(url);
    const sockets = await Promise.all([1, 2, 3].map(() => openWs(url, token)));
    const streams = await Promise.all([1, 2].map(() => openSse(url, token)));
    await until('5 connections', () => sb.hub.liveness(AGENT).connections === 5);
    let serialised = 0;
    // toJSON runs each time the event is serialised.
    sb.hub.publish(AGENT, 'test.event', undefined, { toJSON: () => ({ n: ++serialised, text: 'x'.repeat(1000) }) });
    const wsFrames = () => sockets.map((s) => s.frames.filter((f) => f.includes('"test.event"')));
    const sseData = () => streams.map((s) => s.text().split('\n').filter((l) => l.startsWith('data: ') && l.includes('"test.event"')).map((l) => l.slice(6)));
    await until('the event on every connection', () => [...wsFrames(), ...sseData()].every((f) => f.length === 1));
    expect(serialised).toBe(1);
    const [first] = wsFrames()[0]!;
    expect(JSON.parse(first!)).toMatchObject({ type: 'test.event', data: { n: 1 } });
    expect([...wsFrames(), ...sseData()].map(([f]) => f)).toEqual(Array(5).fill(first));
    for (const s of sockets) s.ws.close();
    for (const s of streams) s.abort();
  });

  it(`refuses a user's connection past ${MAX_CONNECTIONS_PER_USER} with 429 (WebSocket: an error frame and close 4429), and takes one again once another closed`, async () => {
    const { sb, url } = await start();
    const token = await login(url);
    const sockets = await Promise.all(Array.from({ length: MAX_CONNECTIONS_PER_USER }, () => openWs(url, token)));
    await until('all connections', () => sb.hub.liveness(AGENT).connections === MAX_CONNECTIONS_PER_USER);

    const refusedWs = await openWs(url, token);
    expect(await Promise.race([refusedWs.closed, new Promise((r) => setTimeout(() => r('still open'), 2_000))])).toBe(4429);
    expect(refusedWs.frames.map((f) => JSON.parse(f) as unknown)).toEqual([{ type: 'error', status: 429, message: `Too Many Requests: ${MAX_CONNECTIONS_PER_USER} stream connections already open for this user` }]);
    const refusedSse = await openSse(url, token);
    expect(refusedSse.status).toBe(429);
    expect(refusedSse.text()).toBe(`Too Many Requests: ${MAX_CONNECTIONS_PER_USER} stream connections already open for this user`);
    expect(sb.hub.liveness(AGENT).connections).toBe(MAX_CONNECTIONS_PER_USER);
    // Another user is not affected.
    expect(sb.hub.liveness(DEMO_IDS.botAgentId).connections).toBeLessThanOrEqual(1);

    sockets[0]!.ws.close();
    await sockets[0]!.closed;
    await until('a free place', () => sb.hub.liveness(AGENT).connections === MAX_CONNECTIONS_PER_USER - 1);
    const again = await openSse(url, token);
    expect(again.status).toBe(200);
    again.abort();
    for (const s of sockets.slice(1)) s.ws.close();
  });

  it('answers a plain GET on /agent/v1/stream (no upgrade) with 426 from the catalogue, pointing to SSE', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/agent/v1/stream`);
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('WebSocket upgrade required: use /agent/v1/events for Server-Sent Events');
  });

  it('cuts an SSE connection whose reader stalled once 4 MB wait to be sent, and not one that reads', async () => {
    const { sb, url } = await start();
    const token = await login(url);
    const reading = await openSse(url, token);
    // A client that sends its request and never reads: the kernel's buffers fill, then the server's.
    const { port } = new URL(url);
    const stalled = connect(Number(port), '127.0.0.1');
    stalled.on('error', () => undefined); // reset when the server cuts it
    stalled.write(`GET /agent/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`);
    stalled.pause();
    await until('both connections', () => sb.hub.liveness(AGENT).connections === 2);

    // 64 KB events until the stalled one is cut; without a limit the server would buffer all 64 MB for it.
    const text = 'x'.repeat(64 * 1024);
    let published = 0;
    while (sb.hub.liveness(AGENT).connections === 2 && published < 1024) {
      sb.hub.publish(AGENT, 'test.event', undefined, { n: published++, text });
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(sb.hub.liveness(AGENT).connections).toBe(1);
    // Loopback's kernel buffers take several MB before the server's own 4 MB start to fill.
    expect(published * text.length).toBeGreaterThan(4 * 1024 * 1024);

    const received = () => reading.text().split('\n').filter((l) => l.startsWith('event: test.event')).length;
    await until('every event at the reading client', () => received() === published, 10_000);
    sb.hub.publish(AGENT, 'test.event', undefined, { n: published++ });
    await until('the reading client still served', () => received() === published);
    expect(sb.hub.liveness(AGENT).connections).toBe(1);
    reading.abort();
    stalled.destroy();
  });
});
