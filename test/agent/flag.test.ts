/**
 * Raise Flag over real sockets (docs/adr/0056): the chat's holder raises a flag with a message for
 * a supervisor's help; the holder and the org's supervisors (never another agent, never the
 * visitor) get a `flag` stream event; the chat's summary shows it; the holder or a supervisor
 * lowers it; it goes down by itself when the chat ends, is transferred or taken over.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, requestChat, until, useAgentServer, type StreamEvent,
} from './agent-fixtures.js';
import type { Visitor } from '../protocol/visitor.js';

const server = useAgentServer();

interface Flag { raisedBy: string; message: string; raisedAt: number }
interface FlagData { chatId: string; raised: boolean; flag: Flag | null; by: string | null; reason: string }

const flagEvents = (a: AgentUser, chatId: string, from = 0): FlagData[] =>
  a.events.slice(from).filter((e) => e.type === 'flag' && e.chatId === chatId).map((e) => e.data as unknown as FlagData);

const nextFlag = async (a: AgentUser, chatId: string, from: number): Promise<FlagData> =>
  (await a.next((e: StreamEvent) => e.type === 'flag' && e.chatId === chatId, `flag event of ${a.login.username}`, from)).data as unknown as FlagData;

const summaryOf = async (a: AgentUser, chatId: string): Promise<{ flag: Flag | null } | undefined> =>
  (await a.ok<{ chatId: string; flag: Flag | null }[]>('GET', '/agent/v1/chats')).find((c) => c.chatId === chatId);

/** Like acceptedChat, for an agent that took chats before: the offer made after this call. */
async function acceptNext(agent: AgentUser, buttonId: string): Promise<{ v: Visitor; chatId: string }> {
  const from = agent.events.length;
  const v = await requestChat(agent.server, buttonId);
  const chatId = (await agent.nextOffer(from)).chatId!;
  await agent.ok('POST', `/agent/v1/chats/${chatId}/accept`);
  await v.waitFor('ChatEstablished');
  return { v, chatId };
}

/** The visitor hears the agent's next message, and has received no flag event, nor its text, at any point. */
async function visitorHeardNoFlag(v: Visitor, agent: AgentUser, chatId: string, secret: string): Promise<void> {
  const text = `after the flag ${Math.random()}`;
  await agent.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text });
  await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === text), 'the message after the flag');
  await v.expectNoMore();
  expect(v.received.map((m) => m.type).filter((t) => t.startsWith('Flag'))).toEqual([]);
  expect(JSON.stringify(v.received)).not.toContain(secret);
}

