/**
 * Who stands in a queue's line (ADR 0043): a chat under transfer still has its
 * agent (the visitor reads the sender's name): it is told no place (no
 * QueueUpdate, queuePosition 0 wherever it is asked), though a transfer to a
 * skill or button is offered before the chats after it and counts in their
 * positions. A visitor's request for one named agent without fallback waits for
 * that agent only: it holds no place, and the visitors in line are not told a
 * place behind it. A named-agent request
 * without fallback fails as `Unavailable` as soon as that agent will not take it.
 */
import { describe, expect, it } from 'vitest';
import type { Visitor } from '../protocol/visitor.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, pause, received, requestChat, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

interface Summary { chatId: string; state: string; queuePosition: number }

/** The chat's queuePosition as a supervisor's overview tells it. */
async function queuePosition(chatId: string): Promise<number> {
  const sam = await AgentUser.login(server, USERS.sam);
  const overview = await sam.ok<{ chats: Summary[] }>('GET', '/agent/v1/supervisor/overview');
  const chat = overview.chats.find((c) => c.chatId === chatId);
  if (!chat) throw new Error(`chat ${chatId} is not in the overview`);
  return chat.queuePosition;
}

/** A named-agent request without fallback for Bob, who has room: offered to him at once. */
async function askForBob(name: string): Promise<{ v: Visitor; bob: AgentUser; chatId: string }> {
  const bob = await onlineAgent(server, USERS.bob);
  const v = await requestChat(server, BUTTON.support, { agentId: USERS.bob.id, doFallback: false, visitorName: name });
  const chatId = (await bob.nextOffer()).chatId!;
  return { v, bob, chatId };
}

describe.skipIf(!OWNS_PROCESS)('agent API: who stands in a queue\'s line', () => {
  it('a chat under transfer to a skill gets no QueueUpdate, reports queuePosition 0, and takes no place from the line', async () => {
    const bill = await onlineAgent(server, USERS.bill, { capacity: 1 });
    await acceptedChat(bill, BUTTON.billing, { visitorName: 'Keeps Bill Busy' });
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Under Transfer' });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { skill: 'billing' });
    const next = await requestChat(server, BUTTON.billing, { visitorName: 'In Line' });

    expect((await next.waitFor('ChatRequestSuccess')).message).toMatchObject({ queuePosition: 1 });
    expect(await queuePosition(chatId)).toBe(0);
    await pause(1000); // a QueueUpdate would have come by now (polls hold 0.5 s)
    expect(received(v, 'QueueUpdate')).toEqual([]);
    expect(received(v, 'AgentDisconnect')).toEqual([]);
  });

  it('a chat under transfer to a button is told no place, but counts for the visitors behind it in that line', async () => {
    const bill = await onlineAgent(server, USERS.bill, { capacity: 1 });
    await acceptedChat(bill, BUTTON.billing, { visitorName: 'Keeps Bill Busy' });
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Sent To Billing' });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { buttonId: BUTTON.billing });
    const next = await requestChat(server, BUTTON.billing, { visitorName: 'Behind The Transfer' });

    // The transfer came first and will be offered first: the new visitor is second in line.
    expect((await next.waitFor('ChatRequestSuccess')).message).toMatchObject({ queuePosition: 2 });
    expect(await queuePosition(chatId)).toBe(0);
    await pause(1000);
    expect(received(v, 'QueueUpdate')).toEqual([]);
    expect(received(v, 'AgentDisconnect')).toEqual([]);
  });

  it('a request for one named agent without fallback holds no place: queuePosition 0, and the line ignores it', async () => {
    const bob = await onlineAgent(server, USERS.bob, { capacity: 1 });
    await acceptedChat(bob, BUTTON.support, { visitorName: 'Keeps Bob Busy' });
    const named = await requestChat(server, BUTTON.support, { agentId: USERS.bob.id, doFallback: false, visitorName: 'Only Bob' });
    const other = await requestChat(server, BUTTON.support, { visitorName: 'Anyone' });
    expect((await named.waitFor('ChatRequestSuccess')).message).toMatchObject({ queuePosition: 0 });
    expect((await other.waitFor('ChatRequestSuccess')).message).toMatchObject({ queuePosition: 1 });
    await pause(1000);
    expect(received(named, 'QueueUpdate')).toEqual([]);
  });

  it('fails Unavailable when the agent declines', async () => {
    const { v, bob, chatId } = await askForBob('Declined');
    await bob.ok('POST', `/agent/v1/chats/${chatId}/decline`);
    expect((await v.waitFor('ChatRequestFail')).message).toMatchObject({ reason: 'Unavailable' });
  });

  it('fails Unavailable when the offer times out', async () => {
    // The support button's offers last 1 s.
    const { v } = await askForBob('Timed Out');
    expect((await v.waitFor('ChatRequestFail')).message).toMatchObject({ reason: 'Unavailable' });
  });

  it('fails Unavailable when the agent steps away, with an open offer or while busy', async () => {
    const { v, bob } = await askForBob('Stepped Away');
    await bob.presence('away');
    expect((await v.waitFor('ChatRequestFail')).message).toMatchObject({ reason: 'Unavailable' });

    await bob.presence('online', 1);
    const from = bob.events.length;
    await requestChat(server, BUTTON.support, { visitorName: 'Keeps Bob Busy' });
    await bob.ok('POST', `/agent/v1/chats/${(await bob.nextOffer(from)).chatId!}/accept`);
    const waiting = await requestChat(server, BUTTON.support, { agentId: USERS.bob.id, doFallback: false, visitorName: 'Waits For Bob' });
    await waiting.waitFor('ChatRequestSuccess');
    await bob.presence('away');
    expect((await waiting.waitFor('ChatRequestFail')).message).toMatchObject({ reason: 'Unavailable' });
  });

  it('fails Unavailable when the agent goes offline or drops', async () => {
    const { v, bob } = await askForBob('Went Offline');
    await bob.presence('offline');
    expect((await v.waitFor('ChatRequestFail')).message).toMatchObject({ reason: 'Unavailable' });

    // Dropped: no stream and no heartbeat for the grace period (1 s in the routing config).
    await bob.disconnect();
    const bobAgain = await onlineAgent(server, USERS.bob, { capacity: 1 });
    await acceptedChat(bobAgain, BUTTON.support, { visitorName: 'Keeps Bob Busy' });
    const waiting = await requestChat(server, BUTTON.support, { agentId: USERS.bob.id, doFallback: false, visitorName: 'Waits For Bob' });
    await waiting.waitFor('ChatRequestSuccess');
    await bobAgain.disconnect();
    expect((await waiting.waitFor('ChatRequestFail')).message).toMatchObject({ reason: 'Unavailable' });
  });

  it('with fallback, a decline routes the request by its button as before', async () => {
    const bob = await onlineAgent(server, USERS.bob);
    const v = await requestChat(server, BUTTON.support, { agentId: USERS.bob.id, doFallback: true, visitorName: 'Fallback' });
    const alice = await onlineAgent(server, USERS.alice);
    const chatId = (await bob.nextOffer()).chatId!;
    await bob.ok('POST', `/agent/v1/chats/${chatId}/decline`);
    await alice.nextOffer(0, chatId);
    expect(received(v, 'ChatRequestFail')).toEqual([]);
  });
});
