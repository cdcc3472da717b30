/**
 * Chat conferences over real sockets (docs/adr/0051): the holder invites another agent, who gets
 * an offer marked `conference`; once it accepts, the visitor hears AgentJoinedConference {name},
 * both agents hear the visitor once each, the participant speaks under its own name, only the
 * holder transfers or ends, and a participant leaves (AgentLeftConference {name}) by itself, by
 * dropping, or before the chat moves away from its holder.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, received, until, useAgentServer,
} from './agent-fixtures.js';
import type { Visitor } from '../protocol/visitor.js';

const server = useAgentServer();

/** `holder` invites `guest` into `chatId` and `guest` accepts; resolves once the visitor heard of it. */
async function join(holder: AgentUser, guest: AgentUser, chatId: string, v: Visitor): Promise<void> {
  const from = guest.events.length;
  const joinedBefore = received(v, 'AgentJoinedConference').length;
  await holder.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: guest.id });
  const offer = await guest.nextOffer(from, chatId);
  expect(offer.data).toMatchObject({ chatId, transfer: false, conference: { from: holder.id, fromName: holder.login.name } });
  await guest.ok('POST', `/agent/v1/chats/${chatId}/accept`);
  await v.pollUntil((all) => all.filter((m) => m.type === 'AgentJoinedConference').length > joinedBefore, 'AgentJoinedConference');
}

const load = async (a: AgentUser): Promise<number> => (await a.ok<{ load: number }>('PUT', '/agent/v1/presence', { status: 'online' })).load;

