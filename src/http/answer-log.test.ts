/**
 * What a live server writes to its log about the requests it answers: one line per
 * error answer (5xx at error, 4xx at info, 429 and a failed login at warn), every
 * success at debug only, and never a credential — not an `access_token` in a query,
 * not a session key in a path, not a header. The server is real (a socket on
 * 127.0.0.1, port 0) and so is its logger: main.ts's own pino, its lines captured.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import type { WriteBatch } from '../ports/records.js';

/** A memory store whose writes fail while `down` (the store is unreachable). */
class FlakyStore extends MemoryChatStore {
  down = false;
  override async write(batch: WriteBatch): Promise<void> {
    if (this.down) throw new Error('store down');
    await super.write(batch);
  }

  override async putDocument(kind: string, id: string, doc: unknown): Promise<void> {
    if (this.down) throw new Error('store down');
    await super.putDocument(kind, id, doc);
  }
}

interface LogLine { level: number; msg: string; [field: string]: unknown }
const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

let sb: Switchboard | undefined;
afterEach(async () => {
  const s = sb;
  sb = undefined;
  await s?.stop().catch(() => undefined);
});

async function liveServer(logLevel: 'info' | 'debug' = 'info', trustProxy?: boolean | number | string) {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const destination = { write: (s: string) => { raw.push(s); lines.push(JSON.parse(s) as LogLine); } };
  const store = new FlakyStore();
  const config = validateConfig({ storage: { kind: 'memory' }, server: { host: '127.0.0.1', port: 0, logLevel, ...(trustProxy === undefined ? {} : { trustProxy }) }, settings: { pollHoldSeconds: 1 }, orgs: [structuredClone(demoOrg)] }, 'test');
  sb = await createSwitchboard(config, { store, logDestination: destination });
  const base = await sb.listen();
  return { base, store, lines, raw: () => raw.join('') };
}

const V = { 'x-liveagent-api-version': '34' };

async function newSession(base: string) {
  const res = await fetch(`${base}/chat/rest/System/SessionId`, { headers: { ...V, 'x-liveagent-affinity': 'null' } });
  return (await res.json()) as { key: string; id: string; affinityToken: string };
}

