/**
 * Failover behind a balancer without health checks (ADR 0048: "a client that reaches it
 * anyway (stale DNS, a balancer without checks) gets a clear answer and retries"): once
 * the active node is gone, new connections reach the standby, which answers
 * `503 NODE_STANDBY` until it has taken over. Both SDK clients (AgentClient and
 * VisitorClient) must take that as "try again", not as a lost session or a refusal, and
 * carry on once the standby serves: every message once, in order.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, VisitorClient } from '../../packages/sdk/src/index.js';
import { OWNS_PROCESS, TestServer, needsProcess, sleep } from './harness.js';
import { AGENT, AgentView, HUMAN_BUTTON, humanAgentConfig, until, within } from './failover-support.js';
import { ReadyBalancer } from './ready-balancer.js';
import { DEPLOYMENT_ID, ORG_ID } from './visitor.js';

const config = humanAgentConfig();

/** A fetch that counts the standby's refusals it saw (the path this file is about). */
function countingFetch(seen: string[], who: string): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (res.status === 503 && res.headers.get('retry-after') !== null) seen.push(`${who} ${new URL(String(input)).pathname}`);
    return res;
  };
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('failover behind a balancer without health checks (SQLite): both SDK clients ride out the standby\'s 503'), () => {
  const a = new TestServer({}, { config });
  const b = new TestServer({}, { config, env: { SWITCHBOARD_STANDBY: 'true' }, dataDir: () => a.dataDir });
  const balancer = new ReadyBalancer(() => [a.baseUrl, b.baseUrl], { healthChecks: false });
  let agent: AgentClient | undefined;
  let visitor: VisitorClient | undefined;

  beforeAll(async () => {
    await a.start();
    await b.start();
    await balancer.start();
  }, 60_000);
  afterAll(async () => {
    agent?.close();
    await visitor?.end().catch(() => undefined);
    await balancer.stop();
    await b.dispose();
    await a.dispose(); // last: B uses A's data directory
  });

  it('kill -9 of the active node: the SDKs get 503 NODE_STANDBY from the standby, retry, and every message arrives once, in order', async () => {
    const seen: string[] = [];
    agent = new AgentClient({ baseUrl: balancer.url, WebSocket, fetch: countingFetch(seen, 'agent') });
    const view = new AgentView(agent);
    await agent.login(AGENT.username, AGENT.password);
    const offers: string[] = [];
    agent.on('offer', (o) => void offers.push(o.data.chatId));
    await agent.connect();
    await agent.setPresence('online', 3);

    visitor = new VisitorClient({
      baseUrl: balancer.url, organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID, buttonId: HUMAN_BUTTON, visitorName: 'Failover Visitor', fetch: countingFetch(seen, 'visitor'),
    });
    const got: string[] = [];
    const outcome: string[] = [];
    visitor.on('message', ({ text }) => void got.push(text));
    visitor.on('failed', ({ reason }) => void outcome.push(`failed ${reason}`));
    visitor.on('ended', ({ reason }) => void outcome.push(`ended ${reason}`));
    await visitor.start();
    await until(() => offers.length > 0, 'the offer', 10_000);
    const chatId = offers[0]!;
    view.chatId = chatId;
    await agent.accept(chatId);
    await until(() => visitor!.state === 'chatting', 'ChatEstablished', 10_000);

    await visitor.send('v1');
    await agent.send(chatId, 'a1');
    await until(() => got.includes('a1') && view.texts('ChasitorChatMessage').includes('v1'), 'v1 and a1', 10_000);

    await visitor.send('v2'); // 200: durable
    await sleep(100); // the visitor's next poll is held by A
    const before = view.connection.length;
    const killed = performance.now();
    await a.kill9();
    const a2 = within(agent.send(chatId, 'a2'), 40_000, 'agent.send(a2) across the failover');
    a2.catch(() => undefined);
    const v3 = within(visitor.send('v3'), 40_000, 'visitor.send(v3) across the failover');
    v3.catch(() => undefined);

    await until(() => view.connection.slice(before).some((c) => c.state === 'online') && view.resyncs.length > 0, 'the SDK stream back online', 60_000);
    await within(view.resyncDone, 20_000, 'rebuilding the view after the resync');
    await a2;
    await v3;
    await until(() => got.includes('a2') && view.texts('ChasitorChatMessage').includes('v3'), 'a2 at the visitor and v3 at the agent', 20_000);
    const online = view.connection.slice(before).find((c) => c.state === 'online')?.at ?? Number.NaN;
    console.info(`failover without health checks (SQLite): SDK stream online ${Math.round(online - killed)} ms after kill -9; 503 NODE_STANDBY answers seen by the SDKs: ${JSON.stringify(seen)}; routes: ${JSON.stringify(balancer.routed)}`);

    await visitor.send('v4');
    await agent.send(chatId, 'a3');
    await until(() => got.includes('a3') && view.texts('ChasitorChatMessage').includes('v4'), 'v4 and a3', 10_000);
    await sleep(1_500); // one more poll hold: nothing further may arrive

    expect(got).toEqual(['a1', 'a2', 'a3']);
    expect(view.texts('ChasitorChatMessage')).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect(view.duplicates()).toEqual([]);
    expect(view.errors).toEqual([]);
    expect(outcome).toEqual([]);
    expect(visitor.state).toBe('chatting');
    expect((await agent.chat(chatId)).chat).toMatchObject({ chatId, state: 'established', agentId: AGENT.id });
  }, 120_000);
});
