/**
 * AgentClient sends messages and typing as command frames while its stream is
 * open (no HTTP request), over REST when it is not, and surfaces a refused
 * command as the same SwitchboardHttpError REST would give.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, VisitorClient } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { DEMO, FAST_RETRY, recordAgent, recordVisitor, until } from './sdk-fixtures.js';

const server = useServer({}, { withConfig: false });

describe('AgentClient over its stream socket', () => {
  it('sends over the socket while it is open and over REST when it is not', async () => {
    const restCalls: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      restCalls.push(`${init?.method ?? 'GET'} ${String(input).replace(/^.*\/agent\/v1/, '')}`);
      return fetch(input, init);
    };
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY, fetch: countingFetch });
    await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    const ar = recordAgent(agent);
    await agent.connect();
    await agent.setPresence('online', 3);

    const v = new VisitorClient({
      baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId,
      visitorName: 'Sol', retry: FAST_RETRY,
    });
    const vr = recordVisitor(v);
    await v.start();
    await until(() => ar.offers().length > 0, 'an offer', 10_000, () => ar.events);
    const chatId = ar.offers()[0]!.chatId!;
    await agent.accept(chatId);
    await until(() => v.state === 'chatting', 'ChatEstablished', 10_000, () => vr.log);

    const before = restCalls.length;
    await agent.typing(chatId, true);
    const first = await agent.send(chatId, 'one');
    const second = await agent.send(chatId, 'two');
    expect(second.offset).toBeGreaterThan(first.offset);
    expect(restCalls.slice(before)).toEqual([]); // all three went over the socket
    await until(() => vr.texts().length >= 2, 'both messages', 10_000, () => vr.log);
    expect(vr.texts()).toEqual(['one', 'two']);
    expect(vr.of('agentTyping')).toContain(true);

    // Without the stream the same calls use REST.
    agent.disconnect();
    await agent.send(chatId, 'three');
    expect(restCalls.slice(before)).toEqual([`POST /chats/${chatId}/messages`]);
    await until(() => vr.texts().length >= 3, 'the REST message', 10_000, () => vr.log);
    expect(vr.texts()).toEqual(['one', 'two', 'three']);

    // A command the server refuses is the error REST would give, not a silent REST retry.
    await agent.connect();
    await agent.end(chatId);
    const refused = await agent.send(chatId, 'too late').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SwitchboardHttpError);
    expect((refused as SwitchboardHttpError).status).toBe(409);
    expect(restCalls.filter((c) => c.endsWith('/messages'))).toHaveLength(1);

    agent.disconnect();
    await v.end().catch(() => undefined);
  });
});
