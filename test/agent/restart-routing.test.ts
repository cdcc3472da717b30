/**
 * Routing across a restart: every agent starts offline, so a chat an agent held
 * must not wait for that agent for ever; a transfer to one agent still waiting
 * for that agent's answer goes back to its queue; and an admin's changes to a
 * config user (skills, capacity) still route after the restart.
 */
import { describe, expect, it } from 'vitest';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, received, requestChat, useAgentServer } from './agent-fixtures.js';

// agentGraceSeconds is 1 in the routing config.
const server = useAgentServer();

describe.skipIf(!OWNS_PROCESS)('agent API: routing across a restart', () => {
  it('a chat whose agent does not come back after a restart goes back to the queue after the grace period', async () => {
    const bob = await onlineAgent(server, USERS.bob);
    const { v, chatId } = await acceptedChat(bob, BUTTON.support, { visitorName: 'Left Behind' });
    await server.restart();

    // Bob never returns. Alice serves the same button.
    const alice = await onlineAgent(server, USERS.alice);
    const offer = await alice.nextOffer(0, chatId, 10_000);
    expect(offer.data['transfer']).toBe(true);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('AgentDisconnect');
    await v.waitFor('ChatTransferred');
    expect(received(v, 'ChatTransferred').at(-1)?.message).toMatchObject({ userId: USERS.alice.id });
  });

  it('a transfer to one agent waiting for that agent at the restart is routed like any chat of its queue', async () => {
    const dave = await onlineAgent(server, USERS.dave);
    const bob = await onlineAgent(server, USERS.bob);
    const { chatId } = await acceptedChat(dave, BUTTON.solo, { visitorName: 'Mid Transfer' });
    // The solo button's offers last 5 s: the restart comes while Bob's offer is open.
    await dave.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
    await bob.nextOffer(0, chatId);
    await server.restart();

    // Bob stays away; Dave, who serves the chat's queue, gets it back.
    const daveAgain = await onlineAgent(server, USERS.dave);
    await daveAgain.nextOffer(0, chatId, 10_000);
    await daveAgain.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    const transcript = await daveAgain.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(transcript.events.find((e) => e.type === 'TransferFailed')?.data).toMatchObject({ to: USERS.bob.id, reason: 'restart' });
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
