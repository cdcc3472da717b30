/**
 * A visitor's retry is answered only once what it repeats is durable: over a
 * store whose writes take a while, the retry of a request that ended the session
 * (its response lost) must not be answered before the end is written.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { WriteBatch } from '../../ports/records.js';

/** A memory store whose writes take `delayMs` once set, and which notes when each write landed. */
class SlowStore extends MemoryChatStore {
  delayMs = 0;
  readonly landedAt: number[] = [];

  override async write(batch: WriteBatch): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    await super.write(batch);
    this.landedAt.push(performance.now());
  }
}

let sb: Switchboard | undefined;
afterEach(async () => { await sb?.stop(); sb = undefined; });

const V = { 'x-liveagent-api-version': '34' };

async function chatOver(store: SlowStore) {
  const config = validateConfig({ storage: { kind: 'memory' }, settings: { pollHoldSeconds: 1 }, orgs: [structuredClone(demoOrg)] }, 'test');
  sb = await createSwitchboard(config, { store, logger: pino({ level: 'silent' }) });
  const app = sb.app;
  const session = (await app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: V })).json<{ key: string; affinityToken: string }>();
  const h = { ...V, 'x-liveagent-session-key': session.key, 'x-liveagent-affinity': session.affinityToken };
  const init = await app.inject({
    method: 'POST', url: '/chat/rest/Chasitor/ChasitorInit', headers: { ...h, 'x-liveagent-sequence': '1' },
    payload: JSON.stringify({ organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.botButtonId }),
  });
  expect(init.body).toBe('OK');
  return { app, key: session.key, h };
}

describe('answers wait for what they repeat to be durable', () => {
  it('a retried ChatEnd on the session it closed', async () => {
    const store = new SlowStore();
    const { app, h } = await chatOver(store);
    store.delayMs = 300;
    const end = { method: 'POST' as const, url: '/chat/rest/Chasitor/ChatEnd', headers: { ...h, 'x-liveagent-sequence': '2' }, payload: JSON.stringify({ reason: 'client' }) };
    const first = app.inject(end);
    await new Promise((r) => setTimeout(r, 50));
    const retried = await app.inject(end);
    const answeredAt = performance.now();
    expect(retried.body).toBe('OK');
    expect((await first).body).toBe('OK');
    expect(store.landedAt.length).toBeGreaterThan(0);
    expect(answeredAt).toBeGreaterThanOrEqual(store.landedAt.at(-1)!);
  });

  it('a retried DELETE of the session', async () => {
    const store = new SlowStore();
    const { app, key, h } = await chatOver(store);
    store.delayMs = 300;
    const del = { method: 'DELETE' as const, url: `/chat/rest/System/SessionId/${encodeURIComponent(key)}`, headers: h };
    const first = app.inject(del);
    await new Promise((r) => setTimeout(r, 50));
    const retried = await app.inject(del);
    const answeredAt = performance.now();
    expect(retried.statusCode).toBe(200);
    expect((await first).statusCode).toBe(200);
    expect(answeredAt).toBeGreaterThanOrEqual(store.landedAt.at(-1)!);
  });
});
