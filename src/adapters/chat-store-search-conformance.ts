/**
 * The chat search part of the ChatStore conformance suite (searchSessions):
 * filters, the newest-first order, keyset pages that return every chat once, the
 * bounded walk, and the org boundary. `describeChatStore` runs it for every store.
 */
import { expect, it } from 'vitest';
import { emptyBatch, type ChatStore, type SearchPosition, type SessionSearch } from '../ports/chat-store.js';
import { toProgressRow, toSessionRow, type ChatRequestRecord, type ChatState, type SessionRecord } from '../ports/records.js';

interface ChatSpec {
  org?: string;
  createdAt: number;
  state?: ChatState;
  agent?: string | null;
  button?: string;
  visitor?: string;
  endedAt?: number | null;
  endReason?: string | null;
  closed?: boolean;
}

/** A session with a chat request in `org` (org-a by default). */
export function chatRecord(id: string, c: ChatSpec): SessionRecord {
  const request = { orgId: c.org ?? 'org-a', deploymentId: 'd1', buttonId: c.button ?? 'b1', visitorId: c.visitor ?? `v-${id}`, visitorName: `Visitor ${id}` } as ChatRequestRecord;
  return {
    id, key: `${id}!1!x`, owner: 'abcdef01', epoch: 'e1', createdAt: c.createdAt, lastSeenAt: c.createdAt, chatState: c.state ?? 'waiting', request,
    routedButtonId: c.button ?? 'b1', agentId: c.agent ?? null, queuedAt: c.createdAt, establishedAt: null, endedAt: c.endedAt ?? null, endReason: c.endReason ?? null,
    declinedBy: [], lastOffset: 0, lastVseq: 0, cursor: 0, confirmed: 0, issuedRecent: [], appliedSeqMax: 0, appliedSeqRecent: [], closed: c.closed ?? false,
  };
}

type Query = Omit<SessionSearch, 'orgId' | 'limit' | 'scanLimit'> & { orgId?: string; limit?: number; scanLimit?: number };
const search = (store: ChatStore, q: Query = {}) => store.searchSessions({ orgId: 'org-a', limit: 100, scanLimit: 1000, ...q });
const ids = async (store: ChatStore, q: Query = {}) => (await search(store, q)).sessions.map((s) => s.id);

/** Every page from the start (or `after`), with the ids of each. */
async function pages(store: ChatStore, q: Query): Promise<string[][]> {
  const out: string[][] = [];
  let after: SearchPosition | undefined = q.after;
  for (;;) {
    const page = await search(store, { ...q, after });
    expect(page.sessions.length, 'a page holds at most limit sessions').toBeLessThanOrEqual(q.limit ?? 100);
    out.push(page.sessions.map((s) => s.id));
    expect(out.length, 'pages').toBeLessThan(1000);
    if (!page.next) return out;
    after = page.next;
  }
}

const write = (store: ChatStore, records: SessionRecord[]) => store.write({ ...emptyBatch(), sessions: records.map((r) => toSessionRow(r)) });

