/**
 * The SDK's side of Raise Flag (docs/adr/0056): AgentClient.raiseFlag and lowerFlag, and the typed
 * `flag` event on the holder's and the supervisor's streams.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, VisitorClient, type AgentEvents } from '../../packages/sdk/src/index.js';
import { BUTTON, DEPLOYMENT, OWNS_PROCESS, ORG, USERS, useAgentServer } from '../agent/agent-fixtures.js';
import { FAST_RETRY, recordAgent, until } from './sdk-fixtures.js';

const server = useAgentServer();

async function agentClient(user: { username: string; password: string }, online: boolean): Promise<AgentClient> {
  const a = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
  await a.login(user.username, user.password);
  await a.connect();
  if (online) await a.setPresence('online');
  return a;
}

describe.skipIf(!OWNS_PROCESS)('SDK: raise flag', () => {
  it('raises, the supervisor gets the flag event and lowers it, the holder hears it went down', async () => {
    const alice = await agentClient(USERS.alice, true);
    const ar = recordAgent(alice);
    const sam = await agentClient(USERS.sam, false);
    const aliceFlags: AgentEvents['flag'][] = [];
    const samFlags: AgentEvents['flag'][] = [];
    alice.on('flag', (e) => { aliceFlags.push(e); });
    sam.on('flag', (e) => { samFlags.push(e); });
    const v = new VisitorClient({ baseUrl: server.baseUrl, organizationId: ORG, deploymentId: DEPLOYMENT, buttonId: BUTTON.sales, visitorName: 'Sdk Flag', retry: FAST_RETRY });
    await v.start();
    await until(() => ar.offers().length > 0, 'an offer', 10_000, () => ar.events);
    const chatId = ar.offers()[0]!.chatId!;
    await alice.accept(chatId);
    await until(() => v.state === 'chatting', 'ChatEstablished');

    const flag = await alice.raiseFlag(chatId, 'Need a hand');
    expect(flag).toMatchObject({ raisedBy: USERS.alice.id, message: 'Need a hand' });
    await until(() => samFlags.length === 1 && aliceFlags.length === 1, 'the flag event on both streams');
    expect(samFlags[0]!.chatId).toBe(chatId);
    expect(samFlags[0]!.data).toEqual({ chatId, raised: true, flag, by: USERS.alice.id, reason: 'raised' });
    expect((await sam.overview()).chats.find((c) => c.chatId === chatId)?.flag).toEqual(flag);

    await sam.lowerFlag(chatId);
    await until(() => aliceFlags.length === 2, 'the holder hears it went down');
    expect(aliceFlags[1]!.data).toMatchObject({ raised: false, flag: null, by: USERS.sam.id, reason: 'lowered' });
    expect((await alice.chats()).find((c) => c.chatId === chatId)?.flag).toBeNull();
    await alice.lowerFlag(chatId); // already down: no error
    await alice.end(chatId);
  });
});
