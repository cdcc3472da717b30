/**
 * A supervisor's search of the org's chats (GET /agent/v1/supervisor/chats):
 * chats are found after their visitor session closed (a ChatRequestFail, a chat
 * its agent ended), by every filter, a page at a time with every chat exactly
 * once; a chat under every agent who held it; bad parameters are a 400 naming
 * the parameter; agents may not search; another org's chats never show; an
 * erased visitor's chats do not come back.
 */
import { describe, expect, it } from 'vitest';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, requestChat, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

interface Found {
  chatId: string;
  state: string;
  agentId: string | null;
  buttonId: string | null;
  requestedButtonId: string;
  visitorId: string;
  visitorName: string;
  createdAt: number;
  endedAt: number | null;
  endReason: string | null;
}

interface Page {
  chats: Found[];
  nextCursor: string | null;
}

const SEARCH = '/agent/v1/supervisor/chats';
/** The documented page sizes (docs/agent-api.md, "Finding chats"). */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

const search = (u: AgentUser, query = '') => u.ok<Page>('GET', `${SEARCH}${query ? `?${query}` : ''}`);
const ids = async (u: AgentUser, query = '') => (await allPages(u, query)).map((c) => c.chatId);

/** Every page from the first (or the query's `cursor`), following nextCursor until it is null. */
async function allPages(u: AgentUser, query = '', each?: (p: Page) => void): Promise<Found[]> {
  const params = new URLSearchParams(query);
  let cursor = params.get('cursor');
  params.delete('cursor');
  const out: Found[] = [];
  for (let n = 0; ; n++) {
    expect(n, 'pages').toBeLessThan(500);
    if (cursor) params.set('cursor', cursor);
    const page: Page = await search(u, params.toString());
    each?.(page);
    out.push(...page.chats);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

/** Newest first: creation time, then id, both descending. */
function expectNewestFirst(chats: Found[]): void {
  for (let i = 1; i < chats.length; i++) {
    const [a, b] = [chats[i - 1]!, chats[i]!];
    expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.chatId > b.chatId), `${a.chatId} (${a.createdAt}) before ${b.chatId} (${b.createdAt})`).toBe(true);
  }
}

/** A chat nobody can take (no agent of the button online): ChatRequestFail. The visitor's next poll closes its session. */
async function unservedChat(button: string, visitorId: string, org: 'main' | 'other' = 'main'): Promise<string> {
  const v = await requestChat(server, button, { visitorId }, org);
  await v.waitFor('ChatRequestFail');
  expect((await v.poll()).status, 'the session closes once the visitor has the ChatRequestFail').toBe(403);
  return v.id;
}