describe.skipIf(!OWNS_PROCESS)('agent API: raise flag', () => {
  it('the holder raises and replaces it, a supervisor sees it and lowers it; the visitor hears nothing', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);
    const { v, chatId } = await acceptedChat(alice, BUTTON.sales);
    const sam = await AgentUser.login(server, USERS.sam);
    await sam.connect();
    const sue = await AgentUser.login(server, USERS.sue); // another org's supervisor
    await sue.connect();
    const path = `/agent/v1/chats/${chatId}/flag`;

    const raised = await alice.ok<{ flag: Flag }>('POST', path, { message: 'Refund over my limit' });
    expect(raised.flag).toMatchObject({ raisedBy: USERS.alice.id, message: 'Refund over my limit' });
    const seen = await nextFlag(sam, chatId, 0);
    expect(seen).toEqual({ chatId, raised: true, flag: raised.flag, by: USERS.alice.id, reason: 'raised' });
    expect((await nextFlag(alice, chatId, 0)).flag).toEqual(raised.flag);
    // The summary shows it, to the holder and in the supervisor's overview.
    expect((await summaryOf(alice, chatId))?.flag).toEqual(raised.flag);
    const overview = await sam.ok<{ chats: { chatId: string; flag: Flag | null }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(overview.chats.find((c) => c.chatId === chatId)?.flag).toEqual(raised.flag);

    // Again: the message is replaced, raisedAt kept; the same message again changes nothing.
    const samFrom = sam.events.length;
    const again = await alice.ok<{ flag: Flag }>('POST', path, { message: 'Refund of 500 EUR' });
    expect(again.flag).toEqual({ ...raised.flag, message: 'Refund of 500 EUR' });
    expect((await nextFlag(sam, chatId, samFrom)).flag?.message).toBe('Refund of 500 EUR');
    expect((await alice.ok<{ flag: Flag }>('POST', path, { message: 'Refund of 500 EUR' })).flag).toEqual(again.flag);

    // Only the holder raises; only the holder or a supervisor lowers; another agent, another org's
    // supervisor: not theirs.
    expect((await bob.call('POST', path, { message: 'me too' })).status).toBe(403);
    expect((await bob.call('DELETE', path)).status).toBe(403);
    expect((await sam.call('POST', path, {})).status).toBe(403);
    expect((await sue.call('DELETE', path)).status).toBe(403);
    expect((await alice.call('POST', path, { message: 'x'.repeat(256) })).status).toBe(400);

    const aliceFrom = alice.events.length;
    const lowered = await sam.ok<{ flag: null }>('DELETE', path);
    expect(lowered).toEqual({ flag: null });
    const down = await nextFlag(alice, chatId, aliceFrom);
    expect(down).toEqual({ chatId, raised: false, flag: null, by: USERS.sam.id, reason: 'lowered' });
    expect((await summaryOf(alice, chatId))?.flag).toBeNull();
    // Lowering a flag that is down: 200, nothing changes.
    expect(await alice.ok('DELETE', path)).toEqual({ flag: null });

    // The transcript has both events for the agent side; nobody but the holder and the org's supervisors was told.
    const events = (await alice.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events;
    expect(events.filter((e) => e.type.startsWith('Flag')).map((e) => [e.type, e.data['message']])).toEqual([
      ['FlagRaised', 'Refund over my limit'], ['FlagRaised', 'Refund of 500 EUR'], ['FlagLowered', 'Refund of 500 EUR'],
    ]);
    expect(flagEvents(sam, chatId)).toHaveLength(3);
    expect(flagEvents(alice, chatId)).toHaveLength(3);
    expect(bob.events.filter((e) => e.chatId === chatId)).toEqual([]);
    expect(sue.events.filter((e) => e.chatId === chatId)).toEqual([]);
    await visitorHeardNoFlag(v, alice, chatId, 'Refund');

    // Counted once per raise, not per new message.
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(Number(/^switchboard_flags_raised_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('the stream socket takes flag and lower-flag', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.sales);
    expect(await alice.command('flag', chatId, { message: 'Over the socket' })).toMatchObject({ ok: true, result: { flag: { raisedBy: USERS.alice.id, message: 'Over the socket' } } });
    expect(await alice.command('flag', chatId)).toMatchObject({ ok: true, result: { flag: { message: '' } } });
    expect(await alice.command('lower-flag', chatId)).toMatchObject({ ok: true, result: { flag: null } });
    expect(await alice.command('lower-flag', chatId)).toMatchObject({ ok: true, result: { flag: null } });
    await visitorHeardNoFlag(v, alice, chatId, 'Over the socket');
  });

  it('goes down when the chat ends, is transferred or is taken over', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const sam = await AgentUser.login(server, USERS.sam);
    await sam.connect();

    // Transferred: down at once, before the chat leaves its holder; the new holder gets no flag.
    const first = await acceptedChat(alice, BUTTON.sales);
    const carol = await onlineAgent(server, USERS.carol);
    await alice.ok('POST', `/agent/v1/chats/${first.chatId}/flag`, { message: 'transfer me' });
    let from = sam.events.length;
    await alice.ok('POST', `/agent/v1/chats/${first.chatId}/transfer`, { agentId: carol.id });
    expect(await nextFlag(sam, first.chatId, from)).toMatchObject({ raised: false, by: null, reason: 'transferred' });
    await carol.nextOffer(0, first.chatId);
    await carol.ok('POST', `/agent/v1/chats/${first.chatId}/accept`);
    expect((await summaryOf(carol, first.chatId))?.flag).toBeNull();
    await visitorHeardNoFlag(first.v, carol, first.chatId, 'transfer me');

    // Taken over by the supervisor who answers it.
    const second = await acceptNext(alice, BUTTON.sales);
    await alice.ok('POST', `/agent/v1/chats/${second.chatId}/flag`, { message: 'take it' });
    from = alice.events.length;
    await sam.ok('POST', `/agent/v1/chats/${second.chatId}/takeover`);
    expect(await nextFlag(alice, second.chatId, from)).toMatchObject({ raised: false, by: null, reason: 'takenOver' });
    expect((await summaryOf(sam, second.chatId))?.flag).toBeNull();

    // Ended: by the agent (carol is full: the chat goes to alice).
    const third = await acceptNext(alice, BUTTON.sales);
    await alice.ok('POST', `/agent/v1/chats/${third.chatId}/flag`, {});
    from = sam.events.length;
    await alice.ok('POST', `/agent/v1/chats/${third.chatId}/end`);
    expect(await nextFlag(sam, third.chatId, from)).toMatchObject({ raised: false, flag: null, by: null, reason: 'chatEnded' });
    await until(() => flagEvents(alice, third.chatId).length === 2, 'the holder hears it went down');
    const transcript = (await alice.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${third.chatId}/transcript`)).events;
    expect(transcript.filter((e) => e.type === 'FlagLowered').map((e) => e.data)).toEqual([{ raisedBy: USERS.alice.id, message: '', by: null, reason: 'chatEnded' }]);
    // Ended: raising again is refused.
    expect((await alice.call('POST', `/agent/v1/chats/${third.chatId}/flag`, {})).status).toBe(409);
  });

  it('a conference participant cannot raise or lower it, and is not pushed its events', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const bob = await onlineAgent(server, USERS.bob);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/conference`, { agentId: bob.id });
    await bob.nextOffer(0, chatId);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('AgentJoinedConference');
    const bobFrom = bob.events.length;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/flag`, { message: 'two of us and still stuck' });
    for (const method of ['POST', 'DELETE']) {
      const res = await bob.call(method, `/agent/v1/chats/${chatId}/flag`, method === 'POST' ? {} : undefined);
      expect(res.status, `${method}: ${res.text}`).toBe(403);
      expect(res.text).toContain("Only the chat's holder may do this");
    }
    await alice.ok('DELETE', `/agent/v1/chats/${chatId}/flag`);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'marker' });
    await until(() => bob.chatEvents(chatId, 'ChatMessage').length > 0, 'bob hears the marker');
    expect(bob.events.slice(bobFrom).filter((e) => e.type === 'flag' || String(e.data['type']).startsWith('Flag'))).toEqual([]);
    await visitorHeardNoFlag(v, alice, chatId, 'still stuck');
  });
});
