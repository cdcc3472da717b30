import { describe, expect, it } from 'vitest';
import { logEvent, sessionRecord } from '../adapters/chat-store-conformance.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { emptyBatch } from '../ports/chat-store.js';
import { toSessionRow, type SessionRecord } from '../ports/records.js';
import { eraseVisitor } from './visitor-erasure.js';

const request = (orgId: string, visitorId: string) => ({ orgId, visitorId }) as SessionRecord['request'];

/** Breadcrumbs as [visitor id, org of the chat they were posted in (null: none)]. */
async function storeWith(records: SessionRecord[], crumbsFor: [string, string | null][]) {
  const store = new MemoryChatStore();
  await store.write({
    ...emptyBatch(),
    sessions: records.map((r) => toSessionRow(r)),
    events: records.map((r) => logEvent(r.id, 1, 1)),
    visitorBreadcrumbs: crumbsFor.map(([visitorId, orgId], i) => ({ key: `k${i}`, visitorId, orgId, location: `https://shop/${i}`, at: i })),
  });
  return store;
}

describe('eraseVisitor', () => {
  it("deletes the visitor's ended chats of the org and the visitor's breadcrumbs (the org's and those without one); running chats and other visitors stay", async () => {
    const store = await storeWith([
      sessionRecord('ended-1', { closed: true, lastOffset: 1, request: request('org-a', 'v1') }),
      sessionRecord('ended-2', { closed: true, lastOffset: 1, request: request('org-a', 'v1'), createdAt: 2000 }),
      sessionRecord('running', { lastOffset: 1, request: request('org-a', 'v1'), createdAt: 3000 }),
      sessionRecord('someone-else', { closed: true, lastOffset: 1, request: request('org-a', 'v2') }),
    ], [['v1', 'org-a'], ['v1', null], ['v2', null]]);
    expect(await eraseVisitor(store, 'org-a', 'v1')).toEqual({ deletedChats: 2, activeChats: 1, deletedBreadcrumbs: 2, breadcrumbsKept: false, deletedOfflineMessages: 0 });
    expect(await store.getSession('ended-1')).toBeNull();
    expect(await store.readEvents('ended-2', 0, 10)).toEqual([]);
    expect((await store.getSession('running'))?.id).toBe('running');
    expect((await store.getSession('someone-else'))?.id).toBe('someone-else');
    expect(await store.readBreadcrumbs('org-a', 'v1', 10)).toEqual([]);
    expect(await store.readBreadcrumbs('org-a', 'v2', 10)).toHaveLength(1);
  });

  it("never touches another org's chats or breadcrumbs, and answers the same whether or not another org knows the visitor", async () => {
    const store = await storeWith([
      sessionRecord('mine', { closed: true, lastOffset: 1, request: request('org-a', 'shared') }),
      sessionRecord('theirs', { closed: true, lastOffset: 1, request: request('org-b', 'shared'), createdAt: 2000 }),
    ], [['shared', 'org-a'], ['shared', 'org-b'], ['shared', null]]);
    // The breadcrumb without an org goes too: what org-a learns must not depend on org-b's chats.
    expect(await eraseVisitor(store, 'org-a', 'shared')).toEqual({ deletedChats: 1, activeChats: 0, deletedBreadcrumbs: 2, breadcrumbsKept: false, deletedOfflineMessages: 0 });
    expect((await store.getSession('theirs'))?.id).toBe('theirs');
    expect(await store.readBreadcrumbs('org-a', 'shared', 10)).toEqual([]);
    expect(await store.readBreadcrumbs('org-b', 'shared', 10)).toEqual([{ location: 'https://shop/1', at: 1 }]);
    // An org that has nothing of this visitor deletes nothing of anyone's.
    expect(await eraseVisitor(store, 'org-c', 'shared')).toEqual({ deletedChats: 0, activeChats: 0, deletedBreadcrumbs: 0, breadcrumbsKept: true, deletedOfflineMessages: 0 });
    expect((await store.getSession('theirs'))?.id).toBe('theirs');
  });

  it('keeps the breadcrumbs of a visitor this org never chatted with', async () => {
    const store = await storeWith([], [['browsed-only', null]]);
    expect(await eraseVisitor(store, 'org-a', 'browsed-only')).toEqual({ deletedChats: 0, activeChats: 0, deletedBreadcrumbs: 0, breadcrumbsKept: true, deletedOfflineMessages: 0 });
    expect(await store.readBreadcrumbs('org-a', 'browsed-only', 10)).toHaveLength(1);
  });
});
