/**
 * Routing across a restart: every agent starts offline, so a chat an agent held
 * must not wait for that agent for ever; and an admin's changes to a config
 * user (skills, capacity) still route after the restart; a named-agent request
 * waiting on its button by fallback keeps its place in line. Transfers and
 * named-agent requests across a restart: restart-transfers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Visitor } from '../protocol/visitor.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, pause, received, requestChat, useAgentServer } from './agent-fixtures.js';

// agentGraceSeconds is 1 in the routing config.
const server = useAgentServer();

/** The chat went back to the queue (the visitor hears AgentDisconnect) and Alice, online on the same button, takes it. */
async function requeuedToAlice(v: Visitor, chatId: string): Promise<void> {
  const alice = await onlineAgent(server, USERS.alice);
  const offer = await alice.nextOffer(0, chatId, 10_000);
  expect(offer.data['transfer']).toBe(true);
  await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
  await v.waitFor('AgentDisconnect');
  await v.waitFor('ChatTransferred');
  expect(received(v, 'ChatTransferred').at(-1)?.message).toMatchObject({ userId: USERS.alice.id });
}

describe.skipIf(!OWNS_PROCESS)('agent API: routing across a restart', () => {
  it('a chat whose agent does not come back after a restart goes back to the queue after the grace period', async () => {
    const bob = await onlineAgent(server, USERS.bob);
    const { v, chatId } = await acceptedChat(bob, BUTTON.support, { visitorName: 'Left Behind' });
    await server.restart();

    // Bob never returns. Alice serves the same button.
    await requeuedToAlice(v, chatId);
  });

  it('an agent who reopens its stream after a restart but stays offline loses its chats after the grace, as one who never came back', async () => {
    const bob = await onlineAgent(server, USERS.bob);
    const { v, chatId } = await acceptedChat(bob, BUTTON.support, { visitorName: 'Offline Holder' });
    await server.restart();

    // Bob's client connects again (a login and its stream) and never sets a presence: offline.
    const back = await onlineAgent(server, USERS.bob, { online: false });
    await requeuedToAlice(v, chatId);
    expect((await back.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'still here?' })).status).toBe(409);
  });

  it("a chasitor idle timeout that was counting goes on counting after a restart", async () => {
    const ivy = await onlineAgent(server, USERS.ivy);
    const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Gone Quiet' });
    // The idle button warns after 1 s and ends the chat after 2 s of silence after this message.
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Are you still there?' });
    await server.restart();
    await onlineAgent(server, USERS.ivy); // back within the grace period: the chat stays with Ivy
    const ended = await v.waitFor('ChatEnded');
    expect(ended.message).toMatchObject({ reason: 'chasitorIdleTimeout' });
  });

  it('a named-agent request waiting on its button by fallback keeps its place in line across a restart', async () => {
    const bob = await onlineAgent(server, USERS.bob, { capacity: 1 });
    await acceptedChat(bob, BUTTON.support, { visitorName: 'Keeps Bob Busy' });
    // Alice is offline: the second visitor falls back to the support queue, between the other two.
    const first = await requestChat(server, BUTTON.support, { visitorName: 'First In Line', receiveQueueUpdates: true });
    const fallback = await requestChat(server, BUTTON.support, { visitorName: 'Asked For Alice', agentId: USERS.alice.id, doFallback: true, receiveQueueUpdates: true });
    const third = await requestChat(server, BUTTON.support, { visitorName: 'Third In Line', receiveQueueUpdates: true });
    const line = [first, fallback, third];
    const told = async () => Promise.all(line.map(async (v) => (await v.waitFor('ChatRequestSuccess')).message['queuePosition']));
    expect(await told()).toEqual([1, 2, 3]);
    await server.restart();

    const sam = await AgentUser.login(server, USERS.sam);
    const positions = async () => Promise.all(line.map(async (v) => (await sam.ok<{ chat: { queuePosition: number } }>('GET', `/agent/v1/chats/${v.id}/transcript`)).chat.queuePosition));
    expect(await positions(), 'the agents\' view, ordered by when each first asked').toEqual([1, 2, 3]);
    // Whatever the visitor hears after the restart says the same place.
    await pause(1_500);
    for (const [i, v] of line.entries()) {
      for (const update of received(v, 'QueueUpdate')) expect(update.message['position'], `${v.id} QueueUpdate`).toBe(i + 1);
    }
  });

  it("an admin's change to a config user's skills and capacity routes after a restart", async () => {
    const root = await AgentUser.login(server, USERS.root);
    // Ivy serves only `idle` in the config file.
    await root.ok('PATCH', `/agent/v1/admin/users/${USERS.ivy.id}`, { skills: ['sales'], capacity: 3 });
    await server.restart();
    const ivy = await onlineAgent(server, USERS.ivy);
    const presence = await ivy.presence('online');
    expect(presence.capacity).toBe(3);
    await requestChat(server, BUTTON.sales, { visitorName: 'Sales For Ivy' });
    expect((await ivy.nextOffer()).data['buttonId']).toBe(BUTTON.sales);
    const rootAgain = await AgentUser.login(server, USERS.root);
    await rootAgain.ok('PATCH', `/agent/v1/admin/users/${USERS.ivy.id}`, { skills: ['idle'], capacity: 2 });
  });
});
