/**
 * /metrics counts what operators alert on: error answers to clients (also the
 * 400s fastify gives before routing, never the in-process bot's own inject
 * calls), and the store's refused writes; cumulative counts are counters named
 * `_total`. A whole Switchboard on a real SQLite file, listening on loopback.
 */
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { createSqliteChatStore } from '../adapters/sqlite/sqlite-chat-store.js';
import { demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';

let running: Switchboard | null = null;
afterEach(async () => {
  // The store refused writes in one test: its stop reports the lost flush.
  await running?.stop().catch(() => undefined);
  running = null;
});

async function boot(): Promise<{ sb: Switchboard; url: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-metrics-'));
  const config = validateConfig({ server: { host: '127.0.0.1', port: 0, dataDir }, orgs: [structuredClone(demoOrg)] }, 'test');
  const store = createSqliteChatStore({ dataDir, synchronous: 'normal' });
  // A fake clock: a refused write is not tried again behind the test's back (its back-off never ends).
  const sb = await createSwitchboard(config, { store, clock: new FakeClock(), logger: pino({ level: 'silent' }) });
  running = sb;
  return { sb, url: await sb.listen(), dataDir };
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A request line sent as it is (fetch would normalise a malformed path). */
function rawGet(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics', () => {
  it('counts error answers to clients, fastify\'s own 400s included, and not the in-process inject calls', async () => {
    const { sb, url } = await boot();
    const before = await scrape(url);

    // What the demo bot's requests are: app.inject, no client behind them.
    expect((await sb.app.inject({ method: 'GET', url: '/no/such/path' })).statusCode).toBe(404);
    expect((await sb.app.inject({ method: 'GET', url: '/agent/v1/chats' })).statusCode).toBe(401);
    let now = await scrape(url);
    expect(sample(now, 'switchboard_http_errors_total{status="404"}')).toBe(sample(before, 'switchboard_http_errors_total{status="404"}'));
    expect(sample(now, 'switchboard_http_errors_total{status="401"}')).toBe(sample(before, 'switchboard_http_errors_total{status="401"}'));

    expect((await fetch(`${url}/no/such/path`)).status).toBe(404);
    expect(await rawGet(url, '/chat/rest/%E0%A4%A')).toBe(400);
    now = await scrape(url);
    expect(sample(now, 'switchboard_http_errors_total{status="404"}')).toBe(sample(before, 'switchboard_http_errors_total{status="404"}') + 1);
    expect(sample(now, 'switchboard_http_errors_total{status="400"}')).toBe(sample(before, 'switchboard_http_errors_total{status="400"}') + 1);
  });

  it('exports cumulative counts as counters, and counts the writes the store refused', async () => {
    const { url, dataDir } = await boot();
    const newSession = () => fetch(`${url}/chat/rest/System/SessionId`, { headers: { 'X-LIVEAGENT-API-VERSION': '34', 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect((await newSession()).status).toBe(200);
    const text = await scrape(url);
    for (const name of ['switchboard_commit_batches_total', 'switchboard_retention_deleted_chats_total', 'switchboard_store_write_failures_total']) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(sample(text, 'switchboard_commit_batches_total')).toBeGreaterThan(0);
    expect(sample(text, 'switchboard_store_write_failures_total')).toBe(0);

    // The real file refuses new sessions, as a full or broken disk would.
    const db = new Sqlite(join(dataDir, 'switchboard.sqlite'));
    db.exec(`create trigger refuse_new_sessions before insert on "sessions" begin select raise(abort, 'writes refused by the test'); end`);
    db.close();
    expect((await newSession()).status).toBe(500);
    expect(sample(await scrape(url), 'switchboard_store_write_failures_total')).toBe(1);
  });

  it('gauges chats by state and agents online by kind (bot or person), with fixed label values only', async () => {
    const { url } = await boot();
    const v = { 'X-LIVEAGENT-API-VERSION': '34' };
    const chat = async (buttonId: string) => {
      const session = await (await fetch(`${url}/chat/rest/System/SessionId`, { headers: { ...v, 'X-LIVEAGENT-AFFINITY': 'null' } })).json() as { key: string; id: string; affinityToken: string };
      const res = await fetch(`${url}/chat/rest/Chasitor/ChasitorInit`, {
        method: 'POST',
        headers: { ...v, 'X-LIVEAGENT-SESSION-KEY': session.key, 'X-LIVEAGENT-AFFINITY': session.affinityToken, 'X-LIVEAGENT-SEQUENCE': '1', 'Content-Type': 'application/json' },
        body: JSON.stringify({ organizationId: demoOrg.id, deploymentId: '572000000000001', buttonId, sessionId: session.id, visitorName: 'V', prechatDetails: [], prechatEntities: [], receiveQueueUpdates: true, isPost: true, userAgent: 'test', language: 'en-US', screenResolution: '1x1' }),
      });
      expect(res.status).toBe(200);
    };
    await chat('573000000000001'); // the demo bot takes it at once
    // A person online with room for one chat: the human button's first chat is offered to them, the second waits.
    const login = await (await fetch(`${url}/agent/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'agent', password: 'agent-demo' }) })).json() as { accessToken: string };
    const presence = await fetch(`${url}/agent/v1/presence`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${login.accessToken}` }, body: JSON.stringify({ status: 'online', capacity: 1 }) });
    expect(presence.status).toBe(200);
    await chat('573000000000003');
    await chat('573000000000003');
    let text = '';
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      text = await scrape(url);
      if (sample(text, 'switchboard_chats{state="established"}') === 1) break;
    }
    expect(sample(text, 'switchboard_chats{state="established"}')).toBe(1);
    expect(sample(text, 'switchboard_chats{state="offered"}')).toBe(1);
    expect(sample(text, 'switchboard_chats{state="waiting"}')).toBe(1);
    expect(sample(text, 'switchboard_agents_online{kind="bot"}')).toBe(1);
    expect(sample(text, 'switchboard_agents_online{kind="person"}')).toBe(1);
    expect(text.split('\n').filter((l) => /^switchboard_(chats|agents_online)\{/.test(l))).toHaveLength(5);
  });

  it('gauges the upload bytes held in memory: a slow upload\'s part while it sends, none once it is cut off', async () => {
    const { url } = await boot();
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => undefined);
    // No credentials in the query: the server reads the body before it looks for the chat.
    socket.write(`POST /chat/file-transfer HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/octet-stream\r\nContent-Length: 50000\r\n\r\n`);
    socket.write(Buffer.alloc(30_000, 1));
    const inFlight = async (want: number) => {
      let n = -1;
      for (const deadline = Date.now() + 5_000; Date.now() < deadline && n !== want; await new Promise((r) => setTimeout(r, 50))) {
        n = sample(await scrape(url), 'switchboard_file_upload_bytes_in_flight');
      }
      return n;
    };
    expect(await inFlight(30_000)).toBe(30_000);
    socket.destroy();
    expect(await inFlight(0)).toBe(0);
  });
});
