import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { chatRecord } from '../../adapters/chat-store-search-conformance.js';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { emptyBatch } from '../../ports/chat-store.js';
import { toSessionRow, type SessionRecord } from '../../ports/records.js';
import type { WebhookPoster } from '../../ports/webhook-poster.js';
import type { ChatEndedWebhook } from '../../protocol/webhook-types.js';
import { SwitchboardError } from '../../protocol/errors.js';
import { backoffMs, cursorKey, parseCursor, WEBHOOK_POLL_MS, WebhookSender } from './webhook-sender.js';
import { secretKey, signWebhook } from './webhook-signature.js';
import { chatEndedFeed, offlineMessageCreatedPayload, offlineMessageFeed } from './webhook-feeds.js';
import { offlineMessage } from '../../adapters/chat-store-offline-conformance.js';

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
    const sender = new WebhookSender({ orgId: 'org-a', name: 'crm', url: 'http://receiver.invalid/h', key }, chatEndedFeed({ store, durable: () => Promise.resolve(), payload }), { store, clock, realTime: clock, poster, logger, counted: (o) => counted.push(o) });
    sender.start();
    await settle();
    const end = async (id: string) => {
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(chatRecord(id, { createdAt: clock.now(), state: 'ended', endedAt: clock.now(), endReason: 'agent', closed: true }))] });
    };
    const advance = async (ms: number) => {
      clock.advance(ms);
      await settle();
    };
    return { clock, store, sender, posts, logs, counted, end, advance };
  }

  it('starts from now, retries on the clock after 1 s, 2 s, 4 s, holds later chats back, and logs once per streak', async () => {
    const t = await setUp((n) => Promise.resolve(n <= 3 ? 503 : 200));
    expect(JSON.parse((await t.store.getMeta(cursorKey('org-a', 'crm')))!)).toEqual({ endedAt: 1_000_000, id: '', deliveredAt: null, deliveredId: null });
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

  it('does not send a chat that was erased while the receiver was failing, nor one erased further down the batch', async () => {
    let refuse = true;
    const t = await setUp(() => Promise.resolve(refuse ? 503 : 200));
    await t.advance(10);
    await t.end('erased-while-failing');
    await t.advance(10);
    await t.end('erased-in-batch');
    await t.advance(10);
    await t.end('kept');
    await t.advance(WEBHOOK_POLL_MS);
    await t.advance(1000);
    // Read in one batch; the first failing, the second behind it.
    expect(sentIds(t.posts)).toEqual(['erased-while-failing', 'erased-while-failing']);
    expect(t.sender.failingId).toBe('erased-while-failing');
    // Erasure (or a supervisor's delete) takes both while the receiver is down; then it is back.
    expect(await t.store.deleteClosedSessions(['erased-while-failing', 'erased-in-batch'])).toBe(2);
    refuse = false;
    await t.advance(2000);
    expect(sentIds(t.posts)).toEqual(['erased-while-failing', 'erased-while-failing', 'kept']);
    expect(t.sender).toMatchObject({ failingSince: null, failingId: null, lastError: null });
    expect(parseCursor(await t.store.getMeta(cursorKey('org-a', 'crm')))).toMatchObject({ id: 'kept', deliveredId: 'kept' });
    await t.sender.stop();
  });

  /** What the receiver was sent, by chat id, in order. */
  const sentIds = (posts: { body: string }[]) => posts.map((p) => (JSON.parse(p.body) as { id: string }).id.slice('chat.ended_'.length));
  const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e instanceof SwitchboardError ? `${e.code}: ${e.detail}` : String(e));

  it('skips the chat a receiver keeps refusing, at once (the back-off is not waited out), and the chats after it follow', async () => {
    const t = await setUp((n) => Promise.resolve(n <= 2 ? 400 : 200));
    await t.advance(10);
    await t.end('poison');
    await t.advance(10);
    await t.end('c2');
    await t.advance(WEBHOOK_POLL_MS);
    await t.advance(1000);
    expect(sentIds(t.posts)).toEqual(['poison', 'poison']);
    expect(t.sender.failingId).toBe('poison');
    expect(t.sender.nextAttemptAt).toBe(t.clock.now() + 2000);
    // Only the next chat can be skipped: one behind it, or an unknown one, is refused.
    expect(await refusal(t.sender.reposition({ kind: 'skip', id: 'c2' }, 'admin-1'))).toBe('CONFLICT: chat c2 is not the next chat of webhook crm (next: poison)');
    const skipped = t.sender.reposition({ kind: 'skip', id: 'poison' }, 'admin-1');
    await t.advance(0);
    expect(await skipped).toMatchObject({ id: 'poison', deliveredId: null, deliveredAt: null });
    expect(sentIds(t.posts)).toEqual(['poison', 'poison', 'c2']);
    expect(t.sender).toMatchObject({ failingSince: null, failingId: null, lastError: null, nextAttemptAt: null });
    expect(t.counted).toEqual(['failed', 'failed', 'skipped', 'delivered']);
    expect(t.logs).toContain('warn webhook chat skipped by an admin: it is not sent');
    expect(parseCursor(await t.store.getMeta(cursorKey('org-a', 'crm')))).toMatchObject({ id: 'c2', deliveredId: 'c2' });
    // Nothing left to send: nothing to skip.
    expect(await refusal(t.sender.reposition({ kind: 'skip', id: 'c2' }, 'admin-1'))).toBe('CONFLICT: chat c2 is not the next chat of webhook crm (it has delivered every chat)');
    await t.sender.stop();
  });

  it('replays from a time: the chats that ended at or after it are sent again in order, then new ones; never forward, never from the future', async () => {
    const t = await setUp(() => Promise.resolve(200));
    await t.advance(10);
    await t.end('c1');
    const c1At = t.clock.now();
    await t.advance(10);
    await t.end('c2');
    await t.advance(WEBHOOK_POLL_MS);
    expect(sentIds(t.posts)).toEqual(['c1', 'c2']);
    expect(await refusal(t.sender.reposition({ kind: 'replay', since: t.clock.now() + 1 }, 'admin-1'))).toBe('BODY_INVALID: since is in the future');
    // c2 is delivered: its end is where the webhook stands; a later `since` would pass over what comes between.
    await t.advance(10);
    await t.end('c3-held');
    const ahead = await refusal(t.sender.reposition({ kind: 'replay', since: t.clock.now() }, 'admin-1'));
    expect(ahead).toMatch(/^CONFLICT: since is after where webhook crm stands/);
    // The loop goes back to waiting once it answered the refused move.
    await t.advance(0);
    await t.advance(WEBHOOK_POLL_MS);
    expect(sentIds(t.posts)).toEqual(['c1', 'c2', 'c3-held']);
    const replayed = t.sender.reposition({ kind: 'replay', since: c1At }, 'admin-1');
    await t.advance(0);
    // The place moved back, and what was last delivered is still said.
    expect(await replayed).toEqual({ endedAt: c1At, id: '', deliveredAt: expect.any(Number), deliveredId: 'c3-held' });
    await t.advance(0);
    expect(sentIds(t.posts)).toEqual(['c1', 'c2', 'c3-held', 'c1', 'c2', 'c3-held']);
    // The same message id as the first time: it is the same event.
    expect(t.posts[3]!.headers['webhook-id']).toBe(t.posts[0]!.headers['webhook-id']);
    await t.advance(10);
    await t.end('c4');
    await t.advance(WEBHOOK_POLL_MS);
    expect(sentIds(t.posts).slice(6)).toEqual(['c4']);
    expect(t.logs).toContain('info webhook replay: chats since are sent again');
    await t.sender.stop();
  });

  it('a move abandons a POST under way and is not counted as the receiver\'s failure; stop() refuses moves', async () => {
    const t = await setUp((_n, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
    await t.advance(10);
    await t.end('hanging');
    await t.advance(WEBHOOK_POLL_MS);
    expect(t.posts).toHaveLength(1);
    const skipped = t.sender.reposition({ kind: 'skip', id: 'hanging' }, 'admin-1');
    await t.advance(0);
    expect(await skipped).toMatchObject({ id: 'hanging' });
    expect(t.counted).toEqual(['skipped']);
    expect(t.sender.lastError).toBeNull();
    await t.sender.stop();
    expect(await refusal(t.sender.reposition({ kind: 'replay', since: 0 }, 'admin-1'))).toBe('Error: webhook crm is not running');
  });

  it('sends offline messages in the order they were left, under a cursor of their own, never passing one still being stored (ADR 0068)', async () => {
    const clock = new FakeClock(1_000_000);
    const store = new MemoryChatStore();
    const posts: { id: string; body: string }[] = [];
    const poster: WebhookPoster = { post: (_url, headers, body) => {
      posts.push({ id: headers['webhook-id']!, body });
      return Promise.resolve(200);
    } };
    let storing: Promise<void> = Promise.resolve();
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const sender = new WebhookSender({ orgId: 'org-a', name: 'crm', url: 'http://receiver.invalid/h', key }, offlineMessageFeed({ store, settled: () => storing }),
      { store, clock, realTime: clock, poster, logger: quiet, counted: () => undefined });
    sender.start();
    await settle();
    const left = (id: string, at: number) => ({ ...offlineMessage(id, 'org-a', 0), createdAt: at });
    clock.advance(10);
    // "slow" is stamped first but its write is still under way when "fast", stamped later, is in.
    const slowAt = clock.now();
    let stored = () => undefined as void;
    storing = new Promise((resolve) => (stored = resolve));
    clock.advance(10);
    const fast = left('om_fast', clock.now());
    await store.putOfflineMessage(fast);
    clock.advance(WEBHOOK_POLL_MS);
    await settle();
    expect(posts, 'nothing is sent past a message still being stored').toEqual([]);
    await store.putOfflineMessage(left('om_slow', slowAt));
    stored();
    storing = Promise.resolve();
    await settle();
    expect(posts.map((p) => p.id)).toEqual(['offline_message.created_om_slow', 'offline_message.created_om_fast']);
    expect(JSON.parse(posts[1]!.body)).toEqual(offlineMessageCreatedPayload(fast));
    expect(JSON.parse(posts[1]!.body).data).not.toHaveProperty('status');
    expect(parseCursor(await store.getMeta(cursorKey('org-a', 'crm', 'offline_message.created')))).toMatchObject({ endedAt: fast.createdAt, id: 'om_fast', deliveredId: 'om_fast' });
    expect(await store.getMeta(cursorKey('org-a', 'crm')), 'chat.ended\'s cursor is another').toBeNull();
    // Skips name an offline message.
    expect(await refusal(sender.reposition({ kind: 'skip', id: 'om_x' }, 'admin-1'))).toBe('CONFLICT: offline message om_x is not the next offline message of webhook crm (it has delivered every offline message)');
    await sender.stop();
  });

  it('reads a cursor kept before positions could move as the chat it delivered', () => {
    expect(parseCursor(JSON.stringify({ endedAt: 5, id: 'c9', deliveredAt: 7 }))).toEqual({ endedAt: 5, id: 'c9', deliveredAt: 7, deliveredId: 'c9' });
    expect(parseCursor(JSON.stringify({ endedAt: 5, id: '', deliveredAt: null }))).toEqual({ endedAt: 5, id: '', deliveredAt: null, deliveredId: null });
  });
});