describe.skipIf(!OWNS_PROCESS)('agent API: searching the org\'s chats', () => {
  it('finds chats after their visitor sessions closed, by every filter, and opens their transcripts', async () => {
    const sam = await AgentUser.login(server, USERS.sam);
    // Nobody serves `solo` yet: a ChatRequestFail, whose session then closes.
    const failed = await unservedChat(BUTTON.solo, 'search-failed');
    // A chat Alice took and ended; the visitor sees the end, and its session closes.
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId: served } = await acceptedChat(alice, BUTTON.toAlice, { visitorId: 'search-served', visitorName: 'Served Visitor' });
    await alice.ok('POST', `/agent/v1/chats/${served}/end`);
    await v.waitFor('ChatEnded');
    expect((await v.poll()).status).toBe(403);
    // Two running chats: Dave (capacity 1) holds one, the other waits for him.
    const dave = await onlineAgent(server, USERS.dave);
    const { chatId: held } = await acceptedChat(dave, BUTTON.solo, { visitorId: 'search-held' });
    const waiting = (await requestChat(server, BUTTON.solo, { visitorId: 'search-waiting' })).id;

    // The live list no longer has the closed ones: only the search finds them.
    const live = (await sam.ok<{ chatId: string }[]>('GET', '/agent/v1/chats')).map((c) => c.chatId);
    expect(live).toEqual(expect.arrayContaining([held, waiting]));
    expect(live).not.toContain(failed);
    expect(live).not.toContain(served);

    const everything = await allPages(sam);
    expectNewestFirst(everything);
    const mine = everything.filter((c) => [failed, served, held, waiting].includes(c.chatId));
    expect(mine.map((c) => c.chatId)).toEqual([waiting, held, served, failed]);
    const byId = new Map(mine.map((c) => [c.chatId, c]));
    expect(byId.get(failed)).toMatchObject({ state: 'ended', endReason: 'Unavailable', agentId: null, buttonId: null, requestedButtonId: BUTTON.solo, visitorId: 'search-failed' });
    expect(byId.get(served)).toMatchObject({ state: 'ended', endReason: 'agent', agentId: USERS.alice.id, buttonId: BUTTON.toAlice, requestedButtonId: BUTTON.toAlice, visitorName: 'Served Visitor' });
    expect(byId.get(held)).toMatchObject({ state: 'established', agentId: USERS.dave.id, endedAt: null });
    expect(byId.get(waiting)).toMatchObject({ state: 'waiting', agentId: null });

    const only = async (query: string, expected: string[]) => {
      const found = await ids(sam, query);
      expect(found.filter((id) => [failed, served, held, waiting].includes(id)), query).toEqual(expected);
      return found;
    };
    await only('state=ended', [served, failed]);
    await only('state=waiting', [waiting]);
    await only('state=established', [held]);
    await only('state=offered', []);
    await only('endReason=Unavailable', [failed]);
    await only('endReason=agent', [served]);
    await only(`buttonId=${BUTTON.solo}`, [waiting, held, failed]);
    await only(`agentId=${USERS.alice.id}`, [served]);
    await only(`agentId=${USERS.dave.id}&state=established`, [held]);
    expect(await ids(sam, 'visitorId=search-failed')).toEqual([failed]);
    expect(await ids(sam, `visitorId=search-served&state=ended&endReason=agent&agentId=${USERS.alice.id}&buttonId=${BUTTON.toAlice}`)).toEqual([served]);
    const s = byId.get(served)!;
    for (const c of await allPages(sam, `createdFrom=${s.createdAt}&createdTo=${s.createdAt + 1}`)) expect(c.createdAt).toBe(s.createdAt);
    await only(`createdFrom=${s.createdAt}&createdTo=${byId.get(held)!.createdAt}`, [served]);
    const inEnd = await only(`endedFrom=${s.endedAt!}&endedTo=${s.endedAt! + 1}`, [served]);
    expect(inEnd.length).toBeGreaterThan(0);

    // What a support tool does next: open a found chat by its id, transcript and details.
    const transcript = await sam.ok<{ events: { type: string }[] }>('GET', `/agent/v1/chats/${failed}/transcript`);
    expect(transcript.events.map((e) => e.type)).toContain('ChatRequestFail');
    expect((await sam.ok<{ chat: { chatId: string } }>('GET', `/agent/v1/chats/${served}`)).chat.chatId).toBe(served);
    await alice.leave();
    await dave.leave();
  });

  it('finds a chat under every agent who held it (transferred, taken over), also after it ended, and under the one it is offered to', async () => {
    const sam = await AgentUser.login(server, USERS.sam);
    await sam.connect();
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorId: 'search-moved' });
    const found = (query: string) => ids(sam, `visitorId=search-moved&${query}`);
    expect(await found(`agentId=${USERS.bob.id}`)).toEqual([]);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
    await bob.nextOffer(0, chatId);
    // Offered to Bob: found under him (the agent it is with now) and under Alice (who held it).
    expect(await found(`agentId=${USERS.bob.id}&state=offered`)).toEqual([chatId]);
    expect(await found(`agentId=${USERS.alice.id}`)).toEqual([chatId]);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatTransferred');
    await sam.ok('POST', `/agent/v1/chats/${chatId}/takeover`);
    await sam.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await v.waitFor('ChatEnded');
    expect((await v.poll()).status).toBe(403);
    for (const who of [USERS.alice, USERS.bob, USERS.sam]) {
      // Walked by the agent (with the state and end checked on the way), and by the visitor (the agent checked on the way).
      expect((await allPages(sam, `agentId=${who.id}`)).map((c) => c.chatId), who.name).toContain(chatId);
      expect(await ids(sam, `agentId=${who.id}&state=ended&endReason=agent`), who.name).toContain(chatId);
      expect(await found(`agentId=${who.id}`), who.name).toEqual([chatId]);
    }
    // The answer names the agent who had it last, whoever it was found under.
    expect((await allPages(sam, `agentId=${USERS.alice.id}&visitorId=search-moved`))[0]).toMatchObject({ chatId, agentId: USERS.sam.id, state: 'ended' });
    expect(await found(`agentId=${USERS.carol.id}`)).toEqual([]);
    await alice.leave();
    await bob.leave();
  });

  it('pages through many chats: every chat exactly once, newest first, at every page size; chats created meanwhile on no later page', async () => {
    const sam = await AgentUser.login(server, USERS.sam);
    // Nobody serves `idle` (Ivy stays offline): each request is a ChatRequestFail at once.
    const made: string[] = [];
    for (let i = 0; i < 60; i++) made.push((await requestChat(server, BUTTON.idle, { visitorId: `paging-${i}` })).id);

    const reference = await allPages(sam, `limit=${MAX_LIMIT}`);
    expectNewestFirst(reference);
    expect(new Set(reference.map((c) => c.chatId)).size).toBe(reference.length);
    expect(reference.map((c) => c.chatId).filter((id) => made.includes(id))).toEqual([...made].reverse());

    // No limit: the default page size; then each size gives the same chats, pages full but the last.
    const first = await search(sam);
    expect(first.chats).toHaveLength(DEFAULT_LIMIT);
    expect(first.nextCursor).not.toBeNull();
    for (const limit of [1, 7, DEFAULT_LIMIT]) {
      const sizes: number[] = [];
      const got = await allPages(sam, `limit=${limit}`, (p) => sizes.push(p.chats.length));
      expect(got.map((c) => c.chatId), `limit ${limit}`).toEqual(reference.map((c) => c.chatId));
      for (const n of sizes.slice(0, -1)) expect(n, `a page before the last, limit ${limit}`).toBe(limit);
    }
    // A filter the index does not apply (the requested button): the same chats, each once.
    expect((await allPages(sam, `buttonId=${BUTTON.idle}&limit=9`)).map((c) => c.chatId).filter((id) => made.includes(id))).toEqual([...made].reverse());

    // Chats created between two pages are newer than any page's place: they are on the first page of a new search only.
    const page1 = await search(sam, 'limit=20');
    const late = [(await requestChat(server, BUTTON.idle, { visitorId: 'late-1' })).id, (await requestChat(server, BUTTON.idle, { visitorId: 'late-2' })).id];
    const rest = await allPages(sam, `limit=20&cursor=${encodeURIComponent(page1.nextCursor!)}`);
    expect([...page1.chats, ...rest].map((c) => c.chatId)).toEqual(reference.map((c) => c.chatId));
    expect((await search(sam, 'limit=2')).chats.map((c) => c.chatId)).toEqual([...late].reverse());
  });

  it('refuses a parameter out of range, malformed or unknown with a 400 that names it', async () => {
    const sam = await AgentUser.login(server, USERS.sam);
    const notACursor = Buffer.from(JSON.stringify({ createdAt: 1, id: 'x' })).toString('base64url');
    const refused: [string, RegExp][] = [
      ['limit=0', /limit/], [`limit=${MAX_LIMIT + 1}`, /limit/], ['limit=abc', /limit/], ['limit=2.5', /limit/], ['limit=1&limit=2', /limit/],
      ['state=closed', /state/], ['state=', /state/],
      ['createdFrom=-1', /createdFrom/], ['createdTo=yesterday', /createdTo/], ['endedFrom=1.5', /endedFrom/], ['endedTo=-5', /endedTo/],
      ['createdFrom=10&createdTo=5', /createdTo/], ['endedFrom=10&endedTo=5', /endedTo/],
      // Too large for a double: coerced to Infinity, which a range check alone lets through (a 500 before).
      ['limit=Infinity', /limit/], ['limit=1e400', /limit/], ['createdFrom=1e400', /createdFrom/], ['endedTo=-Infinity', /endedTo/],
      ['cursor=not%20a%20cursor', /cursor/], [`cursor=${notACursor}`, /cursor/],
      ['buttonId=', /buttonId/], [`visitorId=${'x'.repeat(257)}`, /visitorId/], ['agentId=', /agentId/],
      // A misspelt filter would otherwise answer with every chat of the org.
      ['status=ended', /parameter: status: not a parameter/], ['visitor=v1', /parameter: visitor: not a parameter/],
    ];
    for (const [query, names] of refused) {
      const res = await sam.call('GET', `${SEARCH}?${query}`);
      expect(res.status, `${query}: ${res.text}`).toBe(400);
      expect(res.text, query).toMatch(/^Invalid query parameter: /);
      expect(res.text, query).toMatch(names);
    }
    // The edges are fine; an empty time range finds nothing.
    for (const query of ['limit=1', `limit=${MAX_LIMIT}`, 'createdFrom=0', 'state=offered', 'endedTo=0']) expect((await sam.call('GET', `${SEARCH}?${query}`)).status, query).toBe(200);
    expect(await search(sam, 'createdFrom=5&createdTo=5')).toEqual({ chats: [], nextCursor: null });
    // The credential in the query, as every route takes it, is not a filter.
    expect((await sam.call('GET', `${SEARCH}?limit=1&access_token=${sam.accessToken}`, undefined, '')).status).toBe(200);
  });

  it('is for supervisors and admins of the org: agents get 403, and another org\'s chats never show, whatever the filter or cursor', async () => {
    const shared = 'shared-visitor';
    const ours = await unservedChat(BUTTON.solo, shared);
    const theirsUnserved = await unservedChat(BUTTON.other, shared, 'other');
    const eve = await onlineAgent(server, USERS.eve);
    const theirs = (await requestChat(server, BUTTON.other, { visitorId: shared }, 'other')).id;
    await eve.nextOffer(0, theirs);
    await eve.ok('POST', `/agent/v1/chats/${theirs}/accept`);

    expect((await AgentUser.login(server, USERS.alice).then((a) => a.call('GET', SEARCH))).text).toMatch(/^Forbidden: needs role supervisor/);
    expect((await AgentUser.login(server, USERS.alice).then((a) => a.call('GET', SEARCH))).status).toBe(403);
    expect((await new AgentUser(server, USERS.sam).call('GET', SEARCH, undefined, '')).status).toBe(401);

    const sam = await AgentUser.login(server, USERS.sam);
    const root = await AgentUser.login(server, USERS.root);
    const sue = await AgentUser.login(server, USERS.sue);
    const samSees = await ids(sam);
    expect(samSees).toContain(ours);
    expect(await ids(root)).toEqual(samSees);
    const sueSees = await ids(sue);
    expect(sueSees).toEqual(expect.arrayContaining([theirs, theirsUnserved]));
    expect(samSees.filter((id) => sueSees.includes(id))).toEqual([]);
    // The same visitor id in both orgs: each org finds its own chat only.
    expect(await ids(sam, `visitorId=${shared}`)).toEqual([ours]);
    expect(await ids(sue, `visitorId=${shared}`)).toEqual([theirs, theirsUnserved]);
    // Another org's agent or button as a filter finds nothing.
    expect(await ids(sam, `agentId=${USERS.eve.id}`)).toEqual([]);
    expect(await ids(sam, `buttonId=${BUTTON.other}`)).toEqual([]);
    for (const state of ['ended', 'established']) expect((await ids(sam, `state=${state}`)).filter((id) => sueSees.includes(id)), state).toEqual([]);
    // A cursor names a place, not an org: given another org's, a search still reads the caller's org.
    const sueFirst = await search(sue, 'limit=1');
    expect(sueFirst.nextCursor).not.toBeNull();
    const fromTheirCursor = await allPages(sam, `cursor=${encodeURIComponent(sueFirst.nextCursor!)}`);
    expect(fromTheirCursor.length).toBeGreaterThan(0);
    expect(fromTheirCursor.every((c) => samSees.includes(c.chatId))).toBe(true);
    await eve.leave();
  });

  it('never shows an erased visitor\'s chats again (another org\'s with the same visitor id stay)', async () => {
    const gone = 'erase-me-please';
    const erased = [await unservedChat(BUTTON.solo, gone), await unservedChat(BUTTON.idle, gone)];
    const elsewhere = await unservedChat(BUTTON.other, gone, 'other');
    const sam = await AgentUser.login(server, USERS.sam);
    const sue = await AgentUser.login(server, USERS.sue);
    expect(await ids(sam, `visitorId=${gone}`)).toEqual([...erased].reverse());

    const root = await AgentUser.login(server, USERS.root);
    expect(await root.ok('DELETE', `/agent/v1/admin/visitors/${gone}`)).toMatchObject({ deletedChats: 2, activeChats: 0 });
    expect(await ids(sam, `visitorId=${gone}`)).toEqual([]);
    const all = await ids(sam);
    for (const id of erased) expect(all).not.toContain(id);
    expect(await ids(sam, `buttonId=${BUTTON.solo}&endReason=Unavailable`)).not.toContain(erased[0]);
    expect((await sam.call('GET', `/agent/v1/chats/${erased[0]!}/transcript`)).status).toBe(404);
    expect(await ids(sue, `visitorId=${gone}`)).toEqual([elsewhere]);
  });
});
