/**
 * A retry is answered only once what it repeats is durable: over a store whose
 * writes take a while, the retry of a request that ended the session (its
 * response lost) is not answered before the end is written; over a store whose
 * write fails once, the first attempt gets an error and the retry gets 200 only
 * when the message is in the store — once.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { WriteBatch } from '../../ports/records.js';

/** A memory store whose writes take `delayMs` once set, whose next `failNext` writes fail, and which notes when each write landed. */
class SlowStore extends MemoryChatStore {
  delayMs = 0;
  failNext = 0;
  readonly landedAt: number[] = [];

  override async write(batch: WriteBatch): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('store down');
    }
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
  const session = (await app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: V })).json<{ key: string; id: string; affinityToken: string }>();
  const h = { ...V, 'x-liveagent-session-key': session.key, 'x-liveagent-affinity': session.affinityToken };
  const init = await app.inject({
    method: 'POST', url: '/chat/rest/Chasitor/ChasitorInit', headers: { ...h, 'x-liveagent-sequence': '1' },
    payload: JSON.stringify({ organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.botButtonId }),
  });
  expect(init.body).toBe('OK');
  return { app, key: session.key, id: session.id, h };
}

const texts = async (store: SlowStore, chatId: string, type: string) =>
  (await store.readEvents(chatId, 0, 1000)).filter((e) => e.type === type).map((e) => (e.data as { text?: string }).text);

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

  it("an agent's message whose write failed: the retry (same clientMessageId) is 200 once it is stored, and it is stored once", async () => {
    const store = new SlowStore();
    const { app, id } = await chatOver(store);
    const auth = { authorization: `Bearer ${sb!.users.serviceToken(DEMO_IDS.botAgentId)}` };
    await sb!.engine.queue.commit();
    store.failNext = 1;
    const send = { method: 'POST' as const, url: `/agent/v1/chats/${id}/messages`, headers: auth, payload: { text: 'once only', clientMessageId: 'm-1' } };
    expect((await app.inject(send)).statusCode).toBe(500);
    const retried = await app.inject(send);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(await texts(store, id, 'ChatMessage')).toContain('once only');
    expect((await texts(store, id, 'ChatMessage')).filter((t) => t === 'once only')).toHaveLength(1);
  });

  it("a visitor's message whose write failed: the retry (same sequence) is 200 once it is stored, and it is stored once", async () => {
    const store = new SlowStore();
    const { app, id, h } = await chatOver(store);
    await sb!.engine.queue.commit();
    store.failNext = 1;
    const say = { method: 'POST' as const, url: '/chat/rest/Chasitor/ChatMessage', headers: { ...h, 'x-liveagent-sequence': '2' }, payload: JSON.stringify({ text: 'hello once' }) };
    expect((await app.inject(say)).statusCode).toBe(500);
    const retried = await app.inject(say);
    expect(retried.body).toBe('OK');
    expect((await texts(store, id, 'ChasitorChatMessage')).filter((t) => t === 'hello once')).toHaveLength(1);
  });

  it('/readyz says 503 while the store refuses writes, and ready again once the carried batch is written', async () => {
    const store = new SlowStore();
    const { app, id, h } = await chatOver(store);
    await sb!.engine.queue.commit();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    store.failNext = 1_000_000;
    const say = { method: 'POST' as const, url: '/chat/rest/Chasitor/ChatMessage', headers: { ...h, 'x-liveagent-sequence': '2' }, payload: JSON.stringify({ text: 'while down' }) };
    expect((await app.inject(say)).statusCode).toBe(500);
    const down = await app.inject({ method: 'GET', url: '/readyz' });
    expect([down.statusCode, down.body]).toEqual([503, 'store refuses writes']);
    store.failNext = 0;
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      ready = (await app.inject({ method: 'GET', url: '/readyz' })).statusCode;
    }
    expect(ready).toBe(200);
    expect(await texts(store, id, 'ChasitorChatMessage')).toContain('while down');
  });

  it('a poll never answers 5xx while the store refuses writes: it stays held or answers empty, and delivers once the store is back', async () => {
    const store = new SlowStore();
    const { app, id, h } = await chatOver(store);
    const messages = async (res: { statusCode: number; body: string }) => res.statusCode === 200 ? (JSON.parse(res.body) as { messages: { type: string; message: { text?: string } }[] }).messages : [];
    // Read the greeting first, so that the next poll is held.
    let ack = -1;
    for (let i = 0; i < 20; i++) {
      const res = await app.inject({ method: 'GET', url: `/chat/rest/System/Messages?ack=${ack}`, headers: h });
      if (res.statusCode === 200) ack = (JSON.parse(res.body) as { sequence: number }).sequence;
      if ((await messages(res)).some((m) => m.type === 'ChatMessage')) break;
    }
    await sb!.engine.queue.commit();
    store.failNext = 1_000_000;
    const held = app.inject({ method: 'GET', url: `/chat/rest/System/Messages?ack=${ack}`, headers: h });
    await new Promise((r) => setTimeout(r, 100));
    const auth = { authorization: `Bearer ${sb!.users.serviceToken(DEMO_IDS.botAgentId)}` };
    const sent = await app.inject({ method: 'POST', url: `/agent/v1/chats/${id}/messages`, headers: auth, payload: { text: 'during the outage', clientMessageId: 'o-1' } });
    expect(sent.statusCode).toBe(500);
    // The poll held over the outage answers empty at the end of its hold (1 s), not 500.
    expect((await held).statusCode).toBe(204);
    const next = app.inject({ method: 'GET', url: `/chat/rest/System/Messages?ack=${ack}`, headers: h });
    await new Promise((r) => setTimeout(r, 300));
    store.failNext = 0;
    const answered = await next;
    expect(answered.statusCode, answered.body).toBe(200);
    expect((await messages(answered)).map((m) => m.message.text)).toEqual(['during the outage']);
  });
});
