/**
 * The supervisor overview lists the transfers in progress (ADR 0043): which chat,
 * from which agent, to what, since when; its answer has a schema (the OpenAPI
 * document shows it), and the list is read from the stored records, so it is
 * the same after a restart.
 */
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, requestChat, useAgentServer } from './agent-fixtures.js';

// A long grace: the restart below must not fail the transfers while the test reads them.
const server = useAgentServer({ agentGraceSeconds: 30 });

interface Transfer { chatId: string; visitorName: string; from: string; target: Record<string, string>; state: string; since: number | null }

/** Like acceptedChat, for an agent who already had offers: takes the next one. */
async function taken(agent: AgentUser, buttonId: string, visitorName: string): Promise<{ chatId: string }> {
  const from = agent.events.length;
  const v = await requestChat(server, buttonId, { visitorName });
  const chatId = (await agent.nextOffer(from)).chatId!;
  await agent.ok('POST', `/agent/v1/chats/${chatId}/accept`);
  await v.waitFor('ChatEstablished');
  return { chatId };
}

async function transfers(): Promise<Transfer[]> {
  const sam = await AgentUser.login(server, USERS.sam);
  return (await sam.ok<{ transfers: Transfer[] }>('GET', '/agent/v1/supervisor/overview')).transfers;
}

describe.skipIf(!OWNS_PROCESS)('agent API: transfers in progress in the supervisor overview', () => {
  it('lists transfers to an agent, a skill and a button with their sender and start, until they happen or fail', async () => {
    const bill = await onlineAgent(server, USERS.bill, { capacity: 1 });
    await acceptedChat(bill, BUTTON.billing, { visitorName: 'Keeps Bill Busy' });
    const alice = await onlineAgent(server, USERS.alice);
    const dave = await onlineAgent(server, USERS.dave);
    await onlineAgent(server, USERS.bob); // a transfer to Bob needs him online with room
    expect(await transfers()).toEqual([]);

    const toSkill = await acceptedChat(alice, BUTTON.support, { visitorName: 'To Billing Skill' });
    const toButton = await taken(alice, BUTTON.sales, 'To Billing Button');
    const toAgent = await acceptedChat(dave, BUTTON.solo, { visitorName: 'To Bob' });
    const before = Date.now();
    await alice.ok('POST', `/agent/v1/chats/${toSkill.chatId}/transfer`, { skill: 'billing' });
    await alice.ok('POST', `/agent/v1/chats/${toButton.chatId}/transfer`, { buttonId: BUTTON.billing });
    await dave.ok('POST', `/agent/v1/chats/${toAgent.chatId}/transfer`, { agentId: USERS.bob.id });
    const after = Date.now();

    const listed = await transfers();
    expect(listed.map(({ since: _since, ...t }) => t)).toEqual([
      { chatId: toSkill.chatId, visitorName: 'To Billing Skill', from: USERS.alice.id, target: { skill: 'billing' }, state: 'waiting' },
      { chatId: toButton.chatId, visitorName: 'To Billing Button', from: USERS.alice.id, target: { buttonId: BUTTON.billing }, state: 'waiting' },
      { chatId: toAgent.chatId, visitorName: 'To Bob', from: USERS.dave.id, target: { agentId: USERS.bob.id }, state: 'offered' },
    ]);
    for (const t of listed) {
      expect(t.since).toBeGreaterThanOrEqual(before - 1000); // the server's clock, not ours: a little slack
      expect(t.since).toBeLessThanOrEqual(after + 1000);
    }

    // The record is what the list reads: a restart keeps it, `since` included.
    await server.restart();
    expect(await transfers()).toEqual(listed.map((t) => ({ ...t, state: 'waiting' })));

    // It happens: off the list.
    const bobAgain = await onlineAgent(server, USERS.bob);
    await bobAgain.nextOffer(0, toAgent.chatId);
    await bobAgain.ok('POST', `/agent/v1/chats/${toAgent.chatId}/accept`);
    expect((await transfers()).map((t) => t.chatId)).toEqual([toSkill.chatId, toButton.chatId]);
  });

  it('has a response schema: the OpenAPI document describes the transfers', async () => {
    const doc = (await request(server.baseUrl, 'GET', '/agent/v1/openapi.json')).json as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { required?: string[]; properties: Record<string, { items: { required?: string[] } }> } }> }> }>> };
    const schema = doc.paths['/agent/v1/supervisor/overview']!['get']!.responses['200']!.content['application/json']!.schema;
    expect(schema.required).toEqual(expect.arrayContaining(['queues', 'agents', 'chats', 'transfers']));
    expect(schema.properties['transfers']!.items.required).toEqual(expect.arrayContaining(['chatId', 'visitorName', 'from', 'target', 'state', 'since']));
  });
});
