/**
 * An agent's own past chats (GET /agent/v1/chats/history, docs/adr/0045), on
 * SQLite and on PostgreSQL: the ended chats the agent held, transferred-away ones
 * included, newest first and a page at a time; not a running chat, not one only
 * offered (a transfer still unanswered when the visitor left), not another
 * agent's or org's; `agentId` and unknown parameters are a 400; a former holder
 * reads an ended chat's details and transcript, others get 403. A conference
 * participant counts as having been in the chat (ADR 0051, note): its history, the
 * supervisors' search by agent and the transcript rule list it, whether it left
 * before the end or stayed to it.
 */
import { describe, expect, it } from 'vitest';
import { usePostgresServer, useServer, type TestServer } from '../protocol/harness.js';
import type { Visitor } from '../protocol/visitor.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, onlineAgent, requestChat, routingConfig } from './agent-fixtures.js';

const HISTORY = '/agent/v1/chats/history';

interface Past {
  chatId: string;
  state: string;
  agentId: string | null;
  createdAt: number;
  endReason: string | null;
}

interface Page {
  chats: Past[];
  nextCursor: string | null;
}

/** Every page of `u`'s history at page size `limit`, following nextCursor until it is null. */
async function history(u: AgentUser, limit?: number): Promise<Past[]> {
  const out: Past[] = [];
  let cursor: string | null = null;
  for (let n = 0; ; n++) {
    expect(n, 'pages').toBeLessThan(200);
    const params = new URLSearchParams();
    if (limit !== undefined) params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    const q = params.toString();
    const page = await u.ok<Page>('GET', `${HISTORY}${q ? `?${q}` : ''}`);
    out.push(...page.chats);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

const idsOf = (chats: Past[]) => chats.map((c) => c.chatId);

/** A chat on Alice's button that she accepts; its offer picked by chat id (she has had others). */
async function heldByAlice(server: TestServer, alice: AgentUser, visitorId: string): Promise<{ v: Visitor; chatId: string }> {
  const v = await requestChat(server, BUTTON.toAlice, { visitorId });
  await alice.nextOffer(0, v.id);
  await alice.ok('POST', `/agent/v1/chats/${v.id}/accept`);
  await v.waitFor('ChatEstablished');
  return { v, chatId: v.id };
}

function historySuite(backend: string, server: TestServer): void {
  describe.skipIf(!OWNS_PROCESS)(`agent API: my past chats, on ${backend}`, () => {
    it('lists the ended chats I held, transferred-away ones too, newest first; lets me read them; refuses agentId', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const bob = await onlineAgent(server, USERS.bob);
      const carol = await AgentUser.login(server, USERS.carol);

      // One Alice ended herself.
      const first = await heldByAlice(server, alice, `${backend}-ended`);
      await alice.ok('POST', `/agent/v1/chats/${first.chatId}/end`);
      await first.v.waitFor('ChatEnded');
      // One Alice transferred to Bob, who ended it.
      const moved = await heldByAlice(server, alice, `${backend}-moved`);
      await alice.ok('POST', `/agent/v1/chats/${moved.chatId}/transfer`, { agentId: USERS.bob.id });
      await bob.nextOffer(0, moved.chatId);
      await bob.ok('POST', `/agent/v1/chats/${moved.chatId}/accept`);
      await moved.v.waitFor('ChatTransferred');
      await bob.ok('POST', `/agent/v1/chats/${moved.chatId}/end`);
      await moved.v.waitFor('ChatEnded');
      // One only offered to Alice: the visitor left before she answered.
      const offered = await requestChat(server, BUTTON.toAlice, { visitorId: `${backend}-offered` });
      await alice.nextOffer(0, offered.id);
      await offered.end();
      // One Alice held and offered to Bob, who had not answered when the visitor left: hers, not his.
      const unanswered = await heldByAlice(server, alice, `${backend}-unanswered`);
      await alice.ok('POST', `/agent/v1/chats/${unanswered.chatId}/transfer`, { agentId: USERS.bob.id });
      await bob.nextOffer(0, unanswered.chatId);
      await unanswered.v.end();
      // One Alice holds now: running, so not history yet.
      const running = await heldByAlice(server, alice, `${backend}-running`);

      const mine = await history(alice);
      expect(idsOf(mine)).toEqual([unanswered.chatId, moved.chatId, first.chatId]);
      expect(mine[1]).toMatchObject({ state: 'ended', agentId: USERS.bob.id, endReason: 'agent' });
      expect(mine[2]).toMatchObject({ state: 'ended', agentId: USERS.alice.id, endReason: 'agent' });
      // Each page size gives the same chats in the same order.
      for (const limit of [1, 2, 3, 200]) expect(idsOf(await history(alice, limit)), `limit ${limit}`).toEqual(idsOf(mine));
      const one = await alice.ok<Page>('GET', `${HISTORY}?limit=1`);
      expect(one.chats).toHaveLength(1);
      expect(one.nextCursor).not.toBeNull();
      expect(idsOf(await history(bob))).toEqual([moved.chatId]);
      expect(await history(carol)).toEqual([]);
      expect(idsOf(await history(await AgentUser.login(server, USERS.eve)))).toEqual([]);

      // Alice reads the chat she transferred away, now ended: details and transcript.
      expect((await alice.ok<{ chat: { chatId: string } }>('GET', `/agent/v1/chats/${moved.chatId}`)).chat.chatId).toBe(moved.chatId);
      const transcript = await alice.ok<{ events: { type: string }[] }>('GET', `/agent/v1/chats/${moved.chatId}/transcript`);
      expect(transcript.events.map((e) => e.type)).toEqual(expect.arrayContaining(['ChatEstablished', 'ChatTransferred', 'ChatEnded']));
      // Someone who never held it may not, nor may Alice read the one only offered to her.
      for (const path of [`/agent/v1/chats/${moved.chatId}`, `/agent/v1/chats/${moved.chatId}/transcript`, `/agent/v1/chats/${first.chatId}`]) {
        expect((await carol.call('GET', path)).status, path).toBe(403);
      }
      expect((await alice.call('GET', `/agent/v1/chats/${offered.id}/transcript`)).status).toBe(403);

      // The history is the caller's only: asking for another agent's is a 400 that says so.
      const refused: [string, RegExp][] = [
        [`agentId=${USERS.bob.id}`, /agentId: the history is always your own/], [`agentId=${USERS.alice.id}`, /agentId/],
        ['state=ended', /state: not a parameter/], ['limit=0', /limit/], ['limit=201', /limit/], ['limit=1e400', /limit/], ['cursor=nonsense', /cursor/],
      ];
      for (const [query, names] of refused) {
        const res = await alice.call('GET', `${HISTORY}?${query}`);
        expect(res.status, `${query}: ${res.text}`).toBe(400);
        expect(res.text, query).toMatch(/^Invalid query parameter: /);
        expect(res.text, query).toMatch(names);
      }
      expect((await new AgentUser(server, USERS.alice).call('GET', HISTORY, undefined, '')).status).toBe(401);

      await alice.ok('POST', `/agent/v1/chats/${running.chatId}/end`);
      expect(idsOf(await history(alice))).toEqual([running.chatId, unanswered.chatId, moved.chatId, first.chatId]);
      await alice.leave();
      await bob.leave();
    });

    it('lists the chats I joined as a conference participant, left or stayed; the search by agent finds them; I read their transcript', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const bob = await onlineAgent(server, USERS.bob);
      const sam = await AgentUser.login(server, USERS.sam);
      const carol = await AgentUser.login(server, USERS.carol);
      const join = async (chatId: string) => {
        await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: USERS.bob.id });
        await bob.nextOffer(0, chatId);
        await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
      };
      // Bob joins and leaves before the end.
      const left = await heldByAlice(server, alice, `${backend}-conf-left`);
      await join(left.chatId);
      await left.v.waitFor('AgentJoinedConference');
      await bob.ok('POST', `/agent/v1/chats/${left.chatId}/leave-conference`);
      await left.v.waitFor('AgentLeftConference');
      await alice.ok('POST', `/agent/v1/chats/${left.chatId}/end`);
      // Bob is still in the conference when Alice ends the chat.
      const stayed = await heldByAlice(server, alice, `${backend}-conf-stayed`);
      await join(stayed.chatId);
      await stayed.v.waitFor('AgentJoinedConference');
      await alice.ok('POST', `/agent/v1/chats/${stayed.chatId}/end`);
      // Bob is invited and declines: never in the chat.
      const declined = await heldByAlice(server, alice, `${backend}-conf-declined`);
      await alice.ok('POST', `/agent/v1/chats/${declined.chatId}/conference`, { agentId: USERS.bob.id });
      await bob.nextOffer(0, declined.chatId);
      await bob.ok('POST', `/agent/v1/chats/${declined.chatId}/decline`);
      await alice.ok('POST', `/agent/v1/chats/${declined.chatId}/end`);

      // This test's chats only (the server kept the last test's).
      const ours = (ids: string[]) => ids.filter((id) => [left.chatId, stayed.chatId, declined.chatId].includes(id));
      expect(ours(idsOf(await history(bob)))).toEqual([stayed.chatId, left.chatId]);
      expect(ours(idsOf(await history(alice)))).toEqual([declined.chatId, stayed.chatId, left.chatId]);
      const search = await sam.ok<{ chats: { chatId: string }[] }>('GET', `/agent/v1/supervisor/chats?agentId=${USERS.bob.id}`);
      expect(ours(search.chats.map((c) => c.chatId))).toEqual([stayed.chatId, left.chatId]);
      for (const chatId of [left.chatId, stayed.chatId]) {
        const transcript = await bob.ok<{ events: { type: string }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
        expect(transcript.events.map((e) => e.type)).toEqual(expect.arrayContaining(['AgentJoinedConference', 'ChatEnded']));
        expect((await bob.ok<{ chat: { chatId: string } }>('GET', `/agent/v1/chats/${chatId}`)).chat.chatId).toBe(chatId);
        expect((await carol.call('GET', `/agent/v1/chats/${chatId}/transcript`)).status).toBe(403);
      }
      expect((await bob.call('GET', `/agent/v1/chats/${declined.chatId}/transcript`)).status).toBe(403);
      await alice.leave();
      await bob.leave();
    });
  });
}

historySuite('SQLite', useServer({ pollHoldSeconds: 0.5 }, { config: routingConfig }));
historySuite('PostgreSQL', usePostgresServer('sb_agent_history', { pollHoldSeconds: 0.5 }, routingConfig).server);
