/**
 * A transfer that does not happen leaves the chat routed as it was: after a
 * transfer to a button or a skill comes back to the caller (the target
 * declined), or a supervisor hands a chat under transfer back to the caller,
 * the chat has its own button again — its idle timeout applies, the views and
 * TransferFailed name it, and an agent disconnect requeues the chat on its own
 * queue, not the target's.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, received, requestChat, useAgentServer,
} from './agent-fixtures.js';

const server = useAgentServer();

interface ChatView {
  chat: { buttonId: string; state: string; agentId: string | null };
}

/** `caller` transfers `chatId` to `target`; `to` declines its offer; resolves with the caller's TransferFailed. */
async function failedTransfer(caller: AgentUser, to: AgentUser, chatId: string, target: Record<string, string>) {
  const from = caller.events.length;
  await caller.ok('POST', `/agent/v1/chats/${chatId}/transfer`, target);
  await to.nextOffer(0, chatId);
  await to.ok('POST', `/agent/v1/chats/${chatId}/decline`, { reason: 'not mine' });
  return caller.nextChatEvent(chatId, 'TransferFailed', from);
}

describe.skipIf(!OWNS_PROCESS)('agent API: a transfer that does not happen leaves the chat routed as it was', () => {
  it("after a failed transfer to a button the chat keeps its own button's idle timeout", async () => {
    const ivy = await onlineAgent(server, USERS.ivy);
    const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Back Again' });
    const bill = await onlineAgent(server, USERS.bill);
    const failed = await failedTransfer(ivy, bill, chatId, { buttonId: BUTTON.billing });
    // The stream says where the chat is routed now, as an offer does.
    expect(failed.data['data']).toEqual({ to: BUTTON.billing, reason: 'OfferDeclined', buttonId: BUTTON.idle, queue: BUTTON.idle });
    expect((await ivy.ok<ChatView>('GET', `/agent/v1/chats/${chatId}`)).chat).toMatchObject({ buttonId: BUTTON.idle, state: 'established', agentId: USERS.ivy.id });
    const listed = await ivy.ok<{ chatId: string; buttonId: string }[]>('GET', '/agent/v1/chats');
    expect(listed.find((c) => c.chatId === chatId)?.buttonId).toBe(BUTTON.idle);

    // The idle button warns after 1 s and ends after 2 s of silence; billing has no idle timeout.
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Still there?' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatEnded'), 'the idle end', 8_000);
    expect(received(v, 'ChasitorIdleTimeoutWarningEvent').map((m) => m.message['type'])).toEqual(['triggered']);
    expect(received(v, 'ChatEnded')[0]!.message['reason']).toBe('chasitorIdleTimeout');
    expect(received(v, 'ChatTransferred')).toHaveLength(0);
  });

  it('an idle timeout that was counting when the transfer started counts again when it fails', async () => {
    const ivy = await onlineAgent(server, USERS.ivy);
    const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Quiet One' });
    const bill = await onlineAgent(server, USERS.bill);
    // Unanswered: the timers start, and the transfer stops them while nobody holds the chat.
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'One moment, I will ask billing.' });
    await failedTransfer(ivy, bill, chatId, { buttonId: BUTTON.billing });
    // The chat is Ivy's again and the visitor never answered: the idle timeout runs again.
    const all = await v.pollUntil((msgs) => msgs.some((m) => m.type === 'ChatEnded'), 'the idle end', 8_000);
    expect(all.find((m) => m.type === 'ChatEnded')!.message['reason']).toBe('chasitorIdleTimeout');
  });

  for (const [what, target, decliner] of [
    ['a button', { buttonId: BUTTON.billing }, USERS.bill],
    ['a skill', { skill: 'sales' }, USERS.carol],
  ] as const) {
    it(`after a failed transfer to ${what}, an agent disconnect requeues the chat on its own queue`, async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Requeued' });
      const other = await onlineAgent(server, decliner);
      const failed = await failedTransfer(alice, other, chatId, target);
      expect(failed.data['data']).toMatchObject({ buttonId: BUTTON.support, queue: BUTTON.support });
      const bob = await onlineAgent(server, USERS.bob);
      const seen = other.events.length;

      await alice.presence('offline');
      await v.waitFor('AgentDisconnect');
      const offer = await bob.nextOffer(0, chatId, 4_000);
      expect(offer.data).toMatchObject({ buttonId: BUTTON.support, queue: BUTTON.support, transfer: true });
      expect(other.events.slice(seen).filter((e) => e.type === 'offer' && e.chatId === chatId)).toEqual([]);
    });
  }

  it('a transfer to an agent declined after its caller went offline: the chat is not offered to the decliner again, and is to the caller once back', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Declined Twice?' });
    const bob = await onlineAgent(server, USERS.bob);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: bob.id });
    await bob.nextOffer(0, chatId);
    await alice.presence('offline');
    const seen = bob.events.length;
    await bob.ok('POST', `/agent/v1/chats/${chatId}/decline`, { reason: 'not mine' });
    await v.waitFor('AgentDisconnect');
    // Bob passed it: back in the support line, it waits rather than ringing him again.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(bob.events.slice(seen).filter((e) => e.type === 'offer' && e.chatId === chatId)).toEqual([]);
    // Alice only went away: back online, she is offered it.
    const from = alice.events.length;
    await alice.presence('online');
    await alice.nextOffer(from, chatId, 4_000);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    expect((await v.waitFor('ChatTransferred')).message['userId']).toBe(USERS.alice.id);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await alice.leave();
    await bob.leave();
  });

  it('a supervisor who hands a chat under transfer back to the caller cancels the transfer; to anyone else, completes it', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    // Bill, the one billing agent, is busy: a transfer to billing waits in its queue.
    const bill = await onlineAgent(server, USERS.bill, { capacity: 1 });
    await acceptedChat(bill, BUTTON.billing, { visitorName: 'Billing First' });
    const sam = await AgentUser.login(server, USERS.sam);

    const back = await acceptedChat(alice, BUTTON.support, { visitorName: 'Handed Back' });
    await alice.ok('POST', `/agent/v1/chats/${back.chatId}/transfer`, { buttonId: BUTTON.billing });
    await sam.ok('POST', `/agent/v1/chats/${back.chatId}/reassign`, { agentId: USERS.alice.id });
    await back.v.waitFor('ChatTransferred');
    expect((await alice.ok<ChatView>('GET', `/agent/v1/chats/${back.chatId}`)).chat).toMatchObject({ buttonId: BUTTON.support, agentId: USERS.alice.id });

    const from = alice.events.length;
    const onV = await requestChat(server, BUTTON.support, { visitorName: 'Handed On' });
    const on = { v: onV, chatId: (await alice.nextOffer(from)).chatId! };
    await alice.ok('POST', `/agent/v1/chats/${on.chatId}/accept`);
    await alice.ok('POST', `/agent/v1/chats/${on.chatId}/transfer`, { buttonId: BUTTON.billing });
    await sam.ok('POST', `/agent/v1/chats/${on.chatId}/reassign`, { agentId: USERS.bill.id });
    await on.v.waitFor('ChatTransferred');
    expect((await bill.ok<ChatView>('GET', `/agent/v1/chats/${on.chatId}`)).chat).toMatchObject({ buttonId: BUTTON.billing, agentId: USERS.bill.id });

    // Alice drops: the chat handed back queues on support, where Bob takes it.
    const bob = await onlineAgent(server, USERS.bob);
    await alice.presence('offline');
    const offer = await bob.nextOffer(0, back.chatId, 4_000);
    expect(offer.data).toMatchObject({ buttonId: BUTTON.support, queue: BUTTON.support });
  });
});
