/**
 * The transcript of a chat longer than a page: read a page at a time
 * (`?after=<offset>&limit=<n>`, each answer saying where the next page starts and
 * whether there is more), limits refused with a clear 400, and the JSON Lines
 * export of the whole chat streamed rather than built in one piece. Who may read
 * a chat is decided without reading its whole log.
 */
import { describe, expect, it } from 'vitest';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, useAgentServer, type Login, type WireEvent } from './agent-fixtures.js';
import type { Visitor } from '../protocol/visitor.js';

const server = useAgentServer();

interface Page {
  chat: Record<string, unknown>;
  prechatDetails: unknown[];
  events: WireEvent[];
  nextAfter: number;
  hasMore: boolean;
}

/** The documented page sizes (docs/agent-api.md, Transcripts). */
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;

/** The visitor sends `n` messages `m1`…`mn`, 50 to a MultiNoun (its most). */
async function sayMany(v: Visitor, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i += 50) {
    const nouns = [];
    for (let k = i; k < Math.min(i + 50, from + n); k++) nouns.push({ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: `m${k}` } });
    const res = await v.post('System/MultiNoun', { nouns });
    expect(res.status, res.text).toBe(200);
  }
}

const transcriptUrl = (chatId: string, query = '') => `/agent/v1/chats/${chatId}/transcript${query ? `?${query}` : ''}`;

/** Every page of the transcript after `after`, `limit` at a time (none: the server's default). */
async function allPages(a: AgentUser, chatId: string, limit?: number, after = 0): Promise<Page[]> {
  const pages: Page[] = [];
  for (;;) {
    const page = await a.ok<Page>('GET', transcriptUrl(chatId, `after=${after}${limit === undefined ? '' : `&limit=${limit}`}`));
    pages.push(page);
    expect(pages.length, 'pages').toBeLessThan(5000);
    if (!page.hasMore) return pages;
    after = page.nextAfter;
  }
}

const texts = (events: WireEvent[]) => events.filter((e) => e.type === 'ChasitorChatMessage').map((e) => String(e.data['text']));
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);

