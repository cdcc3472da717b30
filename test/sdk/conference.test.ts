/**
 * The SDK's side of chat conferences (docs/adr/0051): AgentClient.inviteToConference and
 * leaveConference (over the stream socket), the invitee's offer marked `conference`, the
 * isConferenceEvent guard on the holder's stream, and VisitorClient's `agentJoined` / `agentLeft` and `agentTypingBy` (who types).
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, VisitorClient, isConferenceEvent, type ChatEventWire, type OfferData } from '../../packages/sdk/src/index.js';
import { BUTTON, DEPLOYMENT, OWNS_PROCESS, ORG, USERS, useAgentServer } from '../agent/agent-fixtures.js';
import { FAST_RETRY, recordAgent, recordVisitor, until } from './sdk-fixtures.js';

const server = useAgentServer();

async function agentOnline(user: { username: string; password: string }): Promise<AgentClient> {
  const a = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
  await a.login(user.username, user.password);
  await a.connect();
  await a.setPresence('online');
  return a;
}

describe.skipIf(!OWNS_PROCESS)('SDK: chat conferences', () => {
  it('invites, joins, leaves; the visitor client emits agentJoined and agentLeft', async () => {
    const alice = await agentOnline(USERS.alice);
    const ar = recordAgent(alice);
    const v = new VisitorClient({ baseUrl: server.baseUrl, organizationId: ORG, deploymentId: DEPLOYMENT, buttonId: BUTTON.support, visitorName: 'Sdk Conf', retry: FAST_RETRY });
    const vr = recordVisitor(v);
    await v.start();
    await until(() => ar.offers().length > 0, 'an offer', 10_000, () => ar.events);
    const chatId = ar.offers()[0]!.chatId!;
    await alice.accept(chatId);
    await until(() => v.state === 'chatting', 'ChatEstablished', 10_000, () => vr.log);

    const bob = await agentOnline(USERS.bob);
    const br = recordAgent(bob);
    await alice.inviteToConference(chatId, USERS.bob.id);
    await until(() => br.offers().length > 0, 'the invitation', 10_000, () => br.events);
    const offer = br.offers()[0]!.data as unknown as OfferData;
    expect(offer.conference).toEqual({ from: USERS.alice.id, fromName: USERS.alice.name });
    await bob.accept(chatId);
    await until(() => vr.of('agentJoined').length > 0, 'agentJoined', 10_000, () => vr.log);
    expect(vr.of('agentJoined')).toEqual([{ name: USERS.bob.name }]);
    await until(() => ar.chatEvents(chatId, 'AgentJoinedConference').length > 0, 'the holder hears the join', 10_000, () => ar.events);
    const joined = ar.chatEvents(chatId, 'AgentJoinedConference')[0] as unknown as ChatEventWire;
    expect(isConferenceEvent(joined)).toBe(true);
    if (isConferenceEvent(joined)) expect(joined.data.agentId).toBe(USERS.bob.id);
    expect(isConferenceEvent({ offset: 1, type: 'ChatMessage', actor: 'agent', at: 0, data: { name: 'x', agentId: 'y' } })).toBe(false);

    // Typing says who types (agentTypingBy), so a page can tell the two agents apart; agentTyping stays a boolean.
    await bob.typing(chatId, true);
    await alice.typing(chatId, true);
    await bob.typing(chatId, false);
    await until(() => vr.of('agentTypingBy').length >= 3, 'agentTypingBy three times', 10_000, () => vr.log);
    expect(vr.of('agentTypingBy')).toEqual([
      { typing: true, name: USERS.bob.name, agentId: USERS.bob.id },
      { typing: true, name: USERS.alice.name, agentId: USERS.alice.id },
      { typing: false, name: USERS.bob.name, agentId: USERS.bob.id },
    ]);
    expect(vr.of('agentTyping')).toEqual([true, true, false]);
    await bob.send(chatId, 'Bob joins in.');
    await until(() => vr.texts().includes('Bob joins in.'), 'the participant message', 10_000, () => vr.log);
    expect(vr.of('message').at(-1)).toMatchObject({ name: USERS.bob.name, agentId: USERS.bob.id });
    // A participant is refused what only the holder does, as the REST route refuses it.
    const refused = await bob.end(chatId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SwitchboardHttpError);
    expect((refused as SwitchboardHttpError).status).toBe(403);

    await bob.leaveConference(chatId);
    await until(() => vr.of('agentLeft').length > 0, 'agentLeft', 10_000, () => vr.log);
    expect(vr.of('agentLeft')).toEqual([{ name: USERS.bob.name }]);
    await alice.end(chatId);
    for (const a of [alice, bob]) {
      await a.setPresence('offline');
      a.disconnect();
    }
  });
});
