/**
 * Limits of the agent stream routes, on a whole Switchboard listening on
 * loopback with real clients (ws, fetch, a raw TCP socket).
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { demoOrg } from '../../config/demo-deployment.js';
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

describe('agent stream limits', () => {
  it('answers a plain GET on /agent/v1/stream (no upgrade) with 426 from the catalogue, pointing to SSE', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/agent/v1/stream`);
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('WebSocket upgrade required: use /agent/v1/events for Server-Sent Events');
  });
});
