/**
 * Shared pieces of the agent API suite: a server started from `dist/` with a
 * routing test config (two orgs, skills `support`/`sales`, a ToAgent button,
 * an idle-timeout button, agents with small capacities, a supervisor and an
 * admin), and black-box clients that speak the agent API over real HTTP, a
 * real WebSocket and Server-Sent Events. Visitors are the protocol suite's
 * {@link Visitor}, over the visitor REST API. Nothing here knows the server's
 * internals.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import { OWNS_PROCESS, TestServer, request, usePostgresServer, type Res, type ServerOptions, type TestSettings } from '../protocol/harness.js';
import { Visitor, type LaMessage } from '../protocol/visitor.js';

export { OWNS_PROCESS };

export const ORG = '00D0000000000A1';
export const DEPLOYMENT = '5720000000000A1';
export const OTHER_ORG = '00D0000000000B1';
export const OTHER_DEPLOYMENT = '5720000000000B1';

/** Buttons of the routing config. */
export const BUTTON = {
  /** skill `support`, Most Available, 1 s offers. */
  support: '5730000000000A1',
  /** skill `sales`, Least Active, queue updates. */
  sales: '5730000000000A2',
  /** ToAgent button for Alice. */
  toAlice: '5730000000000A3',
  /** skill `solo` (one agent with capacity 1): queueing. */
  solo: '5730000000000A4',
  /** skill `idle`: chasitor idle timeout 1 s warning / 2 s end, no sneak peek. */
  idle: '5730000000000A5',
  /** skill `billing`: the target of button transfers. */
  billing: '5730000000000A6',
  /** The other org's button (skill `support` there). */
  other: '5730000000000B1',
} as const;

export interface Login {
  id: string;
  username: string;
  password: string;
  name: string;
}

const login = (id: string, username: string, name: string): Login => ({ id, username, password: `${username}-secret`, name });

/** Users of the routing config; the password of each is `<username>-secret`. */
export const USERS = {
  alice: login('0050000000000A1', 'alice', 'Alice Agent'),
  bob: login('0050000000000A2', 'bob', 'Bob Agent'),
  carol: login('0050000000000A3', 'carol', 'Carol Agent'),
  dave: login('0050000000000A4', 'dave', 'Dave Solo'),
  ivy: login('0050000000000A5', 'ivy', 'Ivy Idle'),
  bill: login('0050000000000A6', 'bill', 'Bill Billing'),
  sam: login('0050000000000A8', 'sam', 'Sam Supervisor'),
  root: login('0050000000000A9', 'root', 'Root Admin'),
  eve: login('0050000000000B1', 'eve', 'Eve Elsewhere'),
  sue: login('0050000000000B2', 'sue', 'Sue Elsewhere'),
} as const;

const agent = (u: Login, skills: string[], capacity: number, role = 'agent') => ({
  id: u.id, name: u.name, username: u.username, password: `plain:${u.password}`, role, skills, capacity,
});

const standard = (id: string, skills: string[], extra: Record<string, unknown> = {}) => ({
  id, type: 'Standard', skills, routing: 'MostAvailable', offerTimeoutSeconds: 1, queueSizeLimit: 10, sneakPeekEnabled: true, ...extra,
});