async function login(base: string, password = 'agent-demo') {
  return fetch(`${base}/agent/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'agent', password }) });
}

/** Writes `text` to a fresh connection and reads until the server closes it. */
function rawExchange(base: string, text: string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let got = '';
    socket.on('data', (d: Buffer) => { got += d.toString('latin1'); });
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
  });
}

const answerLines = (lines: LogLine[]) => lines.filter((l) => typeof l['status'] === 'number');

describe('no credential reaches the log', () => {
  it('a 500 on the agent API with ?access_token= logs the path without the token', async () => {
    const { base, store, lines, raw } = await liveServer();
    const { accessToken } = (await (await login(base)).json()) as { accessToken: string };
    store.down = true;
    const res = await fetch(`${base}/agent/v1/auth/logout?access_token=${encodeURIComponent(accessToken)}&x=1`, { method: 'POST' });
    expect(res.status).toBe(500);
    const line = lines.find((l) => l['status'] === 500);
    expect(line, raw()).toMatchObject({ level: LEVEL.error, method: 'POST', status: 500, code: 'INTERNAL' });
    expect(line!['path']).toBe('/agent/v1/auth/logout?access_token=[REDACTED]&x=1');
    expect(raw()).not.toContain(accessToken);
    expect(raw()).not.toContain(encodeURIComponent(accessToken));
  });

  it('a refused stream ticket (?ticket=) is logged without the ticket', async () => {
    const { base, lines, raw } = await liveServer();
    const { accessToken } = (await (await login(base)).json()) as { accessToken: string };
    const issued = await fetch(`${base}/agent/v1/stream-ticket`, { method: 'POST', headers: { Authorization: `Bearer ${accessToken}` } });
    const { ticket } = (await issued.json()) as { ticket: string };
    // Spent on a first stream (not logged: a success), refused on the second.
    const first = new AbortController();
    expect((await fetch(`${base}/agent/v1/events?ticket=${ticket}`, { signal: first.signal })).status).toBe(200);
    first.abort();
    const res = await fetch(`${base}/agent/v1/events?lastEventId=x&ticket=${ticket}`);
    expect(res.status).toBe(401);
    const line = lines.find((l) => l['status'] === 401);
    expect(line, raw()).toMatchObject({ path: '/agent/v1/events?lastEventId=x&ticket=[REDACTED]', code: 'UNAUTHENTICATED' });
    expect(raw()).not.toContain(ticket);
  });

  it('a 500 on DELETE /System/SessionId/<key> logs the path without the key', async () => {
    const { base, store, lines, raw } = await liveServer();
    const s = await newSession(base);
    store.down = true;
    const res = await fetch(`${base}/chat/rest/System/SessionId/${encodeURIComponent(s.key)}`, { method: 'DELETE', headers: { ...V, 'x-liveagent-session-key': s.key, 'x-liveagent-affinity': s.affinityToken } });
    expect(res.status).toBe(500);
    const line = lines.find((l) => l['status'] === 500);
    expect(line, raw()).toMatchObject({ level: LEVEL.error, method: 'DELETE', path: '/chat/rest/System/SessionId/[REDACTED]', code: 'INTERNAL' });
    const secret = s.key.split('!').pop()!;
    expect(raw()).not.toContain(secret);
  });

  it('a request node cannot parse is logged without its headers (Authorization, session key, cookie)', async () => {
    const { base, lines, raw } = await liveServer('debug');
    const answer = await rawExchange(base, 'GET /chat/rest/System/Messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer SECRET-BEARER-1\r\nX-LIVEAGENT-SESSION-KEY: SECRET-KEY-2\r\nCookie: sb=SECRET-COOKIE-3\r\nBad Header: \x01\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await new Promise((r) => setTimeout(r, 50));
    expect(answerLines(lines), raw()).toEqual([expect.objectContaining({ level: LEVEL.info, status: 400, code: 'REQUEST_MALFORMED' })]);
    for (const secret of ['SECRET-BEARER-1', 'SECRET-KEY-2', 'SECRET-COOKIE-3']) expect(raw()).not.toContain(secret);
  });

  it('a header-borne secret in a logged object is censored by the logger itself', async () => {
    const { raw } = await liveServer();
    sb!.logger.info({ req: { headers: { authorization: 'Bearer SECRET-4', 'x-liveagent-session-key': 'SECRET-5', cookie: 'SECRET-6' } }, headers: { authorization: 'SECRET-7' } }, 'probe');
    expect(raw()).toContain('probe');
    for (const secret of ['SECRET-4', 'SECRET-5', 'SECRET-6', 'SECRET-7']) expect(raw()).not.toContain(secret);
  });
});

describe('one log line per error answer', () => {
  it('a 4xx of the poll fast path at info, with method, path, status, code and client address', async () => {
    const { base, lines, raw } = await liveServer();
    const res = await fetch(`${base}/chat/rest/System/Messages?ack=3`, { headers: { ...V, 'x-liveagent-session-key': 'nope!nope!nope', 'x-liveagent-affinity': 'null' } });
    expect(res.status).toBe(403);
    expect(answerLines(lines), raw()).toEqual([expect.objectContaining({ level: LEVEL.info, method: 'GET', path: '/chat/rest/System/Messages?ack=3', status: 403, code: 'SESSION_INVALID', client: '127.0.0.1' })]);
  });

  it('behind a trusted proxy, the poll fast path names the visitor as fastify does, not the proxy', async () => {
    for (const trustProxy of [true, 1, '127.0.0.1/8'] as const) {
      const { base, lines, raw } = await liveServer('debug', trustProxy);
      const forwarded = { ...V, 'x-liveagent-affinity': 'null', 'x-forwarded-for': '198.51.100.99, 203.0.113.7' };
      // An error answer of the fast path, a success of the fast path (debug), and one through fastify.
      expect((await fetch(`${base}/chat/rest/System/Messages`, { headers: { ...forwarded, 'x-liveagent-session-key': 'nope!nope!nope' } })).status).toBe(403);
      const session = await newSession(base);
      expect((await fetch(`${base}/chat/rest/System/Messages`, { headers: { ...forwarded, 'x-liveagent-session-key': session.key } })).status).toBe(204);
      expect((await fetch(`${base}/chat/rest/System/SessionId`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(400);
      const client = trustProxy === true ? '198.51.100.99' : '203.0.113.7';
      expect(answerLines(lines).map((l) => [l.path, l.status, l.client]), raw()).toEqual(expect.arrayContaining([
        ['/chat/rest/System/Messages', 403, client],
        ['/chat/rest/System/Messages', 204, client],
        ['/chat/rest/System/SessionId', 400, '203.0.113.7'],
      ]));
      await sb!.stop();
      sb = undefined;
    }
  });

  it('a 4xx through fastify at info; a 404 too', async () => {
    const { base, lines, raw } = await liveServer();
    expect((await fetch(`${base}/chat/rest/System/SessionId`)).status).toBe(400);
    expect((await fetch(`${base}/no/such/thing?token=abc`)).status).toBe(404);
    expect(answerLines(lines), raw()).toEqual([
      expect.objectContaining({ level: LEVEL.info, method: 'GET', path: '/chat/rest/System/SessionId', status: 400, code: 'VERSION_MISSING', client: '127.0.0.1' }),
      expect.objectContaining({ level: LEVEL.info, method: 'GET', path: '/no/such/thing?token=[REDACTED]', status: 404, code: 'RESOURCE_NOT_FOUND' }),
    ]);
  });

  it('a failed login at warn', async () => {
    const { base, lines, raw } = await liveServer();
    expect((await login(base, 'wrong')).status).toBe(401);
    expect(answerLines(lines), raw()).toEqual([expect.objectContaining({ level: LEVEL.warn, method: 'POST', path: '/agent/v1/auth/login', status: 401, code: 'UNAUTHENTICATED' })]);
  });

  it('the 503 for an affinity token this node did not issue at info: every visitor of a lost node gets one', async () => {
    const { base, lines, raw } = await liveServer();
    const session = await newSession(base);
    const res = await fetch(`${base}/chat/rest/System/Messages`, { headers: { ...V, 'x-liveagent-session-key': session.key, 'x-liveagent-affinity': 'ffffffff' } });
    expect(res.status).toBe(503);
    expect(answerLines(lines), raw()).toEqual([expect.objectContaining({ level: LEVEL.info, status: 503, code: 'AFFINITY_INVALID' })]);
  });

  it('one line for a 500, not two', async () => {
    const { base, store, lines, raw } = await liveServer();
    store.down = true;
    expect((await fetch(`${base}/chat/rest/System/SessionId`, { headers: { ...V, 'x-liveagent-affinity': 'null' } })).status).toBe(500);
    const about = lines.filter((l) => l.level >= LEVEL.error && l.msg !== 'store write failed: written again after a back-off');
    expect(about, raw()).toEqual([expect.objectContaining({ status: 500, code: 'INTERNAL', path: '/chat/rest/System/SessionId', err: expect.objectContaining({ message: 'store down' }) })]);
  });

  it('successes are not logged at info, and are at debug (fast path and fastify)', async () => {
    const quiet = await liveServer('info');
    const s = await newSession(quiet.base);
    await fetch(`${quiet.base}/chat/rest/System/Messages`, { headers: { ...V, 'x-liveagent-session-key': s.key, 'x-liveagent-affinity': s.affinityToken } });
    expect(answerLines(quiet.lines), quiet.raw()).toEqual([]);
    await sb!.stop();
    sb = undefined;

    const loud = await liveServer('debug');
    const t = await newSession(loud.base);
    const poll = await fetch(`${loud.base}/chat/rest/System/Messages`, { headers: { ...V, 'x-liveagent-session-key': t.key, 'x-liveagent-affinity': t.affinityToken } });
    expect(poll.status).toBe(204);
    expect(answerLines(loud.lines), loud.raw()).toEqual([
      expect.objectContaining({ level: LEVEL.debug, method: 'GET', path: '/chat/rest/System/SessionId', status: 200 }),
      expect.objectContaining({ level: LEVEL.debug, method: 'GET', path: '/chat/rest/System/Messages', status: 204, client: '127.0.0.1' }),
    ]);
  });
});
