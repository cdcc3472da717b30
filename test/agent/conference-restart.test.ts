/**
 * A conference across kill -9, on the same SQLite file and on PostgreSQL (docs/adr/0051): the
 * participant is still in the chat after the restart (its load counts it, it talks, it leaves), an
 * invitation open at the crash is withdrawn (`restart`), and the visitor, polling on, gets nothing
 * it was sent twice; the chat, ended, is in the participant's past chats. The PostgreSQL server has a scratch database of its own, as the other restart
 * tests (restart-transfers, file-transfer-restart).
 */
import { describe, expect, it } from 'vitest';
import { BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, received, useAgentServerPerStore } from './agent-fixtures.js';

const stores = useAgentServerPerStore('sb_restart_conference', { agentGraceSeconds: 30 });

for (const [store, server] of stores) {
  describe.skipIf(!OWNS_PROCESS)(`a conference across kill -9 (${store})`, () => {
    it('keeps its participant, withdraws an open invitation, and repeats nothing to the visitor', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Restart Visitor' });
      const bob = await onlineAgent(server, USERS.bob);
      await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: bob.id });
      await bob.nextOffer(0, chatId);
      await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
      await v.waitFor('AgentJoinedConference');
      await bob.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Before the crash.' });
      await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the message before the crash');
      // Carol's invitation is open at the crash.
      const carol = await onlineAgent(server, USERS.carol);
      await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: carol.id });
      await carol.nextOffer(0, chatId);

      await server.kill9();
      await server.start();

      const alice2 = await onlineAgent(server, USERS.alice);
      const bob2 = await onlineAgent(server, USERS.bob);
      const listed = await bob2.ok<{ chatId: string; agentId: string; participants: string[] }[]>('GET', '/agent/v1/chats');
      expect(listed.find((c) => c.chatId === chatId)).toMatchObject({ agentId: USERS.alice.id, participants: [USERS.bob.id] });
      expect((await bob2.presence('online')).load).toBe(1);
      await bob2.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'After the restart.' });
      // The invitation did not survive: the holder may invite again.
      const events = (await alice2.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events;
      expect(events.filter((e) => e.type === 'ConferenceInviteFailed').map((e) => e.data)).toEqual([{ agentId: USERS.carol.id, reason: 'restart' }]);
      expect(events.filter((e) => e.type === 'AgentJoinedConference')).toHaveLength(1);

      await bob2.ok('POST', `/agent/v1/chats/${chatId}/leave-conference`);
      await v.pollUntil((all) => all.some((m) => m.type === 'AgentLeftConference'), 'AgentLeftConference after the restart');
      expect(received(v, 'ChatMessage').map((m) => m.message['text'])).toEqual(['Before the crash.', 'After the restart.']);
      expect(received(v, 'AgentJoinedConference')).toHaveLength(1);
      expect(received(v, 'AgentLeftConference').map((m) => m.message)).toEqual([{ name: USERS.bob.name }]);
      expect((await bob2.presence('online')).load).toBe(0);
      await alice2.ok('POST', `/agent/v1/chats/${chatId}/end`);
      // What it was in, it was in across the restart: the chat is in the participant's past chats.
      const past = await bob2.ok<{ chats: { chatId: string }[] }>('GET', '/agent/v1/chats/history');
      expect(past.chats.map((c) => c.chatId)).toContain(chatId);
    });
  });
}
