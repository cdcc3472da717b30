import { describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { logEvent, sessionRecord } from '../adapters/chat-store-conformance.js';
import { chatRecord } from '../adapters/chat-store-search-conformance.js';
import { offlineMessage } from '../adapters/chat-store-offline-conformance.js';
import { emptyBatch } from '../ports/chat-store.js';
import { toSessionRow } from '../ports/records.js';
import { BLOCK_GRACE_DAYS, CHATLESS_KEEP_DAYS, RetentionSweeper } from './retention-sweeper.js';
import { VisitorBlocks } from './visitor-blocks.js';

const DAY = 24 * 60 * 60 * 1000;
const quiet = { info: () => undefined, error: () => undefined };
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function world(clock: FakeClock) {
  const store = new MemoryChatStore();
  const now = clock.now();
  // Chats (each asked for one): a session that never did is swept after a day whatever retentionDays says (below).
  const ended = { closed: true, state: 'ended' as const, endReason: 'agent' };
  const old = Array.from({ length: 5 }, (_, i) => ({ ...chatRecord(`old-${i}`, { ...ended, createdAt: now - 31 * DAY, endedAt: now - 31 * DAY }), lastOffset: 1 }));
  const rows = [...old, { ...chatRecord('recent', { ...ended, createdAt: now - 29 * DAY, endedAt: now - 29 * DAY }), lastOffset: 1 }, { ...chatRecord('open', { createdAt: now - 90 * DAY }), lastOffset: 1 }];
  await store.write({ ...emptyBatch(), sessions: rows.map((r) => toSessionRow(r)), events: rows.map((r) => logEvent(r.id, 1, 1)) });
  return store;
}

describe('RetentionSweeper', () => {
  it('deletes ended chats older than retentionDays in batches with a pause between them; open and recent ones stay', async () => {
    const clock = new FakeClock();
    const store = await world(clock);
    const sweeper = new RetentionSweeper(store, clock, { retentionDays: 30, batchSize: 2, pauseMs: 100 }, quiet);
    const done = sweeper.sweep();
    await settle();
    // One batch of two, then it waits for the pause before the next.
    expect(await store.getSession('old-0')).toBeNull();
    expect(await store.getSession('old-2')).not.toBeNull();
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      await settle();
    }
    expect(await done).toEqual({ sessions: 5, breadcrumbs: 0, blocks: 0, offlineMessages: 0 });
    for (let i = 0; i < 5; i++) expect(await store.readEvents(`old-${i}`, 0, 10)).toEqual([]);
    expect((await store.getSession('recent'))?.id).toBe('recent');
    expect((await store.getSession('open'))?.id).toBe('open');
    expect(sweeper.purged).toEqual({ sessions: 5, breadcrumbs: 0, blocks: 0, offlineMessages: 0 });
  });

  it('deletes closed sessions that never asked for a chat after a day, also when retentionDays is 0, and nothing else of it', async () => {
    const clock = new FakeClock();
    const store = await world(clock);
    const now = clock.now();
    const chatless = [
      sessionRecord('no-chat-old', { createdAt: now - CHATLESS_KEEP_DAYS * DAY - 1, closed: true, lastOffset: 1 }),
      sessionRecord('no-chat-new', { createdAt: now - CHATLESS_KEEP_DAYS * DAY + 60_000, closed: true, lastOffset: 1 }),
      sessionRecord('no-chat-open', { createdAt: now - 5 * DAY, lastOffset: 1 }),
    ];
    await store.write({ ...emptyBatch(), sessions: chatless.map((r) => toSessionRow(r)), visitorBreadcrumbs: [{ key: 'k', visitorId: 'v', orgId: null, location: 'https://x/', at: now - 9 * DAY }] });
    const logged: string[] = [];
    const sweeper = new RetentionSweeper(store, clock, { retentionDays: 0 }, { info: (_o, m) => logged.push(m), error: () => undefined });
    expect(await sweeper.sweep()).toEqual({ sessions: 1, breadcrumbs: 0, blocks: 0, offlineMessages: 0 });
    expect(await store.getSession('no-chat-old')).toBeNull();
    for (const id of ['no-chat-new', 'no-chat-open', 'old-0', 'recent', 'open']) expect((await store.getSession(id))?.id, id).toBe(id);
    expect(logged).toEqual(['retention: deleted closed sessions that never had a chat']);
    // chatlessKeepDays 0 keeps them for ever, as retentionDays 0 keeps chats.
    clock.advance(2 * DAY);
    expect(await new RetentionSweeper(store, clock, { retentionDays: 0, chatlessKeepDays: 0 }, quiet).sweep()).toMatchObject({ sessions: 0 });
  });

  it('sweeps on its own after start, and never when retentionDays is 0', async () => {
    const clock = new FakeClock();
    const off = new RetentionSweeper(await world(clock), clock, { retentionDays: 0, chatlessKeepDays: 0 }, quiet);
    off.start();
    expect(off.enabled).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    // Stopped before its first sweep: nothing is left to fire.
    const early = new RetentionSweeper(await world(clock), clock, { retentionDays: 30 }, quiet);
    early.start();
    await early.stop();
    expect(clock.pendingTimers()).toBe(0);

    const store = await world(clock);
    const on = new RetentionSweeper(store, clock, { retentionDays: 30, intervalMs: 60_000 }, quiet);
    on.start();
    clock.advance(4_999);
    await settle();
    expect(await store.getSession('old-0')).not.toBeNull();
    clock.advance(1);
    await settle();
    expect(await store.getSession('old-0')).toBeNull();
    expect(on.purged.sessions).toBe(5);
    // Later chats age into the window and go at a following sweep.
    clock.advance(2 * DAY);
    await settle();
    clock.advance(60_000); // the next sweep after the clock moved on
    await settle();
    expect(await store.getSession('recent')).toBeNull();
    expect((await store.getSession('open'))?.id).toBe('open');
    await on.stop();
    expect(clock.pendingTimers()).toBe(0); // the first sweep's one-off timer ran, the interval is cancelled
  });

  it('sweeps as of the last run that came while a sweep was running (a clock moved on by days at once)', async () => {
    const clock = new FakeClock();
    const store = await world(clock);
    const sweeper = new RetentionSweeper(store, clock, { retentionDays: 30, intervalMs: 60 * 60_000 }, quiet);
    sweeper.start();
    // Every run of two days comes in this one call: the first starts a sweep, the others find it running.
    clock.advance(2 * DAY);
    for (let i = 0; i < 5; i++) await settle();
    expect(await store.getSession('old-0')).toBeNull();
    // 29 days old at the start, 31 at the last run.
    expect(await store.getSession('recent')).toBeNull();
    expect((await store.getSession('open'))?.id).toBe('open');
    expect(sweeper.purged.sessions).toBe(6);
    await sweeper.stop();
  });

  it('deletes visitor blocks that expired more than the grace period ago, also with chat retention off', async () => {
    const clock = new FakeClock();
    const store = new MemoryChatStore();
    const blocks = new VisitorBlocks(store, clock, [{ id: 'org1', blockedAddresses: [{ ipRange: '198.51.100.0/24' }] }]);
    const now = clock.now();
    const soon = await blocks.add('org1', { ipRange: '192.0.2.1', expiresAt: now + DAY, createdBy: 'u1' });
    const later = await blocks.add('org2', { ipRange: '192.0.2.2', expiresAt: now + 5 * DAY, createdBy: 'u1' });
    await blocks.add('org1', { ipRange: '192.0.2.3', createdBy: 'u1' });
    const storedIds = async (): Promise<string[]> => (await store.listVisitorBlocks(null)).map((b) => b.id);
    const all = await storedIds();

    const sweeper = new RetentionSweeper(store, clock, { retentionDays: 0, intervalMs: 60 * 60_000, blocks }, quiet);
    expect(sweeper.enabled).toBe(false);
    sweeper.start();
    // Expired a day ago: no longer applies or is listed, but kept for the grace period.
    clock.advance(2 * DAY);
    await settle();
    expect(blocks.blocking('org1', '192.0.2.1')).toBeNull();
    expect(blocks.list('org1').map((b) => b.id)).not.toContain(soon.id);
    expect(await storedIds()).toEqual(all);
    expect(sweeper.purged.blocks).toBe(0);

    // Grace days after its expiry (and an hourly run): gone from the store; the others stay.
    clock.advance((BLOCK_GRACE_DAYS - 1) * DAY + 60 * 60_000);
    for (let i = 0; i < 3; i++) await settle();
    expect(await storedIds()).toEqual(all.filter((id) => id !== soon.id));
    expect(sweeper.purged.blocks).toBe(1);

    clock.advance(5 * DAY);
    for (let i = 0; i < 3; i++) await settle();
    expect(await storedIds()).not.toContain(later.id);
    expect(sweeper.purged).toEqual({ sessions: 0, breadcrumbs: 0, blocks: 2, offlineMessages: 0 });
    // The block that never expires and the config file's stay, and still apply.
    expect((await store.listVisitorBlocks(null)).map((b) => b.ipRange)).toEqual(['192.0.2.3']);
    expect(blocks.list('org1').map((b) => b.ipRange)).toEqual(['198.51.100.0/24', '192.0.2.3']);
    expect(blocks.blocking('org1', '198.51.100.9')?.source).toBe('config');
    await sweeper.stop();
  });

  it('a failed block sweep is logged and does not stop the chat sweep', async () => {
    const clock = new FakeClock();
    const store = await world(clock);
    const errors: string[] = [];
    const failing = { purgeExpired: () => Promise.reject(new Error('disk gone')) };
    const sweeper = new RetentionSweeper(store, clock, { retentionDays: 30, blocks: failing }, { info: () => undefined, error: (_o, m) => errors.push(m) });
    expect(await sweeper.sweep()).toEqual({ sessions: 5, breadcrumbs: 0, blocks: 0, offlineMessages: 0 });
    expect(errors).toEqual(['sweeping expired visitor blocks failed; it runs again at the next interval']);
  });

  it('deletes offline messages left more than retentionDays ago, handled or not (ADR 0063); none while retentionDays is 0', async () => {
    const clock = new FakeClock();
    const store = await world(clock);
    const at = (daysAgo: number) => clock.now() - daysAgo * DAY - 1_800_000_000_000;
    for (const m of [offlineMessage('old-new', 'o1', at(31)), offlineMessage('old-handled', 'o2', at(40), { status: 'handled', handledBy: 'u1', handledAt: 1 }), offlineMessage('recent', 'o1', at(29))]) {
      await store.putOfflineMessage(m);
    }
    const left = async (org: string) => (await store.listOfflineMessages({ orgId: org, limit: 10 })).map((m) => m.id);
    expect(await new RetentionSweeper(store, clock, { retentionDays: 0 }, quiet).sweep()).toMatchObject({ offlineMessages: 0 });
    expect(await left('o2')).toEqual(['old-handled']);
    const sweeper = new RetentionSweeper(store, clock, { retentionDays: 30 }, quiet);
    expect(await sweeper.sweep()).toEqual({ sessions: 5, breadcrumbs: 0, blocks: 0, offlineMessages: 2 });
    expect([await left('o1'), await left('o2')]).toEqual([['recent'], []]);
    expect(sweeper.purged.offlineMessages).toBe(2);
  });
});
