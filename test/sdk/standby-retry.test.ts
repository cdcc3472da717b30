/**
 * The SDK clients against a hot standby's `503 NODE_STANDBY` (ADR 0048, later note of
 * session 18): a balancer without health checks sends them to the standby once the
 * active node is gone. The standby applied nothing, so AgentClient sends any call
 * again, even one not safe to repeat (here `end`), and VisitorClient waits and sends
 * the same request again instead of its Live Agent recovery (no ReconnectSession).
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, VisitorClient } from '../../packages/sdk/src/index.js';
import { OWNS_PROCESS, TestServer, needsProcess, sleep } from '../protocol/harness.js';
import { AGENT, HUMAN_BUTTON, humanAgentConfig, until, within } from '../protocol/failover-support.js';
import { ReadyBalancer } from '../protocol/ready-balancer.js';
import { untilReady } from '../protocol/standby-support.js';
import { DEPLOYMENT_ID, ORG_ID } from '../protocol/visitor.js';

const config = humanAgentConfig();

/**
 * A fetch that logs every request (`who path`) and every standby refusal (`who 503 path`).
 * `before(path)` may hold a request back (a slow network): see the agent's below.
 */
function loggingFetch(log: string[], who: string, before: (path: string) => Promise<void> = async () => undefined): typeof fetch {
  return async (input, init) => {
    const path = new URL(String(input)).pathname;
    await before(path);
    log.push(`${who} ${path} ${Math.round(performance.now())}`);
    const res = await fetch(input, init).catch((err: unknown) => { log.push(`${who} failed ${path} ${Math.round(performance.now())}`); throw err; });
    if (res.status === 503 && res.headers.get('retry-after') !== null) log.push(`${who} 503 ${path}`);
    else log.push(`${who} ${res.status} ${path} ${Math.round(performance.now())}`);
    return res;
  };
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('SDK clients meet a standby\'s 503 NODE_STANDBY (SQLite, balancer without health checks)'), () => {
  const a = new TestServer({}, { config });
  const b = new TestServer({}, { config, env: { SWITCHBOARD_STANDBY: 'true' }, dataDir: () => a.dataDir });
  const balancer = new ReadyBalancer(() => [a.baseUrl, b.baseUrl], { healthChecks: false });
  let agent: AgentClient | undefined;
  const visitors: VisitorClient[] = [];

  beforeAll(async () => {
    await a.start();
    await b.start();
    await balancer.start();
  }, 60_000);
  afterAll(async () => {
    agent?.close();
    for (const v of visitors) await v.end().catch(() => undefined);
    await balancer.stop();
    await b.dispose();
    await a.dispose(); // last: B uses A's data directory
  });

  it('agent.end() sent to the standby succeeds once it took over; the visitor waits and resends without ReconnectSession', async () => {
    const log: string[] = [];
    // The retry of `end` after the standby's 503 is held until the standby took over: a request
    // that reaches a standby while it starts its server proper may wait unanswered and be cut
    // at the takeover (a network failure, which `end` rightly does not retry: the client cannot
    // tell it was not applied), and how long that start takes varies from run to run.
    const agentBefore = async (path: string): Promise<void> => {
      if (path.endsWith('/end') && log.includes(`agent 503 ${path}`)) await untilReady(b, 30_000);
    };
    agent = new AgentClient({ baseUrl: balancer.url, WebSocket, fetch: loggingFetch(log, 'agent', agentBefore) });
    await agent.login(AGENT.username, AGENT.password);
    const offers: string[] = [];
    agent.on('offer', (o) => void offers.push(o.data.chatId));
    await agent.connect();
    await agent.setPresence('online', 3);

    const start = async (name: string) => {
      const v = new VisitorClient({ baseUrl: balancer.url, organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID, buttonId: HUMAN_BUTTON, visitorName: name, fetch: loggingFetch(log, name) });
      visitors.push(v);
      const got: string[] = [];
      const outcome: string[] = [];
      v.on('message', ({ text }) => void got.push(text));
      v.on('failed', ({ reason }) => void outcome.push(`failed ${reason}`));
      v.on('ended', ({ reason }) => void outcome.push(`ended ${reason}`));
      const seen = offers.length;
      await v.start();
      await until(() => offers.length > seen, `the offer for ${name}`, 10_000);
      const chatId = offers[seen]!;
      await agent!.accept(chatId);
      await until(() => v.state === 'chatting', `ChatEstablished for ${name}`, 10_000);
      return { v, got, outcome, chatId };
    };
    const talker = await start('talker');
    const leaver = await start('leaver');
    /** The talker's messages in the chat's transcript (the store's, not the agent's stream). */
    const visitorTexts = async () => (await agent!.transcript(talker.chatId)).events.filter((e) => e.type === 'ChasitorChatMessage').map((e) => String(e.data['text']));

    await talker.v.send('v1'); // 200: durable
    await sleep(100); // the talker's next poll is held by A

    log.push(`kill ${Math.round(performance.now())}`);
    await a.kill9();
    // Once the balancer sends new connections to the standby (a call on a connection to A
    // that died is a network failure, which `end` rightly does not retry: it may have been applied).
    for (let i = 0; (await fetch(`${balancer.url}/readyz`).then((r) => r.text(), () => '')) !== 'standby'; i++) {
      if (i > 200) throw new Error('the balancer never reached the standby');
      await sleep(20);
    }
    // Both reach the standby before it takes over (asserted below), and wait for it.
    const ended = within(agent.end(leaver.chatId), 40_000, 'agent.end() across the failover');
    ended.catch(() => undefined);
    const v2 = within(talker.v.send('v2'), 40_000, 'visitor.send(v2) across the failover');
    v2.catch(() => undefined);
    await ended.catch((err: unknown) => { throw new Error(`${String(err)}; requests: ${JSON.stringify(log.slice(-30))}; B: ${b.logTail}`); });
    await v2;

    const endPath = `/agent/v1/chats/${leaver.chatId}/end`;
    expect(log).toContain(`agent 503 ${endPath}`);
    expect(log).toContain('talker 503 /chat/rest/Chasitor/ChatMessage');
    await until(() => leaver.outcome.length > 0, 'the leaver\'s chat ended', 20_000);
    expect(leaver.outcome).toEqual(['ended agent']);
    expect((await agent.chat(leaver.chatId)).chat).toMatchObject({ state: 'ended' });

    await agent.send(talker.chatId, 'a1');
    await talker.v.send('v3');
    await until(() => talker.got.includes('a1'), 'a1 at the talker', 20_000);
    expect(await visitorTexts()).toEqual(['v1', 'v2', 'v3']);
    expect(talker.outcome).toEqual([]);
    expect(talker.v.state).toBe('chatting');
    // The standby is no lost affinity: no recovery was started.
    expect(log.filter((l) => l.includes('ReconnectSession') || l.includes('ResyncSession'))).toEqual([]);
  }, 120_000);
});
