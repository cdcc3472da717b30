/**
 * The whole failover as a deployment sees it (ADR 0048, "How to deploy"): node A
 * active and node B standing by on one store (PostgreSQL; SQLite on one host and data
 * directory), both behind a load balancer that health-checks `/readyz`. A human agent
 * on the real SDK (AgentClient) and a visitor on the Live Agent REST API both talk only
 * to the balancer. A dies with `kill -9` right after accepting a visitor message; B
 * takes over, the balancer sends new connections to it, and both sides carry on by
 * their ordinary retries: every message once and in order on both sides, the
 * visitor's sequences continuing, the chat still held by the same agent. Then B dies
 * the same way, with the agent's send applied by B and its answer lost, and C takes over.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../packages/sdk/src/index.js';
import { scratchDatabase } from '../../src/adapters/postgres/scratch-database.test-support.js';
import { OWNS_PROCESS, TestServer, needsProcess, request, sleep, type ServerOptions } from './harness.js';
import { AGENT, AgentView, HUMAN_BUTTON, humanAgentConfig, until, within } from './failover-support.js';
import { ReadyBalancer } from './ready-balancer.js';
import { expectStandingBy } from './standby-support.js';
import { Visitor, expectOk, type LaMessage, type PollResult } from './visitor.js';

/** The agents' grace for their chats after a restart (the default): the agent must be back well within it. */
const AGENT_GRACE_SECONDS = 60;
const config = (storage?: object) => humanAgentConfig(storage, AGENT_GRACE_SECONDS);

/** True for a failure of the connection itself (reset, refused, closed early): a real client retries those. */
function isNetworkError(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && /fetch failed|socket|ECONN|other side closed/i.test(`${err.message} ${String(err.cause)}`));
}

/**
 * A visitor as a real client behaves at a failover (wire-compat.md; the SDK's VisitorClient
 * does the same): a poll or a POST that fails on the network, or gets a 503 other than
 * `Invalid Affinity Token` (a node not ready: `Retry-After`), is sent again, the poll with
 * the same `ack`, the POST with the same `X-LIVEAGENT-SEQUENCE`. Bounded by `limitMs`.
 */
class RetryingVisitor extends Visitor {
  retries = 0;

