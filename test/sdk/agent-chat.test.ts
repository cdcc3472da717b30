/**
 * AgentClient and VisitorClient in one chat on the demo deployment's human
 * button: offer, accept, messages both ways, typing both ways, sneak peek,
 * custom events, details and transcript, and the agent ending the chat.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, VisitorClient, type HandlerError } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { DEMO, FAST_RETRY, recordAgent, recordVisitor, until } from './sdk-fixtures.js';

const server = useServer({}, { withConfig: false });

describe('AgentClient and VisitorClient', () => {
  it('refuses a wrong password with SwitchboardHttpError 401', async () => {
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket });
    const err = await agent.login('agent', 'wrong').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchboardHttpError);
    expect((err as SwitchboardHttpError).status).toBe(401);
  });

  it('abandons a request that gets no answer after requestTimeoutMs and retries it', async () => {
    let hung = 0;
    const hangsOnce: typeof fetch = (input, init) => {
      if (String(input).endsWith('/agent/v1/me') && hung === 0) {
        hung += 1;
        // Never answers; only the client's own timeout ends it.
        return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)));
      }
      return fetch(input, init);
    };
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY, fetch: hangsOnce, requestTimeoutMs: 300 });
    await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    const started = Date.now();
    expect(await agent.me()).toMatchObject({ name: 'Alex Agent' });
    expect(hung).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("an async handler that rejects (the README's accept with two connections) is reported as `error`, not left unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const agents: AgentClient[] = [];
    try {
      // One agent signed in twice (two tabs): both connections get the offer, both accept, one is refused.
      const errors: HandlerError[] = [];
      for (let i = 0; i < 2; i++) {
        const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
        await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
        agent.on('offer', async (offer) => {
          await agent.accept(offer.data.chatId);
        });
        agent.on('error', (e) => void errors.push(e));
        await agent.connect();
        agents.push(agent);
      }
      await agents[0]!.setPresence('online');
      const v = new VisitorClient({
        baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId,
        visitorName: 'Two Tabs', retry: FAST_RETRY,
      });
      await v.start();
      await until(() => v.state === 'chatting' && errors.length > 0, 'the chat accepted and the second accept refused', 10_000, () => errors);
      await new Promise((r) => setTimeout(r, 200));
      expect(errors).toHaveLength(1);
      expect(errors[0]!.event).toBe('offer');
      expect(errors[0]!.error).toBeInstanceOf(SwitchboardHttpError);
      expect((errors[0]!.error as SwitchboardHttpError).status).toBe(409);
      expect(unhandled).toEqual([]);
      await v.end();
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await agents[0]?.setPresence('offline');
      for (const a of agents) a.disconnect();
    }
  });

  it('resumes a login in a new client from the refresh token; a logout revokes it', async () => {
    const first = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
    const user = await first.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    const token = first.refreshToken();
    expect(token).toEqual(expect.any(String));
    const second = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
    expect(await second.resumeSession(token!)).toMatchObject({ id: user.id, name: user.name });
    expect(second.limits).toEqual({ maxMessageLength: 4000 }); // a reloaded console knows them too
    expect((await second.me()).id).toBe(user.id); // the new client's own tokens work
    await second.logout();
    const err = await new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY }).resumeSession(token!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchboardHttpError);
    expect((err as SwitchboardHttpError).status).toBe(401);
  });

  it('have a chat: offer, accept, messages, typing, sneak peek, custom events, agent ends', async () => {
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
    expect(agent.limits).toBeUndefined();
    const user = await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    expect(user).toMatchObject({ name: 'Alex Agent', role: 'agent' });
    // The server's limits come with the login (the demo runs with the default 4000).
    expect(agent.limits).toEqual({ maxMessageLength: 4000 });
    expect((await agent.me()).limits).toEqual({ maxMessageLength: 4000 });
    const ar = recordAgent(agent);
    await agent.connect();
    expect(await agent.setPresence('online', 3)).toEqual({ status: 'online', capacity: 3, load: 0 });

    const v = new VisitorClient({
      baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId,
      visitorName: 'Vera', prechatDetails: [{ label: 'Email', value: 'vera@example.com' }], retry: FAST_RETRY,
    });
    const vr = recordVisitor(v);
    await v.start();
    await until(() => ar.offers().length > 0, 'an offer', 10_000, () => ar.events);
    const offer = ar.offers()[0]!;
    const chatId = offer.chatId!;
    expect(offer.data).toMatchObject({ chatId, visitorName: 'Vera', transfer: false });
    expect(v.state).toBe('waiting');

    await agent.accept(chatId);
    await until(() => v.state === 'chatting', 'ChatEstablished', 10_000, () => vr.log);
    expect(vr.of('established')[0]).toMatchObject({ name: 'Alex Agent', sneakPeekEnabled: true });

    // Agent → visitor: typing, a message, not typing, a custom event.
    await agent.typing(chatId, true);
    await until(() => vr.of('agentTyping').includes(true), 'AgentTyping');
    const sent = await agent.send(chatId, 'Hi Vera, how can I help?');
    expect(sent.offset).toEqual(expect.any(Number));
    await agent.typing(chatId, false);
    await agent.customEvent(chatId, 'cobrowse', '{"url":"/pricing"}');
    await until(() => vr.of('customEvent').length > 0, 'CustomEvent at the visitor');
    expect(vr.texts()).toEqual(['Hi Vera, how can I help?']);
    expect(vr.of('agentTyping')).toEqual([true, false]);
    expect(vr.of('customEvent')).toEqual([{ type: 'cobrowse', data: '{"url":"/pricing"}' }]);
    expect(vr.of('message')[0]).toMatchObject({ name: 'Alex Agent', agentId: user.id });

    // Visitor → agent: typing, sneak peek, a message, not typing, a custom event.
    await v.typing(true);
    await v.sneakPeek('Where is');
    await v.send('Where is my order?');
    await v.typing(false);
    await v.customEvent('page', '/orders');
    await until(() => ar.chatEvents(chatId, 'ChasitorCustomEvent').length > 0, 'the visitor custom event', 10_000, () => ar.events);
    const types = ar.chatEvents(chatId).map((e) => e['type']);
    for (const t of ['ChasitorTyping', 'ChasitorSneakPeek', 'ChasitorChatMessage', 'ChasitorNotTyping', 'ChasitorCustomEvent']) expect(types).toContain(t);
    expect(ar.visitorTexts(chatId)).toEqual(['Where is my order?']);

    const details = await agent.chat(chatId);
    expect(details.chat).toMatchObject({ chatId, visitorName: 'Vera', agentId: user.id });
    expect(details.prechatDetails).toEqual([expect.objectContaining({ label: 'Email', value: 'vera@example.com' })]);
    expect(details.sneakPeek).toMatchObject({ text: 'Where is' });
    expect((await agent.chats()).map((c) => c.chatId)).toContain(chatId);
    // Transfer targets: the demo bot (unlimited capacity) is another agent of the org, available now.
    const targets = await agent.transferTargets();
    expect(targets.agents).toContainEqual(expect.objectContaining({ id: '005000000000001', name: 'Demo Bot', presence: 'online', available: true }));
    expect(targets.agents.map((a) => a.id)).not.toContain(user.id);
    expect(targets.buttons).toContainEqual(expect.objectContaining({ id: DEMO.botButtonId, label: 'Chat with the demo bot', availableAgents: 1 }));

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'ChatEnded at the visitor', 10_000, () => vr.log);
    expect(vr.of('ended')).toEqual([{ reason: 'agent' }]);
    const transcript = await agent.transcript(chatId);
    const texts = transcript.events.filter((e) => e.type === 'ChatMessage' || e.type === 'ChasitorChatMessage').map((e) => e.data['text']);
    expect(texts).toEqual(['Hi Vera, how can I help?', 'Where is my order?']);

    // Stream ids only go up, one step at a time (one epoch, nothing skipped, nothing twice).
    const offsets = ar.events.map((e) => Number(e.id.split(':')[1]));
    expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
    await agent.setPresence('offline');
    agent.disconnect();
    expect(ar.connection.at(-1)).toBe('offline');
  });

  it('a chat taken from the agent rejects its actions with SwitchboardHttpError 409, chatNoLongerYours (socket and REST alike)', async () => {
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
    await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    const ar = recordAgent(agent);
    await agent.connect();
    await agent.setPresence('online', 3);
    const supervisor = new AgentClient({ baseUrl: server.baseUrl, retry: FAST_RETRY });
    await supervisor.login('supervisor', 'supervisor-demo');
    const v = new VisitorClient({ baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId, visitorName: 'Taken', retry: FAST_RETRY });
    await v.start();
    const offered = () => ar.offers().find((o) => o.data['visitorName'] === 'Taken');
    await until(() => offered() !== undefined, 'the offer', 10_000, () => ar.events);
    const chatId = offered()!.chatId!;
    await agent.accept(chatId);
    await until(() => v.state === 'chatting', 'ChatEstablished');
    await supervisor.takeover(chatId);
    const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error('answered 2xx'); }, (err: unknown) => err as SwitchboardHttpError);
    const viaSocket = await refusal(agent.send(chatId, 'still mine?'));
    expect(viaSocket).toBeInstanceOf(SwitchboardHttpError);
    expect([viaSocket.status, viaSocket.chatNoLongerYours, viaSocket.body]).toEqual([409, true, 'Chat is no longer yours: another agent holds it now']);
    const viaRest = await refusal(agent.end(chatId));
    expect([viaRest.status, viaRest.chatNoLongerYours]).toEqual([409, true]);
    // Another 409 (an offer that is not open) is not this one.
    const otherConflict = await refusal(agent.accept(chatId));
    expect([otherConflict.status, otherConflict.chatNoLongerYours]).toEqual([409, false]);
    await supervisor.end(chatId);
    await agent.setPresence('offline');
    agent.disconnect();
    await supervisor.logout();
  });
});
