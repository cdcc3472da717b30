/**
 * Transfers and named-agent requests across a real restart of the server, on the
 * same SQLite file and on PostgreSQL (ADR 0043). Everyone starts offline after a
 * restart, as if every target had just left: what was waiting for an agent waits
 * on for the agents' grace period (agentGraceSeconds, counted from start), so the
 * targets can come back; only then does what nobody can take fail.
 */
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../protocol/harness.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, pause, received, requestChat, useAgentServerPerStore } from './agent-fixtures.js';

/** Long enough for a restart and a few logins, short enough to wait out. */
const GRACE_SECONDS = 5;

const stores = useAgentServerPerStore('sb_restart_transfers', { agentGraceSeconds: GRACE_SECONDS });

interface TranscriptEvent { type: string; data: Record<string, unknown> }

async function transcript(server: TestServer, chatId: string): Promise<TranscriptEvent[]> {
  const sam = await AgentUser.login(server, USERS.sam);
  return (await sam.ok<{ events: TranscriptEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events;
}

for (const [store, server] of stores) {
  describe.skipIf(!OWNS_PROCESS)(`agent API: transfers across a restart (${store})`, () => {
    it('a transfer to one agent waits for that agent to come back, and happens', async () => {
      const dave = await onlineAgent(server, USERS.dave);
      const bob = await onlineAgent(server, USERS.bob);
      const { v, chatId } = await acceptedChat(dave, BUTTON.solo, { visitorName: 'Mid Transfer' });
      // The solo button's offers last 5 s: the restart comes while Bob's offer is open.
      await dave.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
      await bob.nextOffer(0, chatId);
      await server.restart();

      // The sender is back first: before, the transfer was cancelled at start and the chat
      // offered to Dave again at once, as any chat of its queue.
      const daveAgain = await onlineAgent(server, USERS.dave);
      await pause(1000);
      expect(daveAgain.offers()).toEqual([]);
      const bobAgain = await onlineAgent(server, USERS.bob);
      await bobAgain.nextOffer(0, chatId);
      await bobAgain.ok('POST', `/agent/v1/chats/${chatId}/accept`);
      await v.waitFor('ChatTransferred');
      expect(received(v, 'ChatTransferred').at(-1)?.message).toMatchObject({ userId: USERS.bob.id });
      expect((await transcript(server, chatId)).filter((e) => e.type === 'TransferFailed')).toEqual([]);
    });

    it('a transfer to one agent who does not come back returns to its sender after the grace, NoAgentLeft', async () => {
      const dave = await onlineAgent(server, USERS.dave);
      await onlineAgent(server, USERS.bob);
      const { v, chatId } = await acceptedChat(dave, BUTTON.solo, { visitorName: 'Bob Never Came' });
      await dave.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
      // Taken before the restart: the new process starts its grace after this, so the grace is a
      // lower bound whatever the start-up takes (taken after, a slow start ate into the margin).
      const startedAt = Date.now();
      await server.restart();

      const daveAgain = await onlineAgent(server, USERS.dave);
      const failed = await daveAgain.nextChatEvent(chatId, 'TransferFailed', 0);
      // Not before the grace: Dave was back long before it ended.
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 50);
      expect(failed.data['data']).toMatchObject({ to: USERS.bob.id, reason: 'NoAgentLeft' });
      // Dave has the chat again: he can write in it, and the visitor never heard of a transfer.
      await daveAgain.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Still here' });
      await v.waitFor('ChatMessage');
      expect(received(v, 'ChatTransferred')).toEqual([]);
      expect(received(v, 'AgentDisconnect')).toEqual([]);
    });

    it('a transfer to a skill waits for its agent to come back, whoever is back first', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const bill = await onlineAgent(server, USERS.bill, { capacity: 1 });
      await acceptedChat(bill, BUTTON.billing, { visitorName: 'Billing First' }); // Bill is full
      const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'For Billing' });
      await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { skill: 'billing' });
      await server.restart();

      // Alice's presence change came first: before, it failed the transfer back to her at once.
      const aliceAgain = await onlineAgent(server, USERS.alice);
      await pause(1000);
      expect(aliceAgain.chatEvents(chatId, 'TransferFailed')).toEqual([]);
      const billAgain = await onlineAgent(server, USERS.bill); // capacity 2 again from the config
      await billAgain.nextOffer(0, chatId);
      await billAgain.ok('POST', `/agent/v1/chats/${chatId}/accept`);
      await v.waitFor('ChatTransferred');
      expect(received(v, 'ChatTransferred').at(-1)?.message).toMatchObject({ userId: USERS.bill.id });
    });

    it('a transfer whose sender and targets all stay away queues the chat after the grace, as documented', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const bill = await onlineAgent(server, USERS.bill, { capacity: 1 });
      await acceptedChat(bill, BUTTON.billing, { visitorName: 'Billing First' });
      const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Nobody Back' });
      await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { skill: 'billing' });
      await server.restart();

      // Bob serves the chat's own button (support): it comes to him once the transfer failed.
      const bob = await onlineAgent(server, USERS.bob);
      await v.waitFor('AgentDisconnect');
      const offer = await bob.nextOffer(0, chatId, 10_000);
      expect(offer.data['transfer']).toBe(true);
      const failed = (await transcript(server, chatId)).filter((e) => e.type === 'TransferFailed');
      expect(failed.map((e) => e.data)).toEqual([expect.objectContaining({ to: 'skill:billing', reason: 'NoAgentLeft', buttonId: BUTTON.support })]);
    });

    it('a transfer that fails back to its sender after a restart resumes the visitor\'s idle count it suspended', async () => {
      const ivy = await onlineAgent(server, USERS.ivy);
      await onlineAgent(server, USERS.bob);
      // The idle button warns after 1 s and ends the chat after 2 s of an unanswered agent message.
      const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Went Quiet' });
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Anything else?' });
      // At once: the count stops while the chat is away from Ivy (well before the warning).
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
      await server.restart();

      // Ivy is back, Bob is not: after the grace the chat is Ivy's again, and the visitor still
      // owes her an answer, so the count goes on as it does for a transfer that fails without a restart.
      const ivyAgain = await onlineAgent(server, USERS.ivy);
      await ivyAgain.nextChatEvent(chatId, 'TransferFailed', 0);
      const ended = await v.waitFor('ChatEnded', 'ChatEnded by the idle timeout');
      expect(ended.message).toMatchObject({ reason: 'chasitorIdleTimeout' });
    });

    it('a supervisor\'s reassign of a chat whose transfer was pending at the restart resumes the idle count', async () => {
      const ivy = await onlineAgent(server, USERS.ivy);
      await onlineAgent(server, USERS.bob);
      const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Quiet Through Restart' });
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Anything else?' });
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
      await server.restart();

      // Within the grace (Bob not back): a supervisor hands the chat back to Ivy. The count the
      // transfer suspended goes on for her, as without a restart.
      await onlineAgent(server, USERS.ivy);
      const sam = await AgentUser.login(server, USERS.sam);
      await sam.ok('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS.ivy.id });
      const ended = await v.waitFor('ChatEnded', 'ChatEnded by the idle timeout');
      expect(ended.message).toMatchObject({ reason: 'chasitorIdleTimeout' });
    });

    it('after a restart, an agent who accepted a transfer does not inherit the sender\'s unanswered message', async () => {
      const ivy = await onlineAgent(server, USERS.ivy);
      const bob = await onlineAgent(server, USERS.bob);
      const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Answered Nobody' });
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Anything else?' });
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
      await bob.nextOffer(0, chatId);
      await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
      await v.waitFor('ChatTransferred');
      await server.restart();

      // Bob starts from his own first message, as without the restart: before, the restart read
      // Ivy's unanswered message from the log and ended the chat 2 s later.
      const bobAgain = await onlineAgent(server, USERS.bob);
      await pause(3_000);
      // Still open: an ended chat answers Bob's message 409.
      const seen = v.received.length;
      await bobAgain.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Bob here, anything else?' });
      await v.waitFor('ChatMessage', 'Bob\'s message', seen);
      expect(received(v, 'ChatEnded')).toEqual([]);
      const ended = await v.waitFor('ChatEnded', 'ChatEnded by the idle timeout');
      expect(ended.message).toMatchObject({ reason: 'chasitorIdleTimeout' });
    });

    it('a request for one named agent without fallback waits for the grace, then fails Unavailable', async () => {
      const bob = await onlineAgent(server, USERS.bob, { capacity: 1 });
      await acceptedChat(bob, BUTTON.support, { visitorName: 'Keeps Bob Busy' });
      const v = await requestChat(server, BUTTON.support, { agentId: USERS.bob.id, doFallback: false, visitorName: 'Only Bob' });
      // It waits for Bob only: no place in the support queue's line (ADR 0043).
      expect((await v.waitFor('ChatRequestSuccess')).message).toMatchObject({ queuePosition: 0 });
      // Taken before the restart: the new process starts its grace after this, so the grace is a
      // lower bound whatever the start-up takes (taken after, a slow start ate into the margin).
      const startedAt = Date.now();
      await server.restart();

      // Alice serves the button but was not asked for; Bob never comes back.
      await onlineAgent(server, USERS.alice);
      const fail = await v.waitFor('ChatRequestFail');
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 50);
      expect(fail.message).toMatchObject({ reason: 'Unavailable' });
    });
  });
}
