/**
 * Auto Away on Push Time-Out and on Decline (ADR 0054), over real sockets: the
 * routing org has `autoAwayOnOfferTimeout` and `autoAwayOnDecline` on, the other
 * org has neither (today's behaviour). An agent set away gets a `presence` event
 * with the reason; the next chat goes to another agent at once; a bot (capacity
 * 0) never goes away. A transfer's offer and a conference invitation (ADR 0054,
 * note) count as offers: the agent who lets one time out or declines it goes away,
 * the sender does not.
 */
import { describe, expect, it } from 'vitest';
import type { TestSettings } from '../protocol/harness.js';
import type {
  AgentUser} from './agent-fixtures.js';
import { BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, pause, requestChat, routingConfig, until, useAgentServer, type StreamEvent,
} from './agent-fixtures.js';

interface OrgEntry { agents: { id: string; skills: string[] }[]; [key: string]: unknown }

/** The routing config with the switches on in the routing org; the other org's supervisor serves `support` too. */
function autoAwayConfig(settings: TestSettings): object {
  const config = routingConfig(settings) as { orgs: OrgEntry[] };
  Object.assign(config.orgs[0]!, { autoAwayOnOfferTimeout: true, autoAwayOnDecline: true });
  config.orgs[1]!.agents.find((a) => a.id === USERS.sue.id)!.skills = ['support'];
  return config;
}

const server = useAgentServer({}, { config: autoAwayConfig });

const isPresence = (status: string) => (e: StreamEvent) => e.type === 'presence' && e.data['status'] === status;

/** The log events of `type` in a chat's transcript, as `reader` reads it. */
async function logged(reader: AgentUser, chatId: string, type: string): Promise<Record<string, unknown>[]> {
  const transcript = await reader.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
  return transcript.events.filter((e) => e.type === type).map((e) => e.data);
}

/** Two agents online; the chat's first offer goes to one of them (`silent`), who lets it time out. */
async function timedOutOffer(one: AgentUser, two: AgentUser, org: 'main' | 'other'): Promise<{ silent: AgentUser; other: AgentUser; chatId: string }> {
  await requestChat(server, org === 'main' ? BUTTON.support : BUTTON.other, { visitorName: 'First' }, org);
  await Promise.race([one.nextOffer(), two.nextOffer()]);
  const silent = one.offers().length > 0 ? one : two;
  const other = silent === one ? two : one;
  const chatId = silent.offers()[0]!.chatId!;
  expect((await silent.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId, 'the timed-out offer', 0, 5_000)).data['reason']).toBe('OfferTimedOut');
  await other.nextOffer(0, chatId);
  await other.ok('POST', `/agent/v1/chats/${chatId}/accept`);
  return { silent, other, chatId };
}