/** The routing test config: written to the server's config file. */
export function routingConfig(settings: TestSettings): object {
  return {
    settings: { clientPollTimeoutSeconds: 40, agentGraceSeconds: 1, ...settings },
    orgs: [
      {
        id: ORG,
        deployments: [{
          id: DEPLOYMENT,
          buttons: [
            standard(BUTTON.support, ['support']),
            standard(BUTTON.sales, ['sales'], { routing: 'LeastActive' }),
            { id: BUTTON.toAlice, type: 'ToAgent', agentId: USERS.alice.id, offerTimeoutSeconds: 1 },
            standard(BUTTON.solo, ['solo'], { offerTimeoutSeconds: 5, label: '  Solo line ' }),
            standard(BUTTON.idle, ['idle'], { sneakPeekEnabled: false, chasitorIdleTimeout: { isEnabled: true, warningTime: 1, timeout: 2 } }),
            standard(BUTTON.billing, ['billing']),
          ],
        }],
        agents: [
          agent(USERS.alice, ['support', 'sales'], 2),
          agent(USERS.bob, ['support'], 2),
          agent(USERS.carol, ['sales'], 1),
          agent(USERS.dave, ['solo'], 1),
          agent(USERS.ivy, ['idle'], 2),
          agent(USERS.bill, ['billing'], 2),
          agent(USERS.sam, ['support'], 3, 'supervisor'),
          agent(USERS.root, [], 0, 'admin'),
        ],
      },
      {
        id: OTHER_ORG,
        deployments: [{ id: OTHER_DEPLOYMENT, buttons: [standard(BUTTON.other, ['support'])] }],
        agents: [agent(USERS.eve, ['support'], 2), agent(USERS.sue, [], 3, 'supervisor')],
      },
    ],
  };
}

/**
 * The protocol suite's {@link TestServer} (so {@link Visitor} works against it),
 * started with the routing config instead of the demo deployment.
 */
export class AgentTestServer extends TestServer {
  /** `opts.config`: a variant of the routing config (one org's settings switched on, say). */
  constructor(settings: TestSettings = {}, opts: ServerOptions = {}) {
    super(settings, { config: routingConfig, ...opts });
  }
}

/** Agents and visitors of the running test, cleaned up after it so a failure does not leak into the next. */
const liveAgents = new Set<AgentUser>();
const liveVisitors = new Set<Visitor>();

async function cleanUp(): Promise<void> {
  for (const v of liveVisitors) await v.end().catch(() => undefined);
  liveVisitors.clear();
  for (const a of liveAgents) {
    await a.call('PUT', '/agent/v1/presence', { status: 'offline' }).catch(() => undefined);
    await a.disconnect().catch(() => undefined);
  }
  liveAgents.clear();
}

/**
 * Starts a routing-config server for this test file. After each test every
 * agent it logged in goes offline and every visitor it started ends its chat.
 */
export function useAgentServer(settings: TestSettings = {}, opts: ServerOptions = {}): AgentTestServer {
  const server = new AgentTestServer({ pollHoldSeconds: 0.5, ...settings }, opts);
  beforeAll(() => server.start());
  afterEach(() => cleanUp());
  afterAll(() => server.dispose());
  return server;
}

/**
 * The routing-config server on each store a restart test covers, as `[store, server]`
 * pairs: a SQLite file ({@link useAgentServer}) and a PostgreSQL database of its own
 * named after `databasePrefix` ({@link usePostgresServer}), each started before the
 * file's tests and removed after them.
 */
export function useAgentServerPerStore(databasePrefix: string, settings: TestSettings = {}): readonly (readonly [store: 'SQLite' | 'PostgreSQL', server: TestServer])[] {
  const sqlite = useAgentServer(settings);
  const { server: postgres } = usePostgresServer(databasePrefix, { pollHoldSeconds: 0.5, ...settings }, routingConfig);
  return [['SQLite', sqlite], ['PostgreSQL', postgres]];
}

/** One event of a chat's log as the transcript answers it. */
export interface WireEvent {
  offset: number;
  type: string;
  actor: string;
  at: number;
  data: Record<string, unknown>;
  clientMessageId?: string;
}

/** One event of an agent's stream (WebSocket frame or SSE message). */
export interface StreamEvent {
  id?: string;
  type: string;
  chatId?: string;
  at?: number;
  data: Record<string, unknown>;
  /** `resync` frames. */
  reason?: string;
  snapshot?: Record<string, unknown>;
}

/** Resolves once `cond()` holds; fails with `what` and `state()` after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 8_000, state: () => unknown = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}: ${JSON.stringify(state()).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** Resolves after `ms`. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The answer to a command frame sent on the stream socket. */
export interface CommandReply {
  type: 'reply';
  ref: string;
  ok: boolean;
  result?: Record<string, unknown>;
  status?: number;
  error?: string;
}

