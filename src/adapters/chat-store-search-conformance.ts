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
  /** Agents who held the chat (SessionRecord.holders); absent when not given. */
  holders?: string[];
}

/** A session with a chat request in `org` (org-a by default). */
export function chatRecord(id: string, c: ChatSpec): SessionRecord {
  const request = { orgId: c.org ?? 'org-a', deploymentId: 'd1', buttonId: c.button ?? 'b1', visitorId: c.visitor ?? `v-${id}`, visitorName: `Visitor ${id}` } as ChatRequestRecord;
  return {
    id, key: `${id}!1!x`, owner: 'abcdef01', epoch: 'e1', createdAt: c.createdAt, lastSeenAt: c.createdAt, chatState: c.state ?? 'waiting', request,
    routedButtonId: c.button ?? 'b1', agentId: c.agent ?? null, queuedAt: c.createdAt, establishedAt: null, endedAt: c.endedAt ?? null, endReason: c.endReason ?? null,
    declinedBy: [], lastOffset: 0, lastVseq: 0, cursor: 0, confirmed: 0, issuedRecent: [], appliedSeqMax: 0, appliedSeqRecent: [], closed: c.closed ?? false,
    ...(c.holders ? { holders: c.holders } : {}),
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

/**
 * Opens a store that holds `records` as a store before migration 0010 (chat_holders)
 * wrote them, migrated since: what an upgrade finds. Only stores that keep data
 * across a start have one.
 */
export type OpenMigrated = (records: SessionRecord[]) => Promise<ChatStore>;

/** A test body run on a fresh store from `open`, closed after it whatever happened. */
export function withStoreFrom(open: () => Promise<ChatStore>) {
  return (fn: (store: ChatStore) => Promise<void>) => async (): Promise<void> => {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
}

export function describeChatSearch(open: () => Promise<ChatStore>, openMigrated?: OpenMigrated): void {
  const withStore = withStoreFrom(open);

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

  it('finds a chat under every agent who held it (transferred, taken over) and under the one it is with now, never another org\'s', withStore(async (store) => {
    // As the engine writes a chat's life: holders only in the writes where they change.
    const moved = chatRecord('moved', { createdAt: 100, state: 'offered', agent: 'ag1', visitor: 'v-moved' });
    await write(store, [moved]);
    const step = async (patch: Partial<SessionRecord>, holdersChanged: boolean) => {
      Object.assign(moved, patch);
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(moved, false, holdersChanged)] });
    };
    await step({ chatState: 'established', holders: ['ag1'] }, true);
    // ag1 transfers it to ag2: it waits, is offered to ag2, who accepts; messages between.
    await step({ chatState: 'waiting', agentId: null, transferFrom: 'ag1', transferTo: 'ag2' }, false);
    await store.write({ ...emptyBatch(), sessions: [toProgressRow({ ...moved, lastOffset: 4, cursor: 2 })] });
    await step({ chatState: 'offered', agentId: 'ag2' }, false);
    await step({ chatState: 'established', transferFrom: null, transferTo: null, holders: ['ag1', 'ag2'] }, true);
    await step({ chatState: 'ended', endedAt: 190, endReason: 'agent', closed: true }, false);
    await write(store, [
      // Offered to ag1 now, never held: found under ag1, as before holders were searched.
      chatRecord('offered', { createdAt: 200, state: 'offered', agent: 'ag1' }),
      chatRecord('own', { createdAt: 300, state: 'ended', agent: 'ag1', holders: ['ag1'], button: 'b2', endedAt: 350, endReason: 'client' }),
      // Taken over by a supervisor from ag3.
      chatRecord('taken', { createdAt: 150, state: 'established', agent: 'sup', holders: ['ag3', 'sup'] }),
      chatRecord('theirs', { org: 'org-b', createdAt: 250, state: 'ended', agent: 'ag2', holders: ['ag1', 'ag2'] }),
    ]);

    expect(await ids(store, { agentId: 'ag1' })).toEqual(['own', 'offered', 'moved']);
    expect(await ids(store, { agentId: 'ag2' })).toEqual(['moved']);
    expect(await ids(store, { agentId: 'ag3' })).toEqual(['taken']);
    expect(await ids(store, { agentId: 'sup' })).toEqual(['taken']);
    expect(await ids(store, { agentId: 'nobody' })).toEqual([]);
    // With filters the agent's walk does not apply, and with another driving the walk.
    expect(await ids(store, { agentId: 'ag1', chatState: 'ended' })).toEqual(['own', 'moved']);
    expect(await ids(store, { agentId: 'ag1', endReason: 'agent' })).toEqual(['moved']);
    expect(await ids(store, { agentId: 'ag1', buttonId: 'b1', createdTo: 200 })).toEqual(['moved']);
    expect(await ids(store, { agentId: 'ag1', visitorId: 'v-moved' })).toEqual(['moved']);
    expect(await ids(store, { agentId: 'ag2', visitorId: 'v-moved', chatState: 'ended' })).toEqual(['moved']);
    expect(await ids(store, { agentId: 'ag3', visitorId: 'v-moved' })).toEqual([]);
    expect(await ids(store, { agentId: 'ag1', after: { createdAt: 200, id: 'offered' } })).toEqual(['moved']);
    // The chat as last written; another org's chat held by the same ids only from there.
    expect((await search(store, { agentId: 'ag1', chatState: 'ended', endReason: 'agent' })).sessions).toEqual([moved]);
    expect(await ids(store, { orgId: 'org-b', agentId: 'ag1' })).toEqual(['theirs']);
    // Written again (a batch retried after a lost answer, ADR 0016, or a restart): found once.
    await write(store, [moved]);
    await write(store, [moved]);
    expect(await ids(store, { agentId: 'ag2' })).toEqual(['moved']);
  }));

  it('finds a chat under each agent who joined a conference on it, after it left too, as the engine writes them (ADR 0051 note)', withStore(async (store) => {
    const chat = chatRecord('conf', { createdAt: 100, state: 'established', agent: 'ag1', holders: ['ag1'], visitor: 'v-conf' });
    await write(store, [chat]);
    const step = async (patch: Partial<SessionRecord>, changed: boolean) => {
      Object.assign(chat, patch);
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(chat, false, changed)] });
    };
    // ag2 joins (a full write with the agents: they changed), leaves (they did not: participated is kept).
    await step({ participants: ['ag2'], participated: ['ag2'] }, true);
    await step({ participants: [] }, false);
    // ag3 joins; the holder ag1 is in no second row when it also shows up in `participated`.
    await step({ participants: ['ag3'], participated: ['ag2', 'ag3', 'ag1'] }, true);
    await step({ chatState: 'ended', endedAt: 190, endReason: 'agent', closed: true }, false);
    await write(store, [chatRecord('other', { createdAt: 200, state: 'ended', agent: 'ag4', holders: ['ag4'], endedAt: 250 })]);

    expect(await ids(store, { agentId: 'ag2' })).toEqual(['conf']);
    expect(await ids(store, { agentId: 'ag3', chatState: 'ended' })).toEqual(['conf']);
    expect(await ids(store, { agentId: 'ag1' })).toEqual(['conf']);
    expect(await ids(store, { agentId: 'ag2', visitorId: 'v-conf' })).toEqual(['conf']);
    expect(await ids(store, { agentId: 'ag4' })).toEqual(['other']);
    expect((await search(store, { agentId: 'ag2' })).sessions).toEqual([chat]);
    // Written again in full (a retry, a restart): found once under each.
    await write(store, [chat]);
    expect(await ids(store, { agentId: 'ag3' })).toEqual(['conf']);
    expect(await ids(store, { agentId: 'ag1' })).toEqual(['conf']);
  }));

  it('pages through an agent\'s chats, held now, held before or both: every one exactly once, newest first, at every page size and walk bound', withStore(async (store) => {
    // Three chats per millisecond; A has a third now, held another third before B took them; B the rest.
    const all = Array.from({ length: 90 }, (_, i) => {
      const [agent, holders] = i % 3 === 0 ? ['A', ['A']] : i % 3 === 1 ? ['B', ['A', 'B']] : ['B', ['B']];
      return chatRecord(`h-${String((i * 37) % 90).padStart(2, '0')}`, { createdAt: 1000 + Math.floor(i / 3), state: i % 2 ? 'ended' : 'established', agent, holders, endedAt: i % 2 ? 5000 : null });
    });
    for (let i = 0; i < all.length; i += 30) await write(store, all.slice(i, i + 30));
    const order = [...all].sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1));
    const ofA = order.filter((r) => r.holders!.includes('A')).map((r) => r.id);
    const ofB = order.filter((r) => r.holders!.includes('B')).map((r) => r.id);
    for (const limit of [1, 4, 30, 60, 100]) {
      const got = await pages(store, { agentId: 'A', limit });
      expect(got.flat(), `limit ${limit}`).toEqual(ofA);
      // Only the agent's filter: every page is full but the last.
      for (const p of got.slice(0, -1)) expect(p.length, `a page before the last, limit ${limit}`).toBe(limit);
      expect((await pages(store, { agentId: 'B', limit })).flat(), `B, limit ${limit}`).toEqual(ofB);
    }
    // Bounded walks (scanLimit) with a filter the agent's walks do not apply: each match once.
    const endedOfA = order.filter((r) => r.holders!.includes('A') && r.chatState === 'ended').map((r) => r.id);
    for (const [limit, scanLimit] of [[3, 5], [1, 1], [7, 2], [100, 1000]] as const) {
      expect((await pages(store, { agentId: 'A', chatState: 'ended', limit, scanLimit })).flat(), `limit ${limit}, scanLimit ${scanLimit}`).toEqual(endedOfA);
    }
    // A walk of 7 at a time over A's 60 chats: more than 8 calls, some of them with nothing.
    const sparse = await pages(store, { agentId: 'A', chatState: 'ended', endReason: 'none of these', limit: 10, scanLimit: 7 });
    expect(sparse.flat()).toEqual([]);
    expect(sparse.length).toBeGreaterThanOrEqual(9);
    expect((await search(store, { agentId: 'A', chatState: 'ended', scanLimit: 60 })).next).toBeNull();
    // Chats created (and transferred) between two pages are newer than any page's place: on no later page.
    const first = await search(store, { agentId: 'A', limit: 25 });
    await write(store, [chatRecord('late', { createdAt: 9000, state: 'established', agent: 'B', holders: ['A', 'B'] })]);
    const rest = (await pages(store, { agentId: 'A', limit: 25, after: first.next! })).flat();
    expect([...first.sessions.map((s) => s.id), ...rest]).toEqual(ofA);
    expect(await ids(store, { agentId: 'A', limit: 1 })).toEqual(['late']);
  }));

  it('forgets who held a chat with the chat: erasure and retention delete it for every agent who held it', withStore(async (store) => {
    await write(store, [
      chatRecord('kept', { createdAt: 5000, state: 'ended', agent: 'B', holders: ['A', 'B'], closed: true }),
      chatRecord('erased-1', { createdAt: 6000, state: 'ended', agent: 'B', holders: ['A', 'B'], closed: true }),
      chatRecord('erased-2', { createdAt: 7000, state: 'ended', agent: 'A', holders: ['A'], closed: true }),
      chatRecord('expired', { createdAt: 50, state: 'ended', agent: 'B', holders: ['A', 'B'], closed: true }),
    ]);
    expect(await ids(store, { agentId: 'A' })).toEqual(['erased-2', 'erased-1', 'kept', 'expired']);
    expect(await store.deleteClosedSessions(['erased-1', 'erased-2'])).toBe(2);
    expect(await store.purgeClosedBefore(60, 10)).toMatchObject({ sessions: 1 });
    // Page by page and by a bounded walk, A's and B's searches hold only what is left, and end there.
    for (const agentId of ['A', 'B']) {
      expect(await pages(store, { agentId, limit: 1 }), agentId).toEqual([['kept']]);
      expect(await pages(store, { agentId, chatState: 'ended', limit: 1, scanLimit: 1 }), agentId).toEqual([['kept']]);
      expect(await ids(store, { agentId, visitorId: 'v-kept' })).toEqual(['kept']);
      expect(await ids(store, { agentId, visitorId: 'v-erased-1' })).toEqual([]);
    }
    // A new session under an erased one's id (a restored backup, say) is not found under those who held the old.
    await write(store, [chatRecord('erased-1', { createdAt: 8000, state: 'waiting' })]);
    expect(await ids(store, { agentId: 'A' })).toEqual(['kept']);
  }));

  if (openMigrated) {
    it('finds chats stored before holders were searched under every agent who held them (migration 0010 backfills them)', async () => {
      // More sessions than one backfill batch (1,000), in no particular id order.
      const old = Array.from({ length: 1203 }, (_, i) => chatRecord(`m-${String((i * 7919) % 1203).padStart(4, '0')}`, {
        createdAt: 100 + i, state: 'ended', agent: i % 2 ? 'B' : 'A', holders: i % 2 ? ['A', 'B'] : ['A'], endedAt: 200 + i, closed: true,
      }));
      // Written before holders were kept (no `holders`): found under its agent, as before.
      const unkept = chatRecord('unkept', { createdAt: 5000, state: 'ended', agent: 'C', endedAt: 5001 });
      const theirs = chatRecord('theirs', { org: 'org-b', createdAt: 5000, state: 'ended', agent: 'B', holders: ['A', 'B'] });
      const store = await openMigrated([...old, unkept, theirs]);
      try {
        const newest = [...old].sort((x, y) => y.createdAt - x.createdAt);
        const order = newest.map((r) => r.id);
        expect((await pages(store, { agentId: 'A', limit: 200 })).flat()).toEqual(order);
        expect((await pages(store, { agentId: 'B', limit: 200 })).flat()).toEqual(newest.filter((r) => r.holders!.includes('B')).map((r) => r.id));
        expect(await ids(store, { agentId: 'A', visitorId: old[0]!.request!.visitorId })).toEqual([old[0]!.id]);
        expect(await ids(store, { agentId: 'C' })).toEqual(['unkept']);
        expect(await ids(store, { orgId: 'org-b', agentId: 'A' })).toEqual(['theirs']);
        // The engine writes the holders again at its first write after a start: they are there already.
        await write(store, [old[0]!, theirs]);
        expect(await ids(store, { orgId: 'org-b', agentId: 'A' })).toEqual(['theirs']);
        // And they go with their chat.
        expect(await store.deleteClosedSessions([old[0]!.id])).toBe(1);
        expect((await pages(store, { agentId: 'A', limit: 200 })).flat()).toEqual(order.filter((id) => id !== old[0]!.id));
      } finally {
        await store.close();
      }
    });
  }
}
