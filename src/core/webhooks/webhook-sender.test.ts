import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { chatRecord } from '../../adapters/chat-store-search-conformance.js';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { emptyBatch } from '../../ports/chat-store.js';
import { toSessionRow, type SessionRecord } from '../../ports/records.js';
import type { WebhookPoster } from '../../ports/webhook-poster.js';
import type { ChatEndedWebhook } from '../../protocol/webhook-types.js';
import { backoffMs, cursorKey, WEBHOOK_POLL_MS, WebhookSender } from './webhook-sender.js';
import { secretKey, signWebhook } from './webhook-signature.js';

describe('webhook back-off', () => {
  it('doubles from 1 s per failure in a row, capped at 10 minutes', () => {
    expect([1, 2, 3, 4, 5, 10, 11, 12, 100, 5000].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 512_000, 600_000, 600_000, 600_000, 600_000]);
  });
});

/** Settles the sender's promises between clock moves. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await tick();
}

describe('WebhookSender on a fake clock', () => {
  const key = secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');

  async function setUp(answer: (n: number, signal: AbortSignal) => Promise<number>) {
    const clock = new FakeClock(1_000_000);
    const store = new MemoryChatStore();
    const posts: { at: number; headers: Record<string, string>; body: string }[] = [];
    const poster: WebhookPoster = { post: (_url, headers, body, signal) => {
      posts.push({ at: clock.now(), headers, body });
      return answer(posts.length, signal);
    } };
    const logs: string[] = [];
    const logger = { info: (_o: object, m?: string) => logs.push(`info ${m}`), warn: (_o: object, m?: string) => logs.push(`warn ${m}`), error: (_o: object, m?: string) => logs.push(`error ${m}`) };
    const counted: string[] = [];
    const payload = (c: SessionRecord): Promise<ChatEndedWebhook> => Promise.resolve({ type: 'chat.ended', id: `chat.ended_${c.id}`, createdAt: c.endedAt!, data: {} as ChatEndedWebhook['data'] });
    const sender = new WebhookSender({ orgId: 'org-a', name: 'crm', url: 'http://receiver.invalid/h', key }, { store, clock, realTime: clock, poster, logger, durable: () => Promise.resolve(), payload, counted: (o) => counted.push(o) });
    sender.start();
    await settle();
    const end = async (id: string) => {
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(chatRecord(id, { createdAt: clock.now(), state: 'ended', endedAt: clock.now(), endReason: 'agent' }))] });
    };
    const advance = async (ms: number) => {
      clock.advance(ms);
      await settle();
    };
    return { clock, store, sender, posts, logs, counted, end, advance };
  }

  it('starts from now, retries on the clock after 1 s, 2 s, 4 s, holds later chats back, and logs once per streak', async () => {
    const t = await setUp((n) => Promise.resolve(n <= 3 ? 503 : 200));
    expect(JSON.parse((await t.store.getMeta(cursorKey('org-a', 'crm')))!)).toEqual({ endedAt: 1_000_000, id: '', deliveredAt: null });
    await t.advance(10);
    await t.end('c1');
    await t.advance(10);
    await t.end('c2');
    await t.advance(WEBHOOK_POLL_MS);
    expect(t.posts.map((p) => p.at)).toEqual([1_001_020]);
    await t.advance(1000);
    await t.advance(2000);
    await t.advance(4000);
    const attempts = t.posts.map((p) => [JSON.parse(p.body).id as string, p.at - 1_001_020]);
    expect(attempts).toEqual([['chat.ended_c1', 0], ['chat.ended_c1', 1000], ['chat.ended_c1', 3000], ['chat.ended_c1', 7000], ['chat.ended_c2', 7000]]);
    expect(t.counted).toEqual(['failed', 'failed', 'failed', 'delivered', 'delivered']);
    expect(t.logs).toEqual(['warn webhook delivery failed', 'info webhook delivering again']);
    const p = t.posts[0]!;
    expect(p.headers['webhook-signature']).toBe(signWebhook(key, p.headers['webhook-id']!, Number(p.headers['webhook-timestamp']), p.body));
    expect(JSON.parse((await t.store.getMeta(cursorKey('org-a', 'crm')))!)).toMatchObject({ id: 'c2', endedAt: 1_000_020 });
    await t.sender.stop();
  });

  it('gives up an attempt after 10 s without an answer, and stop() abandons one under way without moving on', async () => {
    const t = await setUp((_n, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
    await t.advance(10);
    await t.end('c1');
    await t.advance(WEBHOOK_POLL_MS);
    expect(t.posts).toHaveLength(1);
    await t.advance(9_999);
    expect(t.sender.lastError).toBeNull();
    await t.advance(1);
    expect(t.sender.lastError).toBe('no answer within 10 s');
    expect(t.sender.nextAttemptAt).toBe(t.clock.now() + 1000);
    await t.advance(1000);
    expect(t.posts).toHaveLength(2);
    await t.sender.stop();
    expect(JSON.parse((await t.store.getMeta(cursorKey('org-a', 'crm')))!)).toMatchObject({ id: '' });
  });
});