export function describeChatSearch(open: () => Promise<ChatStore>): void {
  const withStore = (fn: (store: ChatStore) => Promise<void>) => async () => {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  it('searches an org\'s chats newest first by every filter, never another org\'s nor a session without a chat', withStore(async (store) => {
    const a = [
      chatRecord('a1', { createdAt: 100, state: 'waiting', button: 'b1', visitor: 'v1' }),
      chatRecord('a2', { createdAt: 200, state: 'established', agent: 'ag1', button: 'b1', visitor: 'v2' }),
      chatRecord('a3', { createdAt: 300, state: 'ended', agent: 'ag1', button: 'b2', visitor: 'v1', endedAt: 350, endReason: 'agent', closed: true }),
      chatRecord('a4', { createdAt: 300, state: 'ended', button: 'b1', visitor: 'v3', endedAt: 300, endReason: 'Unavailable' }),
      chatRecord('a5', { createdAt: 400, state: 'offered', agent: 'ag2', button: 'b2', visitor: 'v1' }),
    ];
    // Another org's chat with the same agent id, button id and visitor id: never found from org-a.
    const other = chatRecord('b1x', { org: 'org-b', createdAt: 250, state: 'ended', agent: 'ag1', button: 'b1', visitor: 'v1', endedAt: 260, endReason: 'agent' });
    const bare: SessionRecord = { ...chatRecord('bare', { createdAt: 500 }), chatState: 'none', request: null, routedButtonId: null, queuedAt: null };
    await write(store, [...a, other, bare]);

    expect(await ids(store)).toEqual(['a5', 'a4', 'a3', 'a2', 'a1']);
    expect((await search(store)).next).toBeNull();
    expect((await search(store)).sessions[2]).toEqual(a[2]);
    expect(await ids(store, { chatState: 'ended' })).toEqual(['a4', 'a3']);
    expect(await ids(store, { chatState: 'none' })).toEqual([]);
    expect(await ids(store, { agentId: 'ag1' })).toEqual(['a3', 'a2']);
    expect(await ids(store, { buttonId: 'b1' })).toEqual(['a4', 'a2', 'a1']);
    expect(await ids(store, { visitorId: 'v1' })).toEqual(['a5', 'a3', 'a1']);
    expect(await ids(store, { endReason: 'agent' })).toEqual(['a3']);
    expect(await ids(store, { createdFrom: 200, createdTo: 300 })).toEqual(['a2']);
    expect(await ids(store, { createdFrom: 300 })).toEqual(['a5', 'a4', 'a3']);
    expect(await ids(store, { createdTo: 300 })).toEqual(['a2', 'a1']);
    expect(await ids(store, { endedFrom: 300, endedTo: 350 })).toEqual(['a4']);
    expect(await ids(store, { endedFrom: 301 })).toEqual(['a3']);
    expect(await ids(store, { visitorId: 'v1', chatState: 'ended' })).toEqual(['a3']);
    expect(await ids(store, { agentId: 'ag2', buttonId: 'b2' })).toEqual(['a5']);
    expect(await ids(store, { chatState: 'offered', agentId: 'ag2' })).toEqual(['a5']);
    expect(await ids(store, { visitorId: 'v1', agentId: 'ag1', chatState: 'ended', buttonId: 'b2', endReason: 'agent', createdFrom: 300, createdTo: 301, endedFrom: 350, endedTo: 351 })).toEqual(['a3']);
    expect(await ids(store, { visitorId: 'v1', agentId: 'ag2', chatState: 'ended' })).toEqual([]);
    // The same visitor, agent and button ids in org-b: only org-b's chat, and only from org-b.
    expect(await ids(store, { orgId: 'org-b' })).toEqual(['b1x']);
    expect(await ids(store, { orgId: 'org-b', visitorId: 'v1', agentId: 'ag1', buttonId: 'b1' })).toEqual(['b1x']);
    expect(await ids(store, { orgId: 'org-c' })).toEqual([]);
    // After a place in the order: what is older, and as old with a smaller id.
    expect(await ids(store, { after: { createdAt: 300, id: 'a4' } })).toEqual(['a3', 'a2', 'a1']);
    expect(await ids(store, { after: { createdAt: 300, id: 'a35' } })).toEqual(['a3', 'a2', 'a1']);
    expect(await ids(store, { after: { createdAt: 0, id: 'zzz' } })).toEqual([]);
  }));

  it('pages through many chats with a keyset: every one exactly once, newest first, whatever the page size, chats created meanwhile on no later page', withStore(async (store) => {
    // Three chats per millisecond (ties broken by id), written in no particular order, and another org's between them.
    const all = Array.from({ length: 150 }, (_, i) => chatRecord(`c-${String((i * 37) % 150).padStart(3, '0')}`, { createdAt: 1000 + Math.floor(i / 3), state: i % 2 ? 'ended' : 'established', endedAt: i % 2 ? 5000 : null }));
    for (let i = 0; i < all.length; i += 25) await write(store, [...all.slice(i, i + 25), chatRecord(`other-${i}`, { org: 'org-b', createdAt: 1010 })]);
    const order = [...all].sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1)).map((r) => r.id);
    for (const limit of [1, 7, 50, 150, 200]) {
      const got = await pages(store, { limit });
      expect(got.flat(), `limit ${limit}`).toEqual(order);
      // Filtered by the walk's index only: every page is full but the last.
      for (const p of got.slice(0, -1)) expect(p.length, `a page before the last, limit ${limit}`).toBe(limit);
    }
    const ended = all.filter((r) => r.chatState === 'ended').map((r) => r.id);
    expect((await pages(store, { chatState: 'ended', limit: 9 })).flat()).toEqual(order.filter((id) => ended.includes(id)));

    // Chats created between two pages are newer than any page's place: none shows on a later page.
    const first = await search(store, { limit: 40 });
    await write(store, [chatRecord('late-1', { createdAt: 2000 })]);
    const rest = (await pages(store, { limit: 40, after: first.next! })).flat();
    expect([...first.sessions.map((s) => s.id), ...rest]).toEqual(order.filter((id) => id !== 'late-1'));
    expect((await ids(store, { limit: 200 })).slice(0, 1)).toEqual(['late-1']);
  }));

  it('bounds each call\'s walk by scanLimit: a filter outside the walk\'s index gives short pages, and paging on still finds each match once', withStore(async (store) => {
    const all = Array.from({ length: 50 }, (_, i) => chatRecord(`s-${String(i).padStart(2, '0')}`, {
      createdAt: 100 + i, state: 'ended', endedAt: 200 + i, endReason: i % 10 === 3 ? 'QueueFull' : 'agent', button: i % 2 ? 'b1' : 'b2',
    }));
    await write(store, all);
    const queueFull = all.filter((r) => r.endReason === 'QueueFull').map((r) => r.id).reverse();
    const got = await pages(store, { endReason: 'QueueFull', limit: 10, scanLimit: 7 });
    expect(got.flat()).toEqual(queueFull);
    // 50 chats walked 7 at a time: at least 8 calls, some of them with nothing.
    expect(got.length).toBeGreaterThanOrEqual(8);
    expect(got.some((p) => p.length === 0)).toBe(true);
    // Matches beyond `limit` in one walk: the page ends at the limit-th, the next starts after it.
    const b1 = all.filter((r) => r.routedButtonId === 'b1').map((r) => r.id).reverse();
    const pairs = await pages(store, { buttonId: 'b1', limit: 2, scanLimit: 50 });
    expect(pairs.flat()).toEqual(b1);
    for (const p of pairs.slice(0, -1)) expect(p).toHaveLength(2);
    // The last walk that reaches the end says so: no `next` after it.
    expect((await search(store, { endReason: 'QueueFull', scanLimit: 50 })).next).toBeNull();
    // A filter the walk's index applies is not bounded by scanLimit: full pages.
    const byState = await pages(store, { chatState: 'ended', limit: 10, scanLimit: 3 });
    expect(byState.map((p) => p.length)).toEqual([10, 10, 10, 10, 10]);
  }));

  it('follows a chat through its life: state, agent and end as last written in full, also after writes of its progress alone', withStore(async (store) => {
    const r = chatRecord('life', { createdAt: 100, state: 'waiting', button: 'b7' });
    await write(store, [r]);
    expect(await ids(store, { chatState: 'waiting' })).toEqual(['life']);
    // Later full writes leave the stored request alone (toSessionRow(r, false)), as the engine writes them.
    const step = async (patch: Partial<SessionRecord>) => {
      Object.assign(r, patch);
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(r, false)] });
    };
    await step({ chatState: 'offered', agentId: 'ag1' });
    expect(await ids(store, { chatState: 'waiting' })).toEqual([]);
    expect(await ids(store, { chatState: 'offered', agentId: 'ag1' })).toEqual(['life']);
    await step({ chatState: 'waiting', agentId: null, declinedBy: ['ag1'] });
    expect(await ids(store, { agentId: 'ag1' })).toEqual([]);
    await step({ chatState: 'established', agentId: 'ag2', establishedAt: 150, lastOffset: 3 });
    await store.write({ ...emptyBatch(), sessions: [toProgressRow({ ...r, cursor: 2, lastOffset: 9 })], events: [{ sessionId: 'life', offset: 1, vseq: 1, type: 'ChatMessage', actor: 'agent', at: 160, data: { text: 'hi' } }] });
    expect(await ids(store, { chatState: 'established', agentId: 'ag2', buttonId: 'b7' })).toEqual(['life']);
    expect((await search(store, { agentId: 'ag2' })).sessions[0]?.lastOffset).toBe(9);
    await step({ chatState: 'ended', endedAt: 190, endReason: 'chasitorIdleTimeout' });
    await step({ closed: true });
    expect(await ids(store, { chatState: 'ended', agentId: 'ag2', endReason: 'chasitorIdleTimeout', endedFrom: 190, endedTo: 191 })).toEqual(['life']);
    expect(await ids(store, { chatState: 'established' })).toEqual([]);
  }));

  it('never returns what erasure or retention deleted', withStore(async (store) => {
    await write(store, [
      chatRecord('erased', { createdAt: 100, state: 'ended', visitor: 'gone', closed: true }),
      chatRecord('expired', { createdAt: 50, state: 'ended', visitor: 'old', closed: true }),
      chatRecord('kept', { createdAt: 5000, state: 'ended', visitor: 'gone', closed: true }),
    ]);
    expect(await ids(store)).toEqual(['kept', 'erased', 'expired']);
    expect(await store.deleteClosedSessions(['erased'])).toBe(1);
    expect(await store.purgeClosedBefore(60, 10)).toMatchObject({ sessions: 1 });
    expect(await ids(store)).toEqual(['kept']);
    expect(await ids(store, { visitorId: 'gone' })).toEqual(['kept']);
    expect(await ids(store, { visitorId: 'old' })).toEqual([]);
  }));
}
