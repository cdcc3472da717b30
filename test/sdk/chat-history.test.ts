/**
 * AgentClient's own past chats on the demo deployment: one page (chatHistory),
 * every page in turn (chatHistoryPages), newest first, only ended chats this
 * agent held; each one's transcript stays readable; an `agentId` rejects with
 * the server's 400.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, VisitorClient, type ChatHistoryPage, type ChatHistoryQuery } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { DEMO, FAST_RETRY, recordAgent, until } from './sdk-fixtures.js';

const server = useServer({}, { withConfig: false });

describe('AgentClient: my past chats', () => {
  it('lists the ended chats I held, a page at a time or every page in turn, and reads their transcripts', async () => {
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
    await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    const ar = recordAgent(agent);
    await agent.connect();
    await agent.setPresence('online', 3);
    expect(await agent.chatHistory()).toEqual({ chats: [], nextCursor: null });

    // Three chats, each accepted and ended in turn, and a fourth left running.
    const visitors: VisitorClient[] = [];
    const held: string[] = [];
    for (let i = 0; i < 4; i++) {
      const v = new VisitorClient({
        baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId,
        visitorName: `History ${i}`, retry: FAST_RETRY,
      });
      visitors.push(v);
      await v.start();
      await until(() => ar.offers().length > i, `offer ${i}`, 10_000, () => ar.events);
      const chatId = ar.offers()[i]!.chatId!;
      await agent.accept(chatId);
      await until(() => v.state === 'chatting', `chat ${i} established`);
      if (i < 3) {
        await agent.send(chatId, `goodbye ${i}`);
        await agent.end(chatId);
        await until(() => v.state === 'ended', `chat ${i} ended`);
      }
      held.push(chatId);
    }
    const ended = held.slice(0, 3).reverse();

    const first = await agent.chatHistory({ limit: 2 });
    expect(first.chats.map((c) => c.chatId)).toEqual(ended.slice(0, 2));
    expect(first.chats[0]).toMatchObject({ state: 'ended', endReason: 'agent', visitorName: 'History 2', requestedButtonId: DEMO.humanButtonId });
    const second = await agent.chatHistory({ limit: 2, cursor: first.nextCursor! });
    expect(second.chats.map((c) => c.chatId)).toEqual(ended.slice(2));

    const pages: ChatHistoryPage[] = [];
    for await (const page of agent.chatHistoryPages({ limit: 1 })) pages.push(page);
    expect(pages.flatMap((p) => p.chats.map((c) => c.chatId))).toEqual(ended);
    expect(pages.at(-1)!.nextCursor).toBeNull();

    // What the console does next: open one.
    const transcript = await agent.transcript(ended[2]!);
    expect(transcript.events.filter((e) => e.type === 'ChatMessage').map((e) => e.data['text'])).toEqual(['goodbye 0']);

    // Another agent's history is not to be had: the server's 400.
    const refused = await agent.chatHistory({ agentId: 'someone-else' } as ChatHistoryQuery).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SwitchboardHttpError);
    expect((refused as SwitchboardHttpError).status).toBe(400);

    await visitors[3]!.end();
    await agent.setPresence('offline');
    agent.disconnect();
    await agent.logout();
  });
});
