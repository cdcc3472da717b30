/**
 * The offline messages part of the ChatStore conformance suite (ADR 0063, migration 0013):
 * storing, the newest-first keyset listing with its status filter, status changes, deletes
 * within the org only, retention and erasure by email, and keeping them across a reopen.
 * `describeChatStore` runs it for every store.
 */
import { expect, it } from 'vitest';
import type { ChatStore } from '../ports/chat-store.js';
import type { OfflineMessageRecord } from '../ports/records.js';
import { withStoreFrom } from './chat-store-search-conformance.js';

/** A message of `orgId` left at `createdAt` (times past 2^31 ms, to catch a column that truncates them). */
export function offlineMessage(id: string, orgId: string, createdAt: number, patch: Partial<OfflineMessageRecord> = {}): OfflineMessageRecord {
  return {
    id, orgId, deploymentId: 'd1', buttonId: 'b1', name: 'Zoë “Z” Müller', email: 'zoe@example.com', subject: 'Réclamation',
    message: 'Line one\nline two: €5 \u{1F600}', language: 'fr', createdAt: 1_800_000_000_000 + createdAt, status: 'new', handledBy: null, handledAt: null, ...patch,
  };
}

export function describeOfflineMessages(open: () => Promise<ChatStore>, reopen?: (previous: ChatStore) => Promise<ChatStore>): void {
  const withStore = withStoreFrom(open);
  const ids = (list: OfflineMessageRecord[]) => list.map((m) => m.id);

  it('stores offline messages and lists one org\'s newest first, a page at a time; a taken id is refused', withStore(async (store) => {
    expect(await store.listOfflineMessages({ orgId: 'o1', limit: 10 })).toEqual([]);
    const a = offlineMessage('a', 'o1', 1000, { subject: '', language: null });
    for (const m of [a, offlineMessage('b', 'o1', 2000), offlineMessage('c', 'o1', 2000), offlineMessage('d', 'o1', 3000), offlineMessage('x', 'o2', 2500)]) await store.putOfflineMessage(m);
    await expect(store.putOfflineMessage(offlineMessage('a', 'o2', 9000))).rejects.toThrow();
    const all = await store.listOfflineMessages({ orgId: 'o1', limit: 10 });
    expect(ids(all)).toEqual(['d', 'c', 'b', 'a']);
    expect(all[3]).toEqual(a);
    // Keyset pages: at the same time, the smaller id comes later; every message once.
    const first = await store.listOfflineMessages({ orgId: 'o1', limit: 2 });
    expect(ids(first)).toEqual(['d', 'c']);
    const last = first.at(-1)!;
    expect(ids(await store.listOfflineMessages({ orgId: 'o1', limit: 2, before: { createdAt: last.createdAt, id: last.id } }))).toEqual(['b', 'a']);
    expect(ids(await store.listOfflineMessages({ orgId: 'o2', limit: 10 }))).toEqual(['x']);
  }));

  it('marks a message handled and new again, filters by status, and deletes within its org only', withStore(async (store) => {
    for (const m of [offlineMessage('a', 'o1', 1000), offlineMessage('b', 'o1', 2000)]) await store.putOfflineMessage(m);
    const at = 1_800_000_000_500;
    expect(await store.updateOfflineMessage('o2', 'a', { status: 'handled', handledBy: 'u9', handledAt: at })).toBeNull();
    expect(await store.updateOfflineMessage('o1', 'a', { status: 'handled', handledBy: 'u1', handledAt: at })).toEqual(offlineMessage('a', 'o1', 1000, { status: 'handled', handledBy: 'u1', handledAt: at }));
    expect(await store.updateOfflineMessage('o1', 'nope', { status: 'handled', handledBy: 'u1', handledAt: at })).toBeNull();
    expect(ids(await store.listOfflineMessages({ orgId: 'o1', status: 'handled', limit: 10 }))).toEqual(['a']);
    expect(ids(await store.listOfflineMessages({ orgId: 'o1', status: 'new', limit: 10 }))).toEqual(['b']);
    expect((await store.updateOfflineMessage('o1', 'a', { status: 'new', handledBy: null, handledAt: null }))?.status).toBe('new');
    expect(ids(await store.listOfflineMessages({ orgId: 'o1', status: 'new', limit: 10 }))).toEqual(['b', 'a']);
    expect(await store.deleteOfflineMessage('o2', 'a')).toBe(false);
    expect(await store.deleteOfflineMessage('o1', 'a')).toBe(true);
    expect(await store.deleteOfflineMessage('o1', 'a')).toBe(false);
    expect(ids(await store.listOfflineMessages({ orgId: 'o1', limit: 10 }))).toEqual(['b']);
  }));

  it('purges every org\'s messages created before a time (retention) and erases one org\'s by email, whatever its case', withStore(async (store) => {
    const msgs = [
      offlineMessage('old1', 'o1', 10), offlineMessage('old2', 'o2', 20), offlineMessage('edge', 'o1', 100),
      offlineMessage('zoe1', 'o1', 200), offlineMessage('zoe2', 'o1', 300, { email: 'ZOE@Example.com' }), offlineMessage('zoe3', 'o2', 300),
      offlineMessage('other', 'o1', 400, { email: 'someone@example.com' }),
    ];
    for (const m of msgs) await store.putOfflineMessage(m);
    expect(await store.purgeOfflineMessagesBefore(1_800_000_000_100)).toBe(2);
    expect(await store.purgeOfflineMessagesBefore(1_800_000_000_100)).toBe(0);
    expect(await store.deleteOfflineMessagesByEmail('o1', 'Zoe@example.COM')).toBe(3);
    expect(ids(await store.listOfflineMessages({ orgId: 'o1', limit: 10 }))).toEqual(['other']);
    expect(ids(await store.listOfflineMessages({ orgId: 'o2', limit: 10 })), 'another org\'s stay').toEqual(['zoe3']);
  }));

  it('lists one org\'s messages after a place, oldest first, ids bytewise at the same time, and counts them up to a cap (ADR 0068)', withStore(async (store) => {
    // Mixed case and `-`/`_`: a collation that is not bytewise would order these otherwise.
    for (const m of [offlineMessage('om_b', 'o1', 2000), offlineMessage('om_B', 'o1', 2000), offlineMessage('om_-', 'o1', 2000), offlineMessage('om_a', 'o1', 1000),
      offlineMessage('om_z', 'o1', 3000), offlineMessage('om_x', 'o2', 1500)]) await store.putOfflineMessage(m);
    const after = async (at: { createdAt: number; id: string } | null, limit = 10) => ids(await store.listOfflineMessagesAfter('o1', at, limit));
    expect(await after(null)).toEqual(['om_a', 'om_-', 'om_B', 'om_b', 'om_z']);
    expect(await after(null, 2)).toEqual(['om_a', 'om_-']);
    expect(await after({ createdAt: 1_800_000_002_000, id: 'om_-' })).toEqual(['om_B', 'om_b', 'om_z']);
    expect(await after({ createdAt: 1_800_000_002_000, id: '' }), 'id "" comes before every id at its time').toEqual(['om_-', 'om_B', 'om_b', 'om_z']);
    expect(await after({ createdAt: 1_800_000_003_000, id: 'om_z' })).toEqual([]);
    expect((await store.listOfflineMessagesAfter('o1', null, 1))[0]).toEqual(offlineMessage('om_a', 'o1', 1000));
    expect(await store.countOfflineMessagesAfter('o1', null, 100)).toBe(5);
    expect(await store.countOfflineMessagesAfter('o1', null, 3)).toBe(3);
    expect(await store.countOfflineMessagesAfter('o1', { createdAt: 1_800_000_002_000, id: 'om_B' }, 100)).toBe(2);
    expect(await store.countOfflineMessagesAfter('o2', null, 100)).toBe(1);
    expect(await store.countOfflineMessagesAfter('o3', null, 100)).toBe(0);
  }));

  it('retention keeps what a webhook has not sent yet and, given orgs, sweeps only theirs (ADR 0068)', withStore(async (store) => {
    for (const m of [offlineMessage('a1', 'o1', 10), offlineMessage('a2', 'o1', 20), offlineMessage('a3', 'o1', 20), offlineMessage('b1', 'o2', 10), offlineMessage('c1', 'o3', 10), offlineMessage('new', 'o1', 500)]) await store.putOfflineMessage(m);
    const before = 1_800_000_000_100;
    expect(await store.purgeOfflineMessagesBefore(before, { orgs: [] }), 'no orgs: nothing').toBe(0);
    // o1's webhook stands after a2: a3 is still to send; o3 is another node's.
    expect(await store.purgeOfflineMessagesBefore(before, { keep: [{ orgId: 'o1', after: { createdAt: 1_800_000_000_020, id: 'a2' } }], orgs: ['o1', 'o2'] })).toBe(3);
    expect(ids(await store.listOfflineMessagesAfter('o1', null, 10))).toEqual(['a3', 'new']);
    expect(ids(await store.listOfflineMessagesAfter('o2', null, 10))).toEqual([]);
    expect(ids(await store.listOfflineMessagesAfter('o3', null, 10))).toEqual(['c1']);
    expect(await store.purgeOfflineMessagesBefore(before)).toBe(2);
  }));

  if (reopen) {
    it('keeps offline messages, their status included, across close and reopen', async () => {
      const first = await open();
      const m = offlineMessage('kept', 'o1', 1000, { status: 'handled', handledBy: 'u1', handledAt: 1_800_000_001_000 });
      await first.putOfflineMessage(m);
      await first.close();
      const second = await reopen(first);
      try {
        expect(await second.listOfflineMessages({ orgId: 'o1', limit: 5 })).toEqual([m]);
      } finally {
        await second.close();
      }
    });
  }
}