describe.skipIf(!OWNS_PROCESS)('agent API: chat conferences', () => {
  it('a participant joins, talks under its own name, hears the visitor once, and leaves', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Conf Visitor' });
    const bob = await onlineAgent(server, USERS.bob);
    expect(await load(bob)).toBe(0);
    const aliceFrom = alice.events.length;
    await join(alice, bob, chatId, v);

    // The visitor's message is exactly the later API's `{name}`; agents also see who it was.
    expect(received(v, 'AgentJoinedConference').map((m) => m.message)).toEqual([{ name: USERS.bob.name }]);
    expect((await alice.nextChatEvent(chatId, 'ConferenceInvited', aliceFrom)).data['data']).toEqual({ from: USERS.alice.id, agentId: USERS.bob.id });
    expect((await alice.nextChatEvent(chatId, 'AgentJoinedConference', aliceFrom)).data['data']).toEqual({ name: USERS.bob.name, agentId: USERS.bob.id });
    // Its load counts the chat; the chat lists it among the participants, to both agents.
    expect(await load(bob)).toBe(1);
    expect((await bob.ok<{ chatId: string; participants: string[] }[]>('GET', '/agent/v1/chats')).find((c) => c.chatId === chatId)?.participants).toEqual([USERS.bob.id]);
    expect((await alice.ok<{ chatId: string; participants: string[] }[]>('GET', '/agent/v1/chats')).find((c) => c.chatId === chatId)?.participants).toEqual([USERS.bob.id]);

    // The participant speaks and types under its own name and id; the holder hears it, the participant is not echoed.
    const bobFrom = bob.events.length;
    await bob.ok('POST', `/agent/v1/chats/${chatId}/typing`, { typing: true });
    await bob.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Bob here, from billing.' });
    const said = await v.waitFor('ChatMessage', 'the participant message');
    expect(said.message).toMatchObject({ text: 'Bob here, from billing.', name: USERS.bob.name, agentId: USERS.bob.id });
    expect(received(v, 'AgentTyping').at(-1)!.message).toEqual({ name: USERS.bob.name, agentId: USERS.bob.id });
    expect((await alice.nextChatEvent(chatId, 'ChatMessage', aliceFrom)).data['data']).toMatchObject({ agentId: USERS.bob.id });
    // The visitor's messages reach every agent of the chat once, in order.
    await v.say('one');
    await v.say('two');
    await until(() => alice.chatEvents(chatId, 'ChasitorChatMessage').length >= 2 && bob.chatEvents(chatId, 'ChasitorChatMessage').length >= 2, 'both agents hear the visitor');
    for (const a of [alice, bob]) expect(a.chatEvents(chatId, 'ChasitorChatMessage').map((e) => (e.data['data'] as { text: string }).text)).toEqual(['one', 'two']);
    expect(bob.events.slice(bobFrom).filter((e) => e.type === 'chat.event' && e.data['type'] === 'ChatMessage')).toEqual([]);
    // The participant reads the chat and its transcript.
    await bob.ok('GET', `/agent/v1/chats/${chatId}`);
    const transcript = await bob.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(transcript.events.filter((e) => e.type === 'AgentJoinedConference').map((e) => e.data)).toEqual([{ name: USERS.bob.name, agentId: USERS.bob.id }]);

    // Only the holder transfers, ends, invites or sends custom events.
    for (const [action, body] of [['transfer', { skill: 'sales' }], ['end', undefined], ['events', { type: 't', data: 'd' }], ['conference', { agentId: USERS.carol.id }], ['file-requests', {}]] as const) {
      const res = await bob.call('POST', `/agent/v1/chats/${chatId}/${action}`, body);
      expect(res.status, `${action}: ${res.text}`).toBe(403);
      expect(res.text).toContain("Only the chat's holder may do this");
    }

    // Leaving: the visitor hears AgentLeftConference {name}, the load is free, the chat is no longer the participant's.
    await bob.ok('POST', `/agent/v1/chats/${chatId}/leave-conference`);
    const left = await v.waitFor('AgentLeftConference');
    expect(left.message).toEqual({ name: USERS.bob.name });
    expect((await alice.nextChatEvent(chatId, 'AgentLeftConference', aliceFrom)).data['data']).toEqual({ name: USERS.bob.name, agentId: USERS.bob.id, reason: 'left' });
    expect(await load(bob)).toBe(0);
    expect((await bob.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'still here?' })).status).toBe(403);
    // It saw the chat: it still reads the transcript of the running chat (ADR 0051 note), not its details.
    expect((await bob.call('GET', `/agent/v1/chats/${chatId}`)).status).toBe(403);
    expect((await bob.ok<{ events: { type: string }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events.map((e) => e.type)).toContain('AgentLeftConference');
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Thanks, Bob.' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'Thanks, Bob.'), 'the holder still talks');
  });

  it('refuses an invitation the chat cannot take, one at a time, up to conferenceMaxAgents', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const path = `/agent/v1/chats/${chatId}/conference`;
    const offline = await AgentUser.login(server, USERS.dave);
    for (const [who, why] of [[USERS.alice.id, 'the caller'], [USERS.eve.id, 'another org'], [offline.id, 'offline'], ['nobody', 'unknown']] as const) {
      const res = await alice.call('POST', path, { agentId: who });
      expect(res.status, `${why}: ${res.text}`).toBe(409);
      expect(res.text).toContain('cannot join the chat now');
    }
    expect((await alice.call('POST', path, {})).status).toBe(400);
    const bob = await onlineAgent(server, USERS.bob);
    const carol = await onlineAgent(server, USERS.carol);
    const ivy = await onlineAgent(server, USERS.ivy);
    await alice.ok('POST', path, { agentId: bob.id });
    const pending = await alice.call('POST', path, { agentId: carol.id });
    expect(pending.status).toBe(409);
    expect(pending.text).toContain(`A conference invitation of this chat is pending: ${USERS.bob.id}`);
    await bob.nextOffer(0, chatId);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('AgentJoinedConference');
    expect((await alice.call('POST', path, { agentId: bob.id })).status).toBe(409);
    await join(alice, carol, chatId, v);
    const full = await alice.call('POST', path, { agentId: ivy.id });
    expect(full.status).toBe(409);
    expect(full.text).toContain('The chat has as many agents as it may: at most 3 agents per chat');
  });

  it('a declined or unanswered invitation comes back to the holder, and the visitor hears nothing', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const bob = await onlineAgent(server, USERS.bob);
    const from = alice.events.length;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: bob.id });
    await bob.nextOffer(0, chatId);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/decline`, { reason: 'busy' });
    expect((await alice.nextChatEvent(chatId, 'ConferenceInviteFailed', from)).data['data']).toEqual({ agentId: USERS.bob.id, reason: 'OfferDeclined', detail: 'busy' });
    expect(await load(bob)).toBe(0);
    // Unanswered: the button's offer timeout (1 s) withdraws it.
    const again = alice.events.length;
    const bobFrom = bob.events.length;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: bob.id });
    expect((await alice.nextChatEvent(chatId, 'ConferenceInviteFailed', again)).data['data']).toEqual({ agentId: USERS.bob.id, reason: 'OfferTimedOut' });
    expect((await bob.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId, 'withdrawn', bobFrom)).data).toEqual({ chatId, reason: 'OfferTimedOut' });
    expect((await bob.call('POST', `/agent/v1/chats/${chatId}/accept`)).status).toBe(409);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Just us.' });
    await v.waitFor('ChatMessage');
    expect(received(v, 'AgentJoinedConference')).toEqual([]);
  });

  it('the stream socket takes the conference commands', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const bob = await onlineAgent(server, USERS.bob);
    expect(await alice.command('conference', chatId, { agentId: bob.id })).toMatchObject({ ok: true, result: { ok: true } });
    await bob.nextOffer(0, chatId);
    expect(await bob.command('accept', chatId)).toMatchObject({ ok: true });
    await v.waitFor('AgentJoinedConference');
    expect(await bob.command('end', chatId)).toMatchObject({ ok: false, status: 403 });
    expect(await bob.command('leave-conference', chatId)).toMatchObject({ ok: true });
    expect((await v.waitFor('AgentLeftConference')).message).toEqual({ name: USERS.bob.name });
    expect(await bob.command('leave-conference', chatId)).toMatchObject({ ok: false, status: 403 });
  });

  it('participants leave before a transfer moves the chat; the one who drops leaves too', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Moved' });
    const bob = await onlineAgent(server, USERS.bob);
    const carol = await onlineAgent(server, USERS.carol);
    await join(alice, bob, chatId, v);
    await join(alice, carol, chatId, v);
    // Carol goes offline: she leaves, the visitor hears it.
    const carolFrom = carol.events.length;
    await carol.presence('offline');
    await v.pollUntil((all) => all.some((m) => m.type === 'AgentLeftConference'), 'Carol leaves');
    expect(received(v, 'AgentLeftConference').map((m) => m.message)).toEqual([{ name: USERS.carol.name }]);
    expect((await carol.nextChatEvent(chatId, 'AgentLeftConference', carolFrom)).data['data']).toMatchObject({ agentId: USERS.carol.id, reason: 'disconnected' });

    // Alice transfers the chat to Dave: Bob leaves first, before the chat moves.
    const dave = await onlineAgent(server, USERS.dave);
    const bobFrom = bob.events.length;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: dave.id });
    expect((await bob.nextChatEvent(chatId, 'AgentLeftConference', bobFrom)).data['data']).toMatchObject({ agentId: USERS.bob.id, reason: 'chatMoved' });
    expect(await load(bob)).toBe(0);
    await dave.nextOffer(0, chatId);
    await dave.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    const all = await v.pollUntil((msgs) => msgs.some((m) => m.type === 'ChatTransferred'), 'ChatTransferred');
    const types = all.map((m) => m.type).filter((t) => t === 'AgentLeftConference' || t === 'ChatTransferred');
    expect(types).toEqual(['AgentLeftConference', 'AgentLeftConference', 'ChatTransferred']);
    expect(received(v, 'AgentLeftConference').map((m) => m.message)).toEqual([{ name: USERS.carol.name }, { name: USERS.bob.name }]);
    expect((await bob.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'hello?' })).status).toBe(403);
    expect((await dave.ok<{ chatId: string; participants: string[] }[]>('GET', '/agent/v1/chats')).find((c) => c.chatId === chatId)?.participants).toEqual([]);
  });

  it('a supervisor takeover makes the participant leave first; a resync re-sends a join the visitor missed, once', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Taken Over' });
    const bob = await onlineAgent(server, USERS.bob);
    // The join happens while the visitor is not polling; then its node "changes" (503) and it resyncs.
    await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: bob.id });
    await bob.nextOffer(0, chatId);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await until(() => alice.chatEvents(chatId, 'AgentJoinedConference').length > 0, 'the join is durable');
    await v.resyncAfter503();
    await v.pollUntil((all) => all.some((m) => m.type === 'AgentJoinedConference'), 'the join, re-sent after the snapshot');
    await bob.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'after the resync' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'after the resync'), 'a later message');
    expect(received(v, 'AgentJoinedConference')).toHaveLength(1);

    const sam = await onlineAgent(server, USERS.sam);
    const bobFrom = bob.events.length;
    await sam.ok('POST', `/agent/v1/chats/${chatId}/takeover`);
    expect((await bob.nextChatEvent(chatId, 'AgentLeftConference', bobFrom)).data['data']).toMatchObject({ agentId: USERS.bob.id, reason: 'chatMoved' });
    const all = await v.pollUntil((msgs) => msgs.some((m) => m.type === 'ChatTransferred'), 'ChatTransferred to the supervisor');
    expect(all.map((m) => m.type).filter((t) => t === 'AgentLeftConference' || t === 'ChatTransferred')).toEqual(['AgentLeftConference', 'ChatTransferred']);
    expect(await load(bob)).toBe(0);
    expect(received(v, 'AgentJoinedConference')).toHaveLength(1);
  });

  it('a resync re-sends each agent\'s typing state, not only the last typing agent\'s (ADR 0051 note)', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Two Typing' });
    const bob = await onlineAgent(server, USERS.bob);
    await join(alice, bob, chatId, v);
    // While the visitor is not polling: Alice types; Bob types, then sends (his typing ends at his message).
    await alice.ok('POST', `/agent/v1/chats/${chatId}/typing`, { typing: true });
    await bob.ok('POST', `/agent/v1/chats/${chatId}/typing`, { typing: true });
    await bob.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Bob, done typing.' });
    await v.resyncAfter503();
    const snapshotAt = v.received.findLastIndex((m) => m.type === 'ChasitorSessionData');
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'after the resync' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'after the resync'), 'a later message');
    const typing = v.received.slice(snapshotAt).filter((m) => m.type === 'AgentTyping' || m.type === 'AgentNotTyping');
    // Alice is still typing (her state is re-sent); Bob's typing ended at his message, which the snapshot has.
    expect(typing.map((m) => [m.type, m.message['agentId']])).toEqual([['AgentTyping', USERS.alice.id]]);

    // Both typing at the resync: both states are re-sent, each once.
    await alice.ok('POST', `/agent/v1/chats/${chatId}/typing`, { typing: true });
    await bob.ok('POST', `/agent/v1/chats/${chatId}/typing`, { typing: true });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/typing`, { typing: false });
    await v.resyncAfter503();
    const again = v.received.findLastIndex((m) => m.type === 'ChasitorSessionData');
    await bob.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'second resync' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'second resync'), 'a later message');
    const states = v.received.slice(again).filter((m) => m.type === 'AgentTyping' || m.type === 'AgentNotTyping');
    expect(states.map((m) => [m.type, m.message['agentId']])).toEqual([['AgentTyping', USERS.bob.id], ['AgentNotTyping', USERS.alice.id]]);
  });

  it("the holder's disconnect makes the participant leave before AgentDisconnect", async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Dropped Holder' });
    const bob = await onlineAgent(server, USERS.bob);
    await join(alice, bob, chatId, v);
    // Alice's stream closes and she is not back within the grace (1 s here): the monitor drops her.
    await alice.disconnect();
    const all = await v.pollUntil((msgs) => msgs.some((m) => m.type === 'AgentDisconnect'), 'AgentDisconnect', 10_000);
    expect(all.map((m) => m.type).filter((t) => t === 'AgentLeftConference' || t === 'AgentDisconnect')).toEqual(['AgentLeftConference', 'AgentDisconnect']);
    expect(received(v, 'AgentLeftConference').map((m) => m.message)).toEqual([{ name: USERS.bob.name }]);
  });
});