describe.skipIf(!OWNS_PROCESS)('agent API: transcripts of long chats', () => {
  it('pages through a chat longer than a page: every event once, in order, with where the next page starts', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Long Talker', prechatDetails: [{ label: 'Email', value: 'long@example.com', transcriptFields: [], displayToAgent: true }] });
    await sayMany(v, 1100);

    // No parameters: the first page, of the default size.
    const first = await alice.ok<Page>('GET', transcriptUrl(chatId));
    expect(first.events).toHaveLength(DEFAULT_LIMIT);
    expect(first.hasMore).toBe(true);
    expect(first.nextAfter).toBe(first.events.at(-1)!.offset);
    expect(first.chat).toMatchObject({ chatId, visitorName: 'Long Talker', state: 'established' });
    expect(first.prechatDetails).toEqual([expect.objectContaining({ label: 'Email', value: 'long@example.com' })]);
    expect((await alice.ok<Page>('GET', transcriptUrl(chatId, `limit=${MAX_LIMIT}`))).events).toHaveLength(MAX_LIMIT);

    // Every page size gives the same events: each once, in offset order.
    const reference = (await allPages(alice, chatId, MAX_LIMIT)).flatMap((p) => p.events);
    expect(texts(reference)).toEqual(numbered(1100));
    const offsets = reference.map((e) => e.offset);
    expect(offsets).toEqual([...new Set(offsets)].sort((a, b) => a - b));
    for (const limit of [undefined, 333, 1]) {
      const pages = await allPages(alice, chatId, limit);
      if (limit === 1) expect(pages.length).toBe(reference.length);
      for (const p of pages.slice(0, -1)) expect(p.events.length, `a page before the last, limit ${limit}`).toBe(limit ?? DEFAULT_LIMIT);
      expect(pages.flatMap((p) => p.events), `limit ${limit}`).toEqual(reference);
      expect(pages.at(-1)!.nextAfter).toBe(reference.at(-1)!.offset);
    }

    // Past the end: nothing, no more, and the same place to start from.
    const last = reference.at(-1)!.offset;
    expect(await alice.ok<Page>('GET', transcriptUrl(chatId, `after=${last}`))).toMatchObject({ events: [], hasMore: false, nextAfter: last });
    expect(await alice.ok<Page>('GET', transcriptUrl(chatId, `after=${last + 50}`))).toMatchObject({ events: [], hasMore: false, nextAfter: last + 50 });
    // From the middle: exactly what follows.
    const middle = reference[700]!.offset;
    expect((await allPages(alice, chatId, 250, middle)).flatMap((p) => p.events)).toEqual(reference.slice(701));

    // The chat goes on: reading on from the last nextAfter gives what was added since, once.
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'still here' });
    await sayMany(v, 3, 1101);
    const more = await allPages(alice, chatId, 2, last);
    expect(more.flatMap((p) => p.events).map((e) => (e.type === 'ChatMessage' ? 'agent' : String(e.data['text'])))).toEqual(['agent', 'm1101', 'm1102', 'm1103']);
    await alice.leave();
  });

  it('refuses a limit or an offset out of range, and an unknown format, with a 400 that names the parameter', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Bad Query' });
    const refused: [string, RegExp][] = [
      ['limit=0', /limit/], [`limit=${MAX_LIMIT + 1}`, /limit/], ['limit=abc', /limit/], ['limit=2.5', /limit/], ['limit=-3', /limit/],
      ['after=-1', /after/], ['after=x', /after/], ['after=1.5', /after/], ['after=1e400', /after/], ['limit=Infinity', /limit/],
      // Beyond the largest offset a store keeps (PostgreSQL's integer): it answered 500 there.
      ['after=2147483648', /after/], ['after=9007199254740992', /after/],
      ['format=xml', /format/], ['format=jsonl&limit=10', /limit/],
    ];
    for (const [query, names] of refused) {
      const res = await alice.call('GET', transcriptUrl(chatId, query));
      expect(res.status, `${query}: ${res.text}`).toBe(400);
      expect(res.text, query).toMatch(/^Invalid query parameter: /);
      expect(res.text, query).toMatch(names);
    }
    // The edges are fine.
    expect((await alice.call('GET', transcriptUrl(chatId, `limit=1&after=0`))).status).toBe(200);
    const last = await alice.ok<Page>('GET', transcriptUrl(chatId, 'after=2147483647'));
    expect({ events: last.events, nextAfter: last.nextAfter, hasMore: last.hasMore }).toEqual({ events: [], nextAfter: 2147483647, hasMore: false });
    expect((await alice.call('GET', transcriptUrl(chatId, `limit=${MAX_LIMIT}&format=json`))).status).toBe(200);
    await alice.leave();
  });

  it('exports a chat longer than any page as JSON Lines, streamed: the chat line, then every event once, in order', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Exported' });
    await sayMany(v, 2300);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    const events = (await allPages(alice, chatId, MAX_LIMIT)).flatMap((p) => p.events);
    expect(texts(events)).toEqual(numbered(2300));

    const res = await fetch(`${server.baseUrl}${transcriptUrl(chatId, 'format=jsonl')}`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="chat-${chatId}.jsonl"`);
    // Streamed as it is read from the store: no length known up front.
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await res.text()).split('\n');
    expect(lines.pop(), 'ends with a newline').toBe('');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ kind: 'chat', chatId, state: 'ended', visitorName: 'Exported', prechatDetails: [] });
    expect(parsed.slice(1)).toEqual(events.map((e) => ({ kind: 'event', ...e })));

    // From an offset: the chat line, then only what follows it.
    const from = events[2000]!.offset;
    const tail = (await alice.call('GET', transcriptUrl(chatId, `format=jsonl&after=${from}`))).text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(tail[0]!['kind']).toBe('chat');
    expect(tail.slice(1)).toEqual(events.slice(2001).map((e) => ({ kind: 'event', ...e })));
  });

  it('who may read a chat after it ended: each agent that held it (accepted or took a transfer), not one that never did', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Passed Along' });
    await sayMany(v, 600);
    const bob = await onlineAgent(server, USERS.bob);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
    await bob.nextOffer(0, chatId);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatTransferred');
    await bob.ok('POST', `/agent/v1/chats/${chatId}/end`);
    const readers: [Login, number][] = [[USERS.alice, 200], [USERS.bob, 200], [USERS.carol, 403], [USERS.sam, 200]];
    for (const [user, status] of readers) {
      const a = await AgentUser.login(server, user);
      const page = await a.call('GET', transcriptUrl(chatId, 'after=300&limit=5'));
      expect(page.status, `${user.username}: ${page.text}`).toBe(status);
      if (status === 200) expect((page.json as Page).events.map((e) => e.offset)).toEqual([301, 302, 303, 304, 305]);
    }
  });
});