describe.skipIf(!OWNS_PROCESS)('agent API: auto away on offer timeout and decline', () => {
  it('switched off (the default): an agent whose offer timed out stays online and is offered the next chat first', async () => {
    const eve = await onlineAgent(server, USERS.eve);
    const sue = await onlineAgent(server, USERS.sue);
    const { silent, other } = await timedOutOffer(eve, sue, 'other');
    expect(silent.events.filter(isPresence('away'))).toEqual([]);
    // Most Available: the silent agent (no chat) is picked for the next chat, and the visitor waits on it.
    const from = silent.events.length;
    await requestChat(server, BUTTON.other, { visitorName: 'Second' }, 'other');
    await silent.nextOffer(from);
    expect(other.offers()).toHaveLength(1);
    await eve.leave();
    await sue.leave();
  });

  it('switched on: the agent goes away with reason offer-timeout, and the next chat goes to another agent at once', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);
    const { silent, other, chatId } = await timedOutOffer(alice, bob, 'main');
    const away = await silent.next(isPresence('away'), 'the presence event of the auto away');
    expect(away.data).toMatchObject({ status: 'away', reason: 'offer-timeout', load: 0 });
    expect(other.events.filter(isPresence('away'))).toEqual([]);
    // The transcript's OfferTimedOut is as it always was.
    const transcript = await other.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(transcript.events.filter((e) => e.type === 'OfferTimedOut').map((e) => e.data)).toEqual([{ agentId: silent.id }]);

    const from = other.offers().length;
    const requestedAt = Date.now();
    await requestChat(server, BUTTON.support, { visitorName: 'Second' });
    await until(() => other.offers().length > from, 'the next chat offered to the agent still online', 900);
    expect(Date.now() - requestedAt).toBeLessThan(900); // not after the away agent's 1 s offer
    expect(silent.offers()).toHaveLength(1);
    // Away is away: setting online again makes it routable, with no reason on that event.
    await silent.presence('online');
    const back = await silent.next(isPresence('online'), 'online again', silent.events.indexOf(away) + 1);
    expect(back.data['reason']).toBeUndefined();
    await alice.leave();
    await bob.leave();
  });

  it('switched on: the chats the agent holds stay its own when it is set away', async () => {
    const bob = await onlineAgent(server, USERS.bob);
    await requestChat(server, BUTTON.support, { visitorName: 'Held' });
    const held = (await bob.nextOffer()).chatId!;
    await bob.ok('POST', `/agent/v1/chats/${held}/accept`);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Ignored' });
    const ignored = (await bob.next((e) => e.type === 'offer' && e.chatId !== held, 'the second offer')).chatId!;
    expect((await bob.next(isPresence('away'), 'the auto away', 0, 5_000)).data['reason']).toBe('offer-timeout');
    expect((await bob.next((e) => e.type === 'offer.withdrawn' && e.chatId === ignored, 'the withdrawn offer')).data['reason']).toBe('OfferTimedOut');
    await bob.ok('POST', `/agent/v1/chats/${held}/messages`, { text: 'still here' });
    expect((await bob.ok<{ status: string; load: number }>('PUT', '/agent/v1/presence', { status: 'away' })).load).toBe(1);
    await v.end();
    await bob.leave();
  });

  it('switched on: declining sets the agent away with reason offer-declined; the chat goes to the next agent', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);
    await requestChat(server, BUTTON.support, { visitorName: 'Declined' });
    await Promise.race([alice.nextOffer(), bob.nextOffer()]);
    const first = alice.offers().length > 0 ? alice : bob;
    const second = first === alice ? bob : alice;
    const chatId = first.offers()[0]!.chatId!;
    await first.ok('POST', `/agent/v1/chats/${chatId}/decline`, { reason: 'busy' });
    expect((await first.next(isPresence('away'), 'the auto away')).data).toMatchObject({ status: 'away', reason: 'offer-declined' });
    await second.nextOffer(0, chatId);
    await second.ok('POST', `/agent/v1/chats/${chatId}/decline`, {});
    expect((await second.next(isPresence('away'), 'the second auto away')).data['reason']).toBe('offer-declined');
    await alice.leave();
    await bob.leave();
  });

  it('switched on: a transfer\'s offer that times out sets its target away (offer-timeout); the sender keeps the chat and stays online', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Transferred' });
    const bob = await onlineAgent(server, USERS.bob);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
    const offer = await bob.nextOffer(0, chatId);
    expect(offer.data['transfer']).toBe(true);
    expect((await bob.next(isPresence('away'), 'the auto away of the transfer\'s target', 0, 5_000)).data).toMatchObject({ status: 'away', reason: 'offer-timeout' });
    expect((await alice.nextChatEvent(chatId, 'TransferFailed')).data['data']).toMatchObject({ to: USERS.bob.id, reason: 'OfferTimedOut' });
    expect(await logged(alice, chatId, 'TransferFailed')).toHaveLength(1);
    expect(alice.events.filter(isPresence('away'))).toEqual([]);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'still mine' });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await alice.leave();
    await bob.leave();
  });

  it('switched on: a conference invitation let time out sets the invitee away (offer-timeout); the holder reads OfferTimedOut', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Conference' });
    const bob = await onlineAgent(server, USERS.bob);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: USERS.bob.id });
    expect((await bob.nextOffer(0, chatId)).data['conference']).toMatchObject({ from: USERS.alice.id });
    expect((await bob.next(isPresence('away'), 'the auto away of the invitee', 0, 5_000)).data).toMatchObject({ status: 'away', reason: 'offer-timeout', load: 0 });
    expect(await logged(alice, chatId, 'ConferenceInviteFailed')).toEqual([{ agentId: USERS.bob.id, reason: 'OfferTimedOut' }]);
    expect(alice.events.filter(isPresence('away'))).toEqual([]);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await alice.leave();
    await bob.leave();
  });

  it('switched on: a declined conference invitation sets the invitee away (offer-declined); one withdrawn does not', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Conference declined' });
    const bob = await onlineAgent(server, USERS.bob);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: USERS.bob.id });
    await bob.nextOffer(0, chatId);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/decline`, { reason: 'busy' });
    expect((await bob.next(isPresence('away'), 'the auto away of the invitee')).data).toMatchObject({ status: 'away', reason: 'offer-declined' });
    expect(await logged(alice, chatId, 'ConferenceInviteFailed')).toEqual([{ agentId: USERS.bob.id, reason: 'OfferDeclined', detail: 'busy' }]);
    // Back online, invited again; the holder ends the chat before it is answered: withdrawn, not passed.
    await bob.presence('online');
    const from = bob.events.length;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: USERS.bob.id });
    await bob.nextOffer(from, chatId);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await bob.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId, 'the invitation withdrawn by the end', from);
    await pause(1_300); // past the invitation's 1 s timeout
    expect(bob.events.slice(from).filter(isPresence('away'))).toEqual([]);
    await alice.leave();
    await bob.leave();
  });

  it('a bot (capacity 0) is never set away: its offer times out and it stays online for the next chat', async () => {
    const bob = await onlineAgent(server, USERS.bob, { capacity: 0 });
    await requestChat(server, BUTTON.support, { visitorName: 'To the bot' });
    const chatId = (await bob.nextOffer()).chatId!;
    await bob.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId, 'the timed-out offer', 0, 5_000);
    await pause(200);
    expect(bob.events.filter(isPresence('away'))).toEqual([]);
    const from = bob.events.length;
    await requestChat(server, BUTTON.support, { visitorName: 'Next for the bot' });
    const next = (await bob.nextOffer(from)).chatId!;
    await bob.ok('POST', `/agent/v1/chats/${next}/decline`, {});
    await pause(200);
    expect(bob.events.filter(isPresence('away'))).toEqual([]);
    await bob.leave();
  });
});
