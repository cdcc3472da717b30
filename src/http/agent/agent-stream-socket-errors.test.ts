/**
 * A client that breaks the WebSocket protocol on /agent/v1/stream (a frame over
 * the 64 KB maxPayload) gets close code 1009, and the log says so as a warning
 * naming the user, without a stack: @fastify/websocket's default logged it as an
 * error with a stack, so any client could fill the error log. A whole
 * Switchboard on a real SQLite file, listening on loopback, with a real ws client.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSqliteChatStore } from '../../adapters/sqlite/sqlite-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

describe('agent stream socket errors', () => {
  it('closes a socket that sent a frame over 64 KB with 1009 and logs a warning, not an error', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-ws-'));
    const config = validateConfig({ server: { host: '127.0.0.1', port: 0, dataDir }, orgs: [structuredClone(demoOrg)] }, 'test');
    const lines: string[] = [];
    const logger = pino({ level: 'info', base: undefined }, { write: (line: string) => { lines.push(line); } });
    const sb = await createSwitchboard(config, { store: createSqliteChatStore({ dataDir, synchronous: 'normal' }), logger });
    running = sb;
    const url = await sb.listen();
    const login = await fetch(`${url}/agent/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'agent', password: 'agent-demo' }) });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };

    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/agent/v1/stream?access_token=${encodeURIComponent(accessToken)}`);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined); // the server cuts the socket after its close frame
    ws.send(JSON.stringify({ type: 'heartbeat', padding: 'x'.repeat(70 * 1024) }));
    expect(await closed).toBe(1009);

    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg?: string; user?: string; error?: string; err?: unknown });
    const socketLogs = logged.filter((l) => /stream socket|payload/i.test(`${l.msg ?? ''} ${l.error ?? ''} ${JSON.stringify(l.err ?? '')}`));
    expect(socketLogs).toEqual([expect.objectContaining({ level: 40, user: DEMO_IDS.humanAgentId, error: expect.stringMatching(/max payload size exceeded/i) })]);
    expect(JSON.stringify(socketLogs)).not.toContain('stack');
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });
});