  async pollRetrying(limitMs = 20_000): Promise<PollResult> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      try {
        const res = await this.poll();
        if (res.status !== 503 || res.text === 'Invalid Affinity Token') return res;
      } catch (err) {
        if (!isNetworkError(err)) throw err;
      }
      if (Date.now() > deadline) throw new Error(`poll: no answer within ${limitMs} ms`);
      this.retries += 1;
      await sleep(250);
    }
  }

  /** Polls (with retries) until `done` holds over everything received. */
  async pollRetryingUntil(done: (all: LaMessage[]) => boolean, what: string, limitMs = 20_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!done(this.received)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received.map((m) => [m.type, m.message['text']]))}`);
      const res = await this.pollRetrying(Math.max(1, deadline - Date.now()));
      if (res.status !== 200 && res.status !== 204) throw new Error(`Messages answered ${res.status} ${res.text} while waiting for ${what}`);
    }
  }

  /** ChatMessage under one sequence number, sent again on a network failure or a 503. */
  async sayRetrying(text: string, limitMs = 20_000): Promise<void> {
    const sequence = this.sentSequence + 1;
    const deadline = Date.now() + limitMs;
    for (;;) {
      try {
        const res = await this.post('Chasitor/ChatMessage', { text }, { sequence });
        if (res.status !== 503) return expectOk(res, `ChatMessage ${text}`);
      } catch (err) {
        if (!isNetworkError(err)) throw err;
      }
      if (Date.now() > deadline) throw new Error(`ChatMessage ${text}: not accepted within ${limitMs} ms`);
      this.retries += 1;
      await sleep(250);
    }
  }
}

/**
 * The agent messages of a chat as `server` has them (its transcript, asked of that node
 * directly, not through the balancer), with a login of its own.
 */
async function storedAgentTexts(server: TestServer, chatId: string): Promise<string[]> {
  await sleep(20);
  const login = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: AGENT.username, password: AGENT.password } });
  const token = String((login.json as { accessToken?: unknown } | undefined)?.accessToken);
  const res = await request(server.baseUrl, 'GET', `/agent/v1/chats/${chatId}/transcript`, { headers: { Authorization: `Bearer ${token}` } });
  const events = (res.json as { events?: Array<{ type: string; data: { text?: unknown } }> } | undefined)?.events ?? [];
  return events.filter((e) => e.type === 'ChatMessage').map((e) => String(e.data.text));
}

/** Three nodes of one store (A active, B and C standbys) and their teardown. */
interface Nodes {
  a: TestServer;
  b: TestServer;
  c: TestServer;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
}

function postgresNodes(): Nodes {
  const db = scratchDatabase('sb_lb_failover');
  const opts = (env: Record<string, string> = {}): ServerOptions => ({ config: config({ kind: 'postgres', postgresUrl: db.url }), env });
  const nodes = { a: new TestServer({}, opts()), b: new TestServer({}, opts({ SWITCHBOARD_STANDBY: 'true' })), c: new TestServer({}, opts({ SWITCHBOARD_STANDBY: 'true' })) };
  return {
    ...nodes,
    setUp: () => db.create(),
    tearDown: async () => {
      for (const n of Object.values(nodes)) await n.dispose();
      await db.drop();
    },
  };
}

/** SQLite: one host, one data directory (A's), a port per node. */
function sqliteNodes(): Nodes {
  const a: TestServer = new TestServer({}, { config: config() });
  const standby = (): TestServer => new TestServer({}, { config: config(), env: { SWITCHBOARD_STANDBY: 'true' }, dataDir: () => a.dataDir });
  const [b, c] = [standby(), standby()];
  return {
    a, b, c,
    setUp: async () => undefined,
    // A last: the standbys use its data directory, which its dispose() removes.
    tearDown: async () => {
      await c.dispose();
      await b.dispose();
      await a.dispose();
    },
  };
}

for (const [store, nodes] of [['PostgreSQL', postgresNodes], ['SQLite', sqliteNodes]] as const) {
  describe.skipIf(!OWNS_PROCESS)(needsProcess(`failover behind a /readyz load balancer (${store}): a human agent on the SDK and a visitor`), () => {
    const { a, b, c, setUp, tearDown } = nodes();
    // C stands by for the second failover (started once B serves: two standbys would race for the first).
    const balancer = new ReadyBalancer(() => [a.baseUrl, b.baseUrl, c.baseUrl]);
    let agent: AgentClient | undefined;

    beforeAll(async () => {
      await setUp();
      await a.start();
      await b.start();
      await balancer.start();
    }, 60_000);
    afterAll(async () => {
      agent?.close();
      await balancer.stop();
      await tearDown();
    });

    it('kill -9 of the active node, twice: the SDK is back through the balancer within the grace, every message once and in order both ways, the chat still the agent\'s', async () => {
      await expectStandingBy(b);
      await balancer.until(0, 5_000);

      // The agent signs in and opens the stream through the balancer, with the SDK's default retry timing.
      agent = new AgentClient({ baseUrl: balancer.url, WebSocket });
      const view = new AgentView(agent);
      await agent.login(AGENT.username, AGENT.password);
      const offers: string[] = [];
      agent.on('offer', (o) => void offers.push(o.data.chatId));
      await agent.connect();
      await agent.setPresence('online', 3);

      // The visitor asks for a chat through the balancer; the agent accepts.
      const front = { req: (m: string, p: string, o?: Parameters<TestServer['req']>[2]) => request(balancer.url, m, p, o), pollHoldMs: 1_000 } as unknown as TestServer;
      const v = new RetryingVisitor(front);
      await v.createSession();
      expectOk(await v.init(v.initBody(HUMAN_BUTTON)), 'ChasitorInit');
      await until(() => offers.length > 0, 'the offer', 10_000);
      const chatId = offers[0]!;
      view.chatId = chatId;
      await agent.accept(chatId);
      await v.pollRetryingUntil((all) => all.some((m) => m.type === 'ChatEstablished'), 'ChatEstablished');

      // Messages both ways before the failover.
      await v.sayRetrying('v1');
      await agent.send(chatId, 'a1');
      await v.pollRetryingUntil((all) => all.some((m) => m.message['text'] === 'a1'), 'a1');
      await until(() => view.texts('ChasitorChatMessage').includes('v1'), 'v1 at the agent', 10_000);

      // v2 is accepted (200: durable), and A dies at once; the agent sends a2 at the same moment.
      await v.sayRetrying('v2');
      // The visitor's long poll is held by A when it dies (the poll is cut and retried with the same ack).
      const visitorGetsA2 = v.pollRetryingUntil((all) => all.some((m) => m.message['text'] === 'a2'), 'a2', 30_000);
      await sleep(100);
      const reconnectedBefore = view.connection.length;
      const killed = performance.now();
      await a.kill9();
      const a2 = within(agent.send(chatId, 'a2'), 40_000, 'agent.send(a2) across the failover');
      a2.catch(() => undefined); // awaited below; a failure before that must not be an unhandled rejection

      // B takes over; the balancer moves new connections to it.
      await balancer.until(1, 15_000);
      const switchedMs = performance.now() - killed;
      expect(b.logTail).toMatch(/node lock taken: taking the store over/);

      // The agent's stream comes back through the balancer, to B, on its own.
      await until(() => view.connection.slice(reconnectedBefore).some((c) => c.state === 'online') && view.resyncs.length > 0, 'the SDK stream back online with a resync', AGENT_GRACE_SECONDS * 1000);
      const changes = view.connection.slice(reconnectedBefore);
      expect(changes.map((c) => c.state)).toEqual(['reconnecting', 'online']);
      const [dropped, online] = changes.map((c) => c.at) as [number, number];
      // The first frame of the new socket: after the SDK saw the old one drop.
      const firstFrame = view.frames.find((t) => t > dropped) ?? Number.NaN;
      await within(view.resyncDone, 20_000, 'rebuilding the view after the resync');
      const sent = await a2;
      expect(sent).toMatchObject({ offset: expect.any(Number) as number });
      console.info(`failover behind the balancer (${store}): balancer on B ${Math.round(switchedMs)} ms, SDK stream online ${Math.round(online - killed)} ms, first stream frame ${Math.round(firstFrame - killed)} ms after kill -9 (resync reason: ${view.resyncs[0]?.reason}); visitor retries: ${v.retries}; balancer routes: ${JSON.stringify(balancer.routed)}`);
      expect(view.resyncs[0]?.reason).toBe('epoch changed');
      expect(online - killed).toBeLessThan(AGENT_GRACE_SECONDS * 1000);

      // The visitor's polls, retried, bring a2 once, after a1; the sequences went on growing (poll() checks).
      await visitorGetsA2;

      // After the failover: both ways again, on B.
      await v.sayRetrying('v3');
      await agent.send(chatId, 'a3');
      await v.pollRetryingUntil((all) => all.some((m) => m.message['text'] === 'a3'), 'a3');
      await until(() => view.texts('ChasitorChatMessage').includes('v3'), 'v3 at the agent', 10_000);

      // A second failover, B to C, with the agent's send applied by B whose answer never got out
      // (the balancer drops what B sends, then B dies): the SDK sent it on the socket and, with no
      // reply, sends it again over REST under the same clientMessageId, now to C. Applied once.
      let storedTexts: string[] = [];
      await c.start();
      await expectStandingBy(c);
      await v.sayRetrying('v4');
      const visitorGetsA4 = v.pollRetryingUntil((all) => all.some((m) => m.message['text'] === 'a4'), 'a4', 30_000);
      await sleep(100);
      const before2 = view.connection.length;
      const resyncs2 = view.resyncs.length;
      balancer.mute();
      const a4 = within(agent.send(chatId, 'a4'), 40_000, 'agent.send(a4) in flight at the failover');
      a4.catch(() => undefined);
      await until(() => storedTexts.includes('a4'), 'a4 stored by B', 10_000, async () => { storedTexts = await storedAgentTexts(b, chatId); });
      const killed2 = performance.now();
      await b.kill9();
      balancer.unmute();
      await balancer.until(2, 15_000);
      await until(() => view.connection.slice(before2).some((c) => c.state === 'online') && view.resyncs.length > resyncs2, 'the SDK stream back online after the second failover', AGENT_GRACE_SECONDS * 1000);
      const online2 = view.connection.slice(before2).find((c) => c.state === 'online')?.at ?? Number.NaN;
      await within(view.resyncDone, 20_000, 'rebuilding the view after the second resync');
      await a4;
      await visitorGetsA4;
      console.info(`second failover (${store}, B to C, a send applied by B and its answer lost): SDK stream online ${Math.round(online2 - killed2)} ms after kill -9; visitor retries: ${v.retries}`);
      expect(online2 - killed2).toBeLessThan(AGENT_GRACE_SECONDS * 1000);
      await v.sayRetrying('v5');
      await agent.send(chatId, 'a5');
      await v.pollRetryingUntil((all) => all.some((m) => m.message['text'] === 'a5'), 'a5');
      await until(() => view.texts('ChasitorChatMessage').includes('v5'), 'v5 at the agent', 10_000);
      await v.expectNoMore();

      // Exactly once, in order, on both sides.
      expect(v.texts()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
      expect(view.texts('ChasitorChatMessage')).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
      expect(view.errors).toEqual([]);
      expect(view.duplicates()).toEqual([]);
      // The store holds each message once (the agent's own messages are not echoed on its stream: the transcript).
      const transcript = await agent.transcript(chatId);
      const stored = (type: string): string[] => transcript.events.filter((e) => e.type === type).map((e) => String(e.data['text']));
      expect(stored('ChatMessage')).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
      expect(stored('ChasitorChatMessage')).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
      // The chat never left the agent: no requeue, transfer or end on either side.
      const types = v.received.map((m) => m.type);
      for (const t of ['AgentDisconnect', 'ChatTransferred', 'ChatEnded', 'ChatRequestFail']) expect(types).not.toContain(t);
      expect((await agent.chat(chatId)).chat).toMatchObject({ chatId, state: 'established', agentId: AGENT.id });
      expect(offers).toEqual([chatId]);
    }, 120_000);
  });
}
