/**
 * AgentClient's chat search on the demo deployment: one page (searchChats),
 * every page in turn (searchChatPages), found after the visitor's session
 * closed; an agent's search and a bad limit reject with the server's status.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, type ChatSearchPage } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { EMPTY_BUTTON, Visitor } from '../protocol/visitor.js';
import { DEMO } from './sdk-fixtures.js';

const server = useServer({}, { withConfig: false });

describe('AgentClient: searching the org\'s chats', () => {
  it('finds chats whose sessions closed, a page at a time or every page in turn', async () => {
    // Requests on the button nobody serves: each a ChatRequestFail; the next poll closes the session.
    const failed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const v = new Visitor(server);
      await v.createSession();
      expect((await v.init(v.initBody(EMPTY_BUTTON, { visitorId: `sdk-search-${i}` }))).status).toBe(200);
      await v.waitFor('ChatRequestFail');
      expect((await v.poll()).status).toBe(403);
      failed.push(v.id);
    }
    const supervisor = new AgentClient({ baseUrl: server.baseUrl, WebSocket });
    await supervisor.login('supervisor', 'supervisor-demo');
    expect((await supervisor.chats()).map((c) => c.chatId).filter((id) => failed.includes(id))).toEqual([]);

    const first = await supervisor.searchChats({ buttonId: EMPTY_BUTTON, endReason: 'Unavailable', limit: 2 });
    expect(first.chats.map((c) => c.chatId)).toEqual([failed[4], failed[3]]);
    expect(first.chats[0]).toMatchObject({ state: 'ended', requestedButtonId: EMPTY_BUTTON, visitorId: 'sdk-search-4' });
    const second = await supervisor.searchChats({ buttonId: EMPTY_BUTTON, limit: 2, cursor: first.nextCursor! });
    expect(second.chats.map((c) => c.chatId)).toEqual([failed[2], failed[1]]);
    expect((await supervisor.searchChats({ visitorId: 'sdk-search-0' })).chats.map((c) => c.chatId)).toEqual([failed[0]]);

    const pages: ChatSearchPage[] = [];
    for await (const page of supervisor.searchChatPages({ state: 'ended', buttonId: EMPTY_BUTTON, limit: 2 })) pages.push(page);
    expect(pages.flatMap((p) => p.chats.map((c) => c.chatId))).toEqual([...failed].reverse());
    expect(pages.at(-1)!.nextCursor).toBeNull();
    // From a cursor on.
    const rest: string[] = [];
    for await (const page of supervisor.searchChatPages({ buttonId: EMPTY_BUTTON, limit: 1, cursor: first.nextCursor! })) rest.push(...page.chats.map((c) => c.chatId));
    expect(rest).toEqual([failed[2], failed[1], failed[0]]);

    // Refusals reject with the server's status: a limit out of range, an agent's search.
    const refused = await supervisor.searchChats({ limit: 201 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SwitchboardHttpError);
    expect((refused as SwitchboardHttpError).status).toBe(400);
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket });
    await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    expect(((await agent.searchChats().catch((e: unknown) => e)) as SwitchboardHttpError).status).toBe(403);
    await agent.logout();
    await supervisor.logout();
  });
});