/** A user of the agent API: REST calls with a bearer credential, and one stream. */
export class AgentUser {
  accessToken = '';
  refreshToken = '';
  /** Every stream event received, in order, over all connections. */
  readonly events: StreamEvent[] = [];
  ws: WebSocket | undefined;
  /** Close code of the last WebSocket, once closed. */
  closeCode: number | undefined;

  constructor(
    readonly server: TestServer,
    readonly login: Login,
  ) {}

  get id(): string {
    return this.login.id;
  }

  /** Logs in and returns the token pair body. */
  static async login(server: TestServer, user: Login): Promise<AgentUser> {
    const a = new AgentUser(server, user);
    const res = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: user.username, password: user.password } });
    expect(res.status, `login ${user.username}: ${res.text}`).toBe(200);
    const pair = res.json as { accessToken: string; refreshToken: string };
    a.accessToken = pair.accessToken;
    a.refreshToken = pair.refreshToken;
    liveAgents.add(a);
    return a;
  }

  /** One request with this user's bearer token (or `token`). Never throws on a status. */
  call(method: string, path: string, body?: unknown, token = this.accessToken): Promise<Res> {
    return request(this.server.baseUrl, method, path, { body, headers: token ? { Authorization: `Bearer ${token}` } : {} });
  }

  /** Like {@link call} but requires a 2xx and returns the JSON body. */
  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call(method, path, body);
    expect(res.status, `${this.login.username} ${method} ${path}: ${res.text}`).toBeLessThan(300);
    return res.json as T;
  }

  presence(status: 'online' | 'away' | 'offline', capacity?: number): Promise<{ status: string; capacity: number; load: number }> {
    return this.ok('PUT', '/agent/v1/presence', capacity === undefined ? { status } : { status, capacity });
  }

  /** Opens the WebSocket stream (resuming after `lastEventId` when given); resolves once open. */
  async connect(lastEventId?: string): Promise<void> {
    const base = this.server.baseUrl.replace(/^http/, 'ws');
    const url = `${base}/agent/v1/stream${lastEventId ? `?lastEventId=${encodeURIComponent(lastEventId)}` : ''}`;
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${this.accessToken}` } });
    this.ws = ws;
    this.closeCode = undefined;
    ws.on('message', (raw: Buffer) => this.events.push(JSON.parse(raw.toString('utf8')) as StreamEvent));
    ws.on('close', (code) => {
      this.closeCode = code;
    });
    await new Promise<void>((resolveOpen, rejectOpen) => {
      ws.once('open', () => resolveOpen());
      ws.once('error', rejectOpen);
    });
  }

  /** Closes the stream and waits for the close handshake. */
  async disconnect(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => ws.once('close', r));
    ws.close();
    await closed;
  }

  /** Goes offline and closes the stream (end of a test). */
  async leave(): Promise<void> {
    await this.presence('offline');
    await this.disconnect();
  }

  /** Waits for the first stream event after index `from` matching `match`. */
  async next(match: (e: StreamEvent) => boolean, what: string, from = 0, ms = 8_000): Promise<StreamEvent> {
    const find = () => this.events.slice(from).find(match);
    await until(() => find() !== undefined, `${this.login.username}: ${what}`, ms, () => this.events.map((e) => `${e.type}:${String(e.data?.['type'] ?? '')}`));
    return find()!;
  }

  /**
   * Sends a command frame on the stream socket and waits for its reply
   * (`{type: 'reply', ref, ok, result | status, error}`).
   */
  async command(action: string, chatId: string | undefined, body?: unknown): Promise<CommandReply> {
    const ws = this.ws;
    if (!ws) throw new Error('connect() first');
    this.refCounter += 1;
    const ref = `r${this.refCounter}`;
    ws.send(JSON.stringify({ ref, action, chatId, body }));
    return (await this.next((e) => e.type === 'reply' && (e as unknown as CommandReply).ref === ref, `reply to ${action} ${ref}`)) as unknown as CommandReply;
  }

  private refCounter = 0;

  /** The next offer (of `chatId` when given) after index `from`. */
  nextOffer(from = 0, chatId?: string, ms?: number): Promise<StreamEvent> {
    return this.next((e) => e.type === 'offer' && (chatId === undefined || e.chatId === chatId), `an offer${chatId ? ` of ${chatId}` : ''}`, from, ms);
  }

  /** The next chat.event of `chatId` whose log type is `type`. */
  nextChatEvent(chatId: string, type: string, from = 0): Promise<StreamEvent> {
    return this.next((e) => e.type === 'chat.event' && e.chatId === chatId && e.data['type'] === type, `chat.event ${type}`, from);
  }

  offers(): StreamEvent[] {
    return this.events.filter((e) => e.type === 'offer');
  }

  chatEvents(chatId: string, type?: string): StreamEvent[] {
    return this.events.filter((e) => e.type === 'chat.event' && e.chatId === chatId && (type === undefined || e.data['type'] === type));
  }
}

/** Logs in and opens the stream, optionally going online. */
export async function onlineAgent(server: TestServer, user: Login, opts: { online?: boolean; capacity?: number } = {}): Promise<AgentUser> {
  const a = await AgentUser.login(server, user);
  await a.connect();
  if (opts.online !== false) await a.presence('online', opts.capacity);
  return a;
}

/** A visitor that asks for a chat on `buttonId` of the routing org and returns the ChasitorInit answer. */
export async function requestChat(server: TestServer, buttonId: string, extra: Record<string, unknown> = {}, org: 'main' | 'other' = 'main'): Promise<Visitor> {
  const v = new Visitor(server);
  liveVisitors.add(v);
  await v.createSession();
  const ids = org === 'main' ? { organizationId: ORG, deploymentId: DEPLOYMENT } : { organizationId: OTHER_ORG, deploymentId: OTHER_DEPLOYMENT };
  const res = await v.init(v.initBody(buttonId, { ...ids, ...extra }));
  expect(res.status, `ChasitorInit: ${res.text}`).toBe(200);
  return v;
}

/**
 * A visitor asks for a chat on `buttonId`; `agent` takes the first offer it gets
 * and the visitor sees ChatEstablished.
 */
export async function acceptedChat(agent: AgentUser, buttonId: string, extra: Record<string, unknown> = {}): Promise<{ v: Visitor; chatId: string }> {
  const v = await requestChat(agent.server, buttonId, extra);
  const chatId = (await agent.nextOffer()).chatId!;
  await agent.ok('POST', `/agent/v1/chats/${chatId}/accept`);
  await v.waitFor('ChatEstablished');
  return { v, chatId };
}

/** Messages of `type` a visitor has received so far. */
export function received(v: Visitor, type: string): LaMessage[] {
  return v.received.filter((m) => m.type === type);
}

/** Parses one SSE stream into events as they arrive. */
export class SseClient {
  readonly events: StreamEvent[] = [];
  /** SSE `id:` lines, in order. */
  readonly ids: string[] = [];
  status = 0;
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;

  constructor(
    readonly server: TestServer,
    readonly token: string,
  ) {}

  /** Resolves once the response headers arrived (with the status). */
  headers: Promise<number> = Promise.resolve(0);

  /**
   * Starts the stream in the background (events are collected as they come);
   * {@link headers} resolves when the response headers arrive.
   */
  open(lastEventId?: string): void {
    const started = fetch(`${this.server.baseUrl}/agent/v1/events`, {
      headers: { Authorization: `Bearer ${this.token}`, Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
      signal: this.abort.signal,
    });
    this.headers = started.then((res) => res.status, () => 0);
    this.done = started.then(async (res) => {
      this.status = res.status;
      if (!res.ok || !res.body) return;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const lines = block.split('\n');
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
          if (id) this.ids.push(id);
          if (data) this.events.push(JSON.parse(data) as StreamEvent);
        }
      }
    }).catch(() => undefined); // aborted by close()
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
