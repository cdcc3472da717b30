/**
 * An agent whose stream and heartbeats stop is dropped after the grace period
 * (1 s here): the visitor hears AgentDisconnect and the chat queues again at
 * its old place, then is offered to another agent. Heartbeats alone keep an
 * agent without a stream online. Chasitor idle timeout: warning, cleared by a
 * visitor message, then the automatic end.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentUser, BUTTON, OWNS_PROCESS, USERS, onlineAgent, pause, received, requestChat, useAgentServer,
} from './agent-fixtures.js';

const server = useAgentServer();

describe.skipIf(!OWNS_PROCESS)('agent API: disconnect and idle timeout', () => {
  it('drops a silent agent after the grace period: AgentDisconnect, requeue at the old place, offered again', async () => {
    const alice = await onlineAgent(server, USERS.alice, { capacity: 1 });
    const v1 = await requestChat(server, BUTTON.support, { visitorName: 'Early' });
    const c1 = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${c1}/accept`);
    await v1.waitFor('ChatEstablished');
    // Alice is full: a second chat waits behind.
    const v2 = await requestChat(server, BUTTON.support, { visitorName: 'Late', receiveQueueUpdates: true });
    expect((await v2.waitFor('ChatRequestSuccess')).message['queuePosition']).toBe(1);

    // The stream closes and no heartbeat follows.
    const closedAt = Date.now();
    await alice.disconnect();
    await v1.waitFor('AgentDisconnect');
    const after = Date.now() - closedAt;
    expect(after, 'dropped only after the 1 s grace').toBeGreaterThanOrEqual(900);
    expect(after).toBeLessThan(5_000);

    // Back in the queue ahead of the later chat (its old place); the later chat hears it moved down.
    const sam = await AgentUser.login(server, USERS.sam);
    const overview = await sam.ok<{ queues: { queue: string; waiting: { chatId: string; visitorName: string }[] }[]; agents: { id: string; presence: string; load: number }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(overview.queues.find((q) => q.queue === BUTTON.support)?.waiting.map((w) => w.visitorName)).toEqual(['Early', 'Late']);
    expect(overview.agents.find((a) => a.id === USERS.alice.id)).toMatchObject({ presence: 'offline', load: 0 });
    expect((await v2.waitFor('QueueUpdate')).message['position']).toBe(2);

    // Offered again, oldest first, to the next agent; the visitor hears the new agent.
    const bob = await onlineAgent(server, USERS.bob);
    const again = await bob.nextOffer();
    expect(again.chatId).toBe(c1);
    expect(again.data['transfer']).toBe(true);
    await bob.ok('POST', `/agent/v1/chats/${c1}/accept`);
    expect((await v1.waitFor('ChatTransferred')).message).toMatchObject({ name: 'Bob Agent', userId: USERS.bob.id });
    await bob.nextOffer(bob.events.indexOf(again) + 1);

    // Alice's old token still works; she is offline until she says otherwise.
    expect((await alice.ok<{ status: string }>('PUT', '/agent/v1/presence', { status: 'away' })).status).toBe('away');
    const t = await sam.ok<{ events: { type: string }[] }>('GET', `/agent/v1/chats/${c1}/transcript`);
    const types = t.events.map((e) => e.type);
    expect(types.indexOf('AgentDisconnect')).toBeGreaterThan(types.indexOf('ChatEstablished'));
    expect(types.indexOf('ChatTransferred')).toBeGreaterThan(types.indexOf('AgentDisconnect'));
  });

  it('keeps an agent without a stream online while it sends heartbeats', async () => {
    const bob = await AgentUser.login(server, USERS.bob);
    await bob.presence('online');
    for (let i = 0; i < 8; i++) {
      await pause(300);
      await bob.ok('POST', '/agent/v1/heartbeat');
    }
    const sam = await AgentUser.login(server, USERS.sam);
    const o = await sam.ok<{ agents: { id: string; presence: string }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(o.agents.find((a) => a.id === USERS.bob.id)?.presence).toBe('online');
    await pause(1_800);
    const o2 = await sam.ok<{ agents: { id: string; presence: string }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(o2.agents.find((a) => a.id === USERS.bob.id)?.presence).toBe('offline');
  });

  it('idle timeout: warning after an unanswered agent message, cleared by the visitor, then ChatEnded', async () => {
    const ivy = await onlineAgent(server, USERS.ivy);
    const v = await requestChat(server, BUTTON.idle, { visitorName: 'Idle Ida' });
    const chatId = (await ivy.nextOffer()).chatId!;
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    const est = await v.waitFor('ChatEstablished');
    expect(est.message).toMatchObject({ sneakPeekEnabled: false, chasitorIdleTimeout: { isEnabled: true, warningTime: 1, timeout: 2 } });

    // This button has sneak peek off: nothing reaches the agent.
    await v.post('Chasitor/ChasitorSneakPeek', { position: 3, text: 'abc' });

    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Are you there?' });
    const warnedAt = Date.now();
    const warning = await v.waitFor('ChasitorIdleTimeoutWarningEvent');
    expect(warning.message['type']).toBe('triggered');
    expect(Date.now() - warnedAt).toBeGreaterThanOrEqual(700);
    await v.say('yes, sorry');
    const cleared = await v.waitFor('ChasitorIdleTimeoutWarningEvent', 'the cleared warning', v.received.indexOf(warning) + 1);
    expect(cleared.message['type']).toBe('cleared');
    await pause(1_200);
    expect(received(v, 'ChatEnded')).toEqual([]);

    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Still there?' });
    const ended = await v.waitFor('ChatEnded');
    expect(ended.message['reason']).toBe('chasitorIdleTimeout');
    const end = await ivy.nextChatEvent(chatId, 'ChatEnded');
    expect((end.data['data'] as Record<string, unknown>)['reason']).toBe('chasitorIdleTimeout');
    expect(ivy.chatEvents(chatId, 'ChasitorSneakPeek')).toEqual([]);
    const d = await ivy.ok<{ sneakPeekEnabled: boolean; sneakPeek: unknown }>('GET', `/agent/v1/chats/${chatId}`);
    expect(d).toMatchObject({ sneakPeekEnabled: false, sneakPeek: null });
    expect((await ivy.presence('online')).load).toBe(0);
  });

  it('idle timeout: a visitor typing after the warning clears it and gets the whole count again (ADR 0072)', async () => {
    const ivy = await onlineAgent(server, USERS.ivy);
    const v = await requestChat(server, BUTTON.idle, { visitorName: 'Slow Sam' });
    const chatId = (await ivy.nextOffer()).chatId!;
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Are you there?' });
    const warning = await v.waitFor('ChasitorIdleTimeoutWarningEvent');
    expect(warning.message['type']).toBe('triggered');
    // Typing (ChasitorTyping), then a long answer under way: no message sent yet.
    await v.post('Chasitor/ChasitorTyping', {});
    const typedAt = Date.now();
    const cleared = await v.waitFor('ChasitorIdleTimeoutWarningEvent', 'the cleared warning', v.received.indexOf(warning) + 1);
    expect(cleared.message['type']).toBe('cleared');
    // Past the 2 s the agent's message started: the count began again at the typing.
    const again = await v.waitFor('ChasitorIdleTimeoutWarningEvent', 'a new warning', v.received.indexOf(cleared) + 1);
    expect(again.message['type']).toBe('triggered');
    expect(Date.now() - typedAt).toBeGreaterThanOrEqual(700);
    await v.post('Chasitor/ChasitorSneakPeek', { position: 5, text: 'sorry' }); // a sneak peek counts too
    const clearedAgain = await v.waitFor('ChasitorIdleTimeoutWarningEvent', 'cleared again', v.received.indexOf(again) + 1);
    expect(clearedAgain.message['type']).toBe('cleared');
    // Silent from here: it ends, as before.
    const ended = await v.waitFor('ChatEnded');
    expect(ended.message['reason']).toBe('chasitorIdleTimeout');
    expect((await ivy.presence('online')).load).toBe(0);
  });
});
