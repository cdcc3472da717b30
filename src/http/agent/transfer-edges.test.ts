/**
 * Transfers at the edges, through the whole server (fastify inject, a fake clock)
 * on each real store — SQLite in a temp dir, PostgreSQL in a scratch database:
 *
 * - a transfer to a skill or button that nobody is left to take fails back to
 *   its sender promptly, also when the sender took on other work meanwhile (the
 *   chat keeps its place in the sender's capacity) and when the target's last
 *   agent steps away or loses the skill while the chat waits;
 * - a chat transferred to one agent holds no place in its queue: visitors
 *   waiting there keep their positions and estimates, and it does not fill the queue;
 *   nor does a request for one named agent without fallback, which a full queue does not refuse;
 * - after a restart only the transfers and named-agent requests pending at the start wait out
 *   the agents' grace; one made since fails as on a server that never restarted;
 * - chats stored before the record kept its holders answer a former holder
 *   409 "no longer yours" after the upgrade, as chats written since do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { createPostgresChatStore } from '../../adapters/postgres/postgres-chat-store.js';
import { scratchDatabase } from '../../adapters/postgres/scratch-database.test-support.js';
import { createSqliteChatStore } from '../../adapters/sqlite/sqlite-chat-store.js';
import { validateConfig } from '../../config/load-config.js';
import { newVisitor, post, type Visitor } from '../../core/inject-harness.test-support.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { ChatStore } from '../../ports/chat-store.js';
import type { LogEvent } from '../../ports/records.js';

const ORG = '00D0000000000T1';
const DEPLOYMENT = '5720000000000T1';
const SUPPORT = '5730000000000T1';
const BILLING = '5730000000000T2';
const USER = {
  alice: '0050000000000T1', // support, capacity 1
  bob: '0050000000000T2', // support, capacity 1
  bill: '0050000000000T3', // billing, capacity 1
  carol: '0050000000000T4', // sales (serves neither button), capacity 1
  root: '0050000000000T9', // admin
} as const;
type UserName = keyof typeof USER;

const user = (name: UserName, skills: string[], role = 'agent') => ({
  id: USER[name], name, username: name, password: `plain:${name}-secret`, role, skills, capacity: role === 'admin' ? 0 : 1,
});

function config(agentGraceSeconds = 600) {
  return validateConfig({
    storage: { kind: 'memory' },
    // Nobody is dropped while a test moves the clock forward.
    settings: { agentGraceSeconds },
    orgs: [{
      id: ORG,
      deployments: [{
        id: DEPLOYMENT,
        buttons: [
          { id: SUPPORT, type: 'Standard', skills: ['support'], offerTimeoutSeconds: 300, queueSizeLimit: 3 },
          { id: BILLING, type: 'Standard', skills: ['billing'], offerTimeoutSeconds: 300 },
        ],
      }],
      agents: [user('alice', ['support']), user('bob', ['support']), user('bill', ['billing']), user('carol', ['sales']), user('root', [], 'admin')],
    }],
  }, 'transfer edges test');
}

// ---- the stores -------------------------------------------------------------

interface Backend {
  readonly name: string;
  /** A fresh, empty store of this kind. */
  fresh(): Promise<ChatStore>;
  /** The same data, opened again (after the previous store was closed). */
  reopen(): Promise<ChatStore>;
  /** Runs SQL on the data while no store has it open. */
  sql(statement: string): Promise<void>;
  /** The session row's record JSON. */
  record(sessionId: string): Promise<Record<string, unknown>>;
}

const database = scratchDatabase('sb_transfer_edges');
let schemas = 0;

function sqliteBackend(): Backend {
  let dir = '';
  const open = () => createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
  const withDb = <T>(fn: (db: Sqlite.Database) => T): T => {
    const db = new Sqlite(join(dir, 'switchboard.sqlite'));
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    name: 'sqlite',
    fresh: () => {
      dir = mkdtempSync(join(tmpdir(), 'sb-transfer-edges-'));
      dirs.push(dir);
      return Promise.resolve(open());
    },
    reopen: () => Promise.resolve(open()),
    sql: (statement) => Promise.resolve(withDb((db) => { db.exec(statement); })),
    record: (id) => Promise.resolve(withDb((db) => JSON.parse((db.prepare('select record from sessions where id = ?').get(id) as { record: string }).record) as Record<string, unknown>)),
  };
}

function postgresBackend(): Backend {
  let schema = '';
  const open = () => createPostgresChatStore({ url: database.url, schema, poolSize: 2 });
  const query = async <T extends object>(statement: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`set search_path to ${schema}`);
      return (await client.query<T>(statement, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    fresh: () => {
      schema = `edges_${++schemas}`;
      return open();
    },
    reopen: open,
    sql: async (statement) => { await query(statement); },
    record: async (id) => JSON.parse((await query<{ record: string }>('select record from sessions where id = $1', [id]))[0]!.record) as Record<string, unknown>,
  };
}

const dirs: string[] = [];
beforeAll(() => database.create(), 30_000);
afterAll(async () => {
  await database.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// ---- the server -------------------------------------------------------------

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

interface Server {
  sb: Switchboard;
  clock: FakeClock;
}

async function boot(store: ChatStore, agentGraceSeconds?: number): Promise<Server> {
  const clock = new FakeClock();
  const sb = await createSwitchboard(config(agentGraceSeconds), { clock, store, logger: pino({ level: 'silent' }) });
  running = sb;
  return { sb, clock };
}

async function stop(): Promise<void> {
  await running?.stop();
  running = null;
}

/** One user of the agent API, by inject. */
class Agent {
  private constructor(private readonly sb: Switchboard, private readonly token: string, readonly id: string) {}

  static async login(sb: Switchboard, name: UserName): Promise<Agent> {
    const res = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: name, password: `${name}-secret` } });
    expect(res.statusCode, res.body).toBe(200);
    return new Agent(sb, res.json<{ accessToken: string }>().accessToken, USER[name]);
  }

  static async online(sb: Switchboard, name: UserName): Promise<Agent> {
    const a = await Agent.login(sb, name);
    await a.ok('PUT', '/agent/v1/presence', { status: 'online' });
    return a;
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown): Promise<{ status: number; body: string }> {
    const res = await this.sb.app.inject({ method, url, headers: { authorization: `Bearer ${this.token}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    return { status: res.statusCode, body: res.body };
  }

  async ok(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown): Promise<Record<string, unknown>> {
    const res = await this.call(method, url, payload);
    expect(res.status, `${this.id} ${method} ${url}: ${res.body}`).toBe(200);
    return JSON.parse(res.body) as Record<string, unknown>;
  }
}

/**
 * A visitor asks for a chat on `button`, with queue updates; returns its session (= chat id).
 * `agentId` makes it a request for that agent only (no fallback).
 */
async function visitor(sb: Switchboard, button: string, name: string, agentId?: string): Promise<Visitor> {
  const v = await newVisitor(sb);
  const named = agentId === undefined ? {} : { agentId, doFallback: false };
  const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: DEPLOYMENT, buttonId: button, sessionId: v.id, visitorName: name, receiveQueueUpdates: true, ...named }, 1);
  expect(res.statusCode, res.body).toBe(200);
  await sb.engine.queue.commit();
  return v;
}

function chat(sb: Switchboard, v: Visitor) {
  const r = sb.engine.sessions.get(v.id)?.record;
  if (!r) throw new Error(`chat ${v.id} is gone`);
  return { state: r.chatState, agentId: r.agentId };
}

/** The chat's log as stored (after the pending commit). */
async function log(sb: Switchboard, v: Visitor, type?: string): Promise<LogEvent[]> {
  await sb.engine.queue.commit();
  const events = await sb.store.readEvents(v.id, 0, 10_000);
  return type === undefined ? events : events.filter((e) => e.type === type);
}

/** What the visitor was told of its place: ChatRequestSuccess, then each QueueUpdate. */
async function placesTold(sb: Switchboard, v: Visitor): Promise<string[]> {
  return (await log(sb, v)).filter((e) => e.type === 'ChatRequestSuccess' || e.type === 'QueueUpdate')
    .map((e) => e.type === 'QueueUpdate' ? `${String(e.data.position)}@${String(e.data.estimatedWaitTime)}s` : `${String(e.data.queuePosition)}@${String(e.data.estimatedWaitTime)}s`);
}

/** A chat on `button` that `agent` accepted. */
async function acceptedChat(s: Server, agent: Agent, button: string, name: string): Promise<Visitor> {
  const v = await visitor(s.sb, button, name);
  expect(chat(s.sb, v), `${name} is offered to ${agent.id}`).toEqual({ state: 'offered', agentId: agent.id });
  await agent.ok('POST', `/agent/v1/chats/${v.id}/accept`);
  return v;
}

// ---- the tests --------------------------------------------------------------

describe.each([sqliteBackend(), postgresBackend()])('transfers at the edges ($name store)', (backend) => {
  for (const [what, target, label] of [
    ['a skill', { skill: 'billing' }, 'skill:billing'],
    ['a button', { buttonId: BILLING }, BILLING],
  ] as const) {
    it(`a transfer to ${what} whose only agent declines comes back to its sender, whose capacity kept the chat's place`, async () => {
      const s = await boot(await backend.fresh());
      const alice = await Agent.online(s.sb, 'alice');
      const bill = await Agent.online(s.sb, 'bill');
      const mine = await acceptedChat(s, alice, SUPPORT, 'Mine');
      const next = await visitor(s.sb, SUPPORT, 'Next In Line'); // Alice (capacity 1) is full
      expect(chat(s.sb, next).state).toBe('waiting');

      await alice.ok('POST', `/agent/v1/chats/${mine.id}/transfer`, target);
      expect(chat(s.sb, mine)).toEqual({ state: 'offered', agentId: USER.bill });
      // The transfer may still come back: Alice's capacity keeps its place, no new chat fills it.
      expect(chat(s.sb, next).state, 'the next chat is not offered to Alice meanwhile').toBe('waiting');

      await bill.ok('POST', `/agent/v1/chats/${mine.id}/decline`, { reason: 'not billing' });
      expect(chat(s.sb, mine), 'back with Alice').toEqual({ state: 'established', agentId: USER.alice });
      expect((await log(s.sb, mine, 'TransferFailed')).map((e) => e.data)).toEqual([{ to: label, reason: 'OfferDeclined', buttonId: SUPPORT, queue: SUPPORT }]);
      await alice.ok('POST', `/agent/v1/chats/${mine.id}/messages`, { text: 'Still with me.' });
      expect(chat(s.sb, next).state).toBe('waiting');
      expect(await log(s.sb, mine, 'ChatTransferred')).toEqual([]);
    });
  }

  it('a transfer to one agent who declines comes back to its sender, who is offered nothing meanwhile', async () => {
    const s = await boot(await backend.fresh());
    const alice = await Agent.online(s.sb, 'alice');
    const carol = await Agent.online(s.sb, 'carol');
    const mine = await acceptedChat(s, alice, SUPPORT, 'Mine');
    const next = await visitor(s.sb, SUPPORT, 'Next In Line');

    await alice.ok('POST', `/agent/v1/chats/${mine.id}/transfer`, { agentId: USER.carol });
    expect(chat(s.sb, next).state).toBe('waiting');
    await carol.ok('POST', `/agent/v1/chats/${mine.id}/decline`, { reason: 'busy' });
    expect(chat(s.sb, mine)).toEqual({ state: 'established', agentId: USER.alice });
    expect((await log(s.sb, mine, 'TransferFailed')).map((e) => e.data)).toEqual([{ to: USER.carol, reason: 'OfferDeclined', buttonId: SUPPORT, queue: SUPPORT }]);
    // Once the transfer happens, Alice's capacity is free at once.
    await alice.ok('POST', `/agent/v1/chats/${mine.id}/transfer`, { agentId: USER.carol });
    await carol.ok('POST', `/agent/v1/chats/${mine.id}/accept`);
    expect(chat(s.sb, next)).toEqual({ state: 'offered', agentId: USER.alice });
  });

  for (const [what, leave] of [
    ['steps away', (_root: Agent, bill: Agent) => bill.ok('PUT', '/agent/v1/presence', { status: 'away' })],
    ['goes offline', (_root: Agent, bill: Agent) => bill.ok('PUT', '/agent/v1/presence', { status: 'offline' })],
    ['loses the skill', (root: Agent) => root.ok('PATCH', `/agent/v1/admin/users/${USER.bill}`, { skills: ['sales'] })],
  ] as const) {
    it(`a transfer waiting for a busy skill comes back to its sender when the skill's last agent ${what}`, async () => {
      const s = await boot(await backend.fresh());
      const root = await Agent.login(s.sb, 'root');
      const alice = await Agent.online(s.sb, 'alice');
      const bill = await Agent.online(s.sb, 'bill');
      await acceptedChat(s, bill, BILLING, 'Billing First'); // Bill (capacity 1) is busy
      const mine = await acceptedChat(s, alice, SUPPORT, 'Mine');

      await alice.ok('POST', `/agent/v1/chats/${mine.id}/transfer`, { skill: 'billing' });
      expect(chat(s.sb, mine).state, 'waits for Bill').toBe('waiting');
      await leave(root, bill);
      expect(chat(s.sb, mine), 'back with Alice').toEqual({ state: 'established', agentId: USER.alice });
      expect((await log(s.sb, mine, 'TransferFailed')).map((e) => e.data)).toEqual([{ to: 'skill:billing', reason: 'NoAgentLeft', buttonId: SUPPORT, queue: SUPPORT }]);
      await alice.ok('POST', `/agent/v1/chats/${mine.id}/messages`, { text: 'Billing is gone; I will help you.' });
    });
  }

  it('two transfers to a skill that could only wait on each other both come back to their senders (CircularWait)', async () => {
    const s = await boot(await backend.fresh());
    const alice = await Agent.online(s.sb, 'alice');
    const bob = await Agent.online(s.sb, 'bob');
    const first = await visitor(s.sb, SUPPORT, 'First');
    const second = await visitor(s.sb, SUPPORT, 'Second');
    const [forAlice, forBob] = chat(s.sb, first).agentId === USER.alice ? [first, second] : [second, first];
    await alice.ok('POST', `/agent/v1/chats/${forAlice.id}/accept`);
    await bob.ok('POST', `/agent/v1/chats/${forBob.id}/accept`);

    // Bob is full with a chat he holds: Alice's transfer waits for him, as documented.
    await alice.ok('POST', `/agent/v1/chats/${forAlice.id}/transfer`, { skill: 'support' });
    expect(chat(s.sb, forAlice).state, 'waits for Bob, who may end his chat').toBe('waiting');
    // Now Bob passes his on too: each is full only with the chat he is transferring, each transfer
    // waits for the other. Nothing would ever move; both come back.
    await bob.ok('POST', `/agent/v1/chats/${forBob.id}/transfer`, { skill: 'support' });
    expect(chat(s.sb, forAlice), 'back with Alice').toEqual({ state: 'established', agentId: USER.alice });
    expect(chat(s.sb, forBob), 'back with Bob').toEqual({ state: 'established', agentId: USER.bob });
    for (const v of [forAlice, forBob]) {
      expect((await log(s.sb, v, 'TransferFailed')).map((e) => e.data)).toEqual([{ to: 'skill:support', reason: 'CircularWait', buttonId: SUPPORT, queue: SUPPORT }]);
    }
    await alice.ok('POST', `/agent/v1/chats/${forAlice.id}/messages`, { text: 'Still with me.' });
    await bob.ok('POST', `/agent/v1/chats/${forBob.id}/messages`, { text: 'Still with me too.' });
    // A new visitor is not stuck behind them: the next free place takes it.
    const third = await visitor(s.sb, SUPPORT, 'Third');
    expect(chat(s.sb, third).state).toBe('waiting');
    await alice.ok('POST', `/agent/v1/chats/${forAlice.id}/end`);
    expect(chat(s.sb, third)).toEqual({ state: 'offered', agentId: USER.alice });
  });

  it('a transfer to a skill still waiting at a restart keeps its place in its sender\'s capacity', async () => {
    let s = await boot(await backend.fresh());
    let alice = await Agent.online(s.sb, 'alice');
    let bill = await Agent.online(s.sb, 'bill');
    await acceptedChat(s, bill, BILLING, 'Billing First'); // Bill is busy
    const mine = await acceptedChat(s, alice, SUPPORT, 'Mine');
    const next = await visitor(s.sb, SUPPORT, 'Next In Line');
    await alice.ok('POST', `/agent/v1/chats/${mine.id}/transfer`, { skill: 'billing' });
    await stop();

    // A grace shorter than the visitors' connection timeout (150 s), so they are still there after it.
    s = await boot(await backend.reopen(), 60);
    bill = await Agent.online(s.sb, 'bill');
    alice = await Agent.login(s.sb, 'alice');
    // Alice holds nothing, but the transfer may still come back to her: her one place is taken.
    expect((await alice.ok('PUT', '/agent/v1/presence', { status: 'online' })).load).toBe(1);
    expect(chat(s.sb, mine).state, 'still waits for Bill').toBe('waiting');
    expect(chat(s.sb, next).state, 'not offered to Alice').toBe('waiting');
    await bill.ok('PUT', '/agent/v1/presence', { status: 'away' });
    // The restart's grace (agentGraceSeconds, ADR 0043): another billing agent may still come back.
    expect(chat(s.sb, mine).state, 'waits out the grace').toBe('waiting');
    s.clock.advance(59_999);
    expect(chat(s.sb, mine).state, 'waits out the grace').toBe('waiting');
    // Exactly the grace: nobody is dropped by the presence monitor yet (it drops after it).
    s.clock.advance(1);
    await s.sb.engine.queue.commit();
    expect(chat(s.sb, mine)).toEqual({ state: 'established', agentId: USER.alice });
    expect((await log(s.sb, mine, 'TransferFailed')).map((e) => e.data['reason'])).toEqual(['NoAgentLeft']);
    expect(chat(s.sb, next).state).toBe('waiting');
  });

  it('after a restart only what was pending at the start waits out the grace: a transfer or named-agent request started since fails at once', async () => {
    let s = await boot(await backend.fresh());
    const alice = await Agent.online(s.sb, 'alice');
    const bill = await Agent.online(s.sb, 'bill');
    await acceptedChat(s, bill, BILLING, 'Billing First'); // Bill is busy
    const pending = await acceptedChat(s, alice, SUPPORT, 'Pending At The Restart');
    await alice.ok('POST', `/agent/v1/chats/${pending.id}/transfer`, { skill: 'billing' });
    await stop();

    s = await boot(await backend.reopen(), 60);
    const billAgain = await Agent.online(s.sb, 'bill'); // busy with Billing First again
    await Agent.online(s.sb, 'alice'); // her one place is kept for the pending transfer
    const bob = await Agent.online(s.sb, 'bob');
    const carol = await Agent.online(s.sb, 'carol');
    const fresh = await acceptedChat(s, bob, SUPPORT, 'Transferred After The Restart');

    // Its only candidate declines: back to Bob at once, as on a server that never restarted.
    await bob.ok('POST', `/agent/v1/chats/${fresh.id}/transfer`, { skill: 'sales' });
    expect(chat(s.sb, fresh)).toEqual({ state: 'offered', agentId: USER.carol });
    await carol.ok('POST', `/agent/v1/chats/${fresh.id}/decline`, { reason: 'not sales' });
    expect(chat(s.sb, fresh), 'back with Bob after the decline').toEqual({ state: 'established', agentId: USER.bob });

    // Its only candidate (busy) steps away: back to Bob at once.
    await bob.ok('POST', `/agent/v1/chats/${fresh.id}/transfer`, { buttonId: BILLING });
    expect(chat(s.sb, fresh).state, 'waits for busy Bill').toBe('waiting');
    const forAlice = await visitor(s.sb, SUPPORT, 'Only Alice', USER.alice);
    expect(chat(s.sb, forAlice).state, 'waits for busy Alice').toBe('waiting');
    await billAgain.ok('PUT', '/agent/v1/presence', { status: 'away' });
    expect(chat(s.sb, fresh), 'back with Bob once Bill stepped away').toEqual({ state: 'established', agentId: USER.bob });
    expect((await log(s.sb, fresh, 'TransferFailed')).map((e) => e.data['reason'])).toEqual(['OfferDeclined', 'NoAgentLeft']);
    // The request made since the start for Alice only fails as soon as she steps away.
    await (await Agent.login(s.sb, 'alice')).ok('PUT', '/agent/v1/presence', { status: 'away' });
    expect((await log(s.sb, forAlice, 'ChatRequestFail')).map((e) => e.data['reason'])).toEqual(['Unavailable']);

    // The transfer pending at the restart still waits for another billing agent to come back.
    expect(chat(s.sb, pending).state, 'waits out the grace').toBe('waiting');
    s.clock.advance(60_000);
    await s.sb.engine.queue.commit();
    expect((await log(s.sb, pending, 'TransferFailed')).map((e) => e.data['reason'])).toEqual(['NoAgentLeft']);
  });

  it('a transfer that fails after its sender went offline: the visitor hears AgentDisconnect and waits on its own queue', async () => {
    const s = await boot(await backend.fresh());
    const alice = await Agent.online(s.sb, 'alice');
    const bill = await Agent.online(s.sb, 'bill');
    await acceptedChat(s, bill, BILLING, 'Billing First');
    const mine = await acceptedChat(s, alice, SUPPORT, 'Mine');
    await alice.ok('POST', `/agent/v1/chats/${mine.id}/transfer`, { skill: 'billing' });
    await alice.ok('PUT', '/agent/v1/presence', { status: 'offline' });
    expect(chat(s.sb, mine).state, 'still waits for Bill').toBe('waiting');

    await bill.ok('PUT', '/agent/v1/presence', { status: 'away' });
    expect(chat(s.sb, mine)).toEqual({ state: 'waiting', agentId: null });
    expect((await log(s.sb, mine, 'TransferFailed')).map((e) => e.data)).toEqual([{ to: 'skill:billing', reason: 'NoAgentLeft', buttonId: SUPPORT, queue: SUPPORT }]);
    expect(await log(s.sb, mine, 'AgentDisconnect')).toHaveLength(1);
    await Agent.online(s.sb, 'bob');
    expect(chat(s.sb, mine), 'offered on its own button').toEqual({ state: 'offered', agentId: USER.bob });
  });

  it('a chat transferred to one agent holds no place in its queue: positions, estimates and the size limit ignore it', async () => {
    const s = await boot(await backend.fresh());
    const alice = await Agent.online(s.sb, 'alice');
    const carol = await Agent.online(s.sb, 'carol');
    // The support button answered chats at 10 s per place in line (as its stored statistics say),
    // this one too (10 s from place 1): the estimate is 10 s per place.
    s.sb.engine.waits.load([{ buttonId: SUPPORT, averageWaitMs: 10_000, samples: 3 }]);
    const mine = await visitor(s.sb, SUPPORT, 'Mine');
    s.clock.advance(10_000);
    await alice.ok('POST', `/agent/v1/chats/${mine.id}/accept`);
    const first = await visitor(s.sb, SUPPORT, 'First');
    const second = await visitor(s.sb, SUPPORT, 'Second');
    expect(await placesTold(s.sb, first)).toEqual(['1@10s']);
    expect(await placesTold(s.sb, second)).toEqual(['2@20s']);

    await alice.ok('POST', `/agent/v1/chats/${mine.id}/transfer`, { agentId: USER.carol });
    expect(chat(s.sb, mine)).toEqual({ state: 'offered', agentId: USER.carol });
    // Carol's offer is not a place in line: nobody waiting is told of a worse place or a longer wait.
    expect(await placesTold(s.sb, first)).toEqual(['1@10s']);
    expect(await placesTold(s.sb, second)).toEqual(['2@20s']);
    const details = await carol.ok('GET', `/agent/v1/chats/${mine.id}`);
    expect((details.chat as { queuePosition: number }).queuePosition).toBe(0);
    // The queue holds 3: two visitors wait, so a third still gets in, third in line.
    const third = await visitor(s.sb, SUPPORT, 'Third');
    expect(await placesTold(s.sb, third)).toEqual(['3@30s']);

    await carol.ok('POST', `/agent/v1/chats/${mine.id}/accept`);
    expect(await placesTold(s.sb, first)).toEqual(['1@10s']);
    expect(await placesTold(s.sb, second)).toEqual(['2@20s']);
    expect(await placesTold(s.sb, third)).toEqual(['3@30s']);
  });

  it('a request for one named agent without fallback takes no place in line: a full queue does not refuse it', async () => {
    const s = await boot(await backend.fresh());
    const alice = await Agent.online(s.sb, 'alice');
    const carol = await Agent.online(s.sb, 'carol'); // serves neither button, has room
    await acceptedChat(s, alice, SUPPORT, 'Keeps Alice Busy'); // nobody of the support button has room
    for (const name of ['One', 'Two', 'Three']) expect(chat(s.sb, await visitor(s.sb, SUPPORT, name)).state).toBe('waiting');
    // The line holds 3: a fourth visitor who asks for anyone is refused.
    const fourth = await visitor(s.sb, SUPPORT, 'Four');
    expect((await log(s.sb, fourth, 'ChatRequestFail')).map((e) => e.data['reason'])).toEqual(['Unavailable']);

    // Carol has room: she is offered the chat that asked for her only.
    const forCarol = await visitor(s.sb, SUPPORT, 'Only Carol', USER.carol);
    expect(await log(s.sb, forCarol, 'ChatRequestFail')).toEqual([]);
    expect(chat(s.sb, forCarol)).toEqual({ state: 'offered', agentId: USER.carol });
    await carol.ok('POST', `/agent/v1/chats/${forCarol.id}/accept`);
    // Alice is busy: the chat that asked for her only waits for her, outside the line.
    const forAlice = await visitor(s.sb, SUPPORT, 'Only Alice', USER.alice);
    expect(await log(s.sb, forAlice, 'ChatRequestFail')).toEqual([]);
    expect(chat(s.sb, forAlice).state).toBe('waiting');
    expect((await log(s.sb, forAlice, 'ChatRequestSuccess')).map((e) => e.data['queuePosition'])).toEqual([0]);
  });

  it('a chat stored before the record kept its holders answers a former holder 409, not 403, after the upgrade', async () => {
    let s = await boot(await backend.fresh());
    let alice = await Agent.online(s.sb, 'alice');
    let bob = await Agent.online(s.sb, 'bob');
    // Handed on before the upgrade: Alice held it, Bob holds it.
    const handedOn = await acceptedChat(s, alice, SUPPORT, 'Handed On');
    await alice.ok('POST', `/agent/v1/chats/${handedOn.id}/transfer`, { agentId: USER.bob });
    await bob.ok('POST', `/agent/v1/chats/${handedOn.id}/accept`);
    // Alice's, and handed on after the upgrade.
    const hers = await acceptedChat(s, alice, SUPPORT, 'Hers');
    await stop();

    // As a Switchboard from before `holders` wrote them.
    const ids = `'${handedOn.id}', '${hers.id}'`;
    await backend.sql(backend.name === 'sqlite'
      ? `update sessions set record = json_remove(record, '$.holders') where id in (${ids})`
      : `update sessions set record = (record::jsonb - 'holders')::text where id in (${ids})`);
    expect(await backend.record(handedOn.id)).not.toHaveProperty('holders');
    expect(await backend.record(hers.id)).not.toHaveProperty('holders');

    s = await boot(await backend.reopen());
    alice = await Agent.online(s.sb, 'alice');
    bob = await Agent.online(s.sb, 'bob');
    const carol = await Agent.online(s.sb, 'carol');
    await alice.ok('POST', `/agent/v1/chats/${hers.id}/transfer`, { agentId: USER.carol });
    await carol.ok('POST', `/agent/v1/chats/${hers.id}/accept`);

    for (const v of [handedOn, hers]) {
      const res = await alice.call('POST', `/agent/v1/chats/${v.id}/messages`, { text: 'Are you there?' });
      expect(res, `Alice on ${v === hers ? 'her chat' : 'the chat she handed on'}`).toEqual({ status: 409, body: 'Chat is no longer yours: another agent holds it now' });
    }
    // Someone who never held it is still refused outright.
    expect((await carol.call('POST', `/agent/v1/chats/${handedOn.id}/messages`, { text: 'Hi' })).status).toBe(403);
    // The list is written back: the next start reads it from the record.
    await stop();
    expect((await backend.record(handedOn.id)).holders).toEqual([USER.alice, USER.bob]);
    expect((await backend.record(hers.id)).holders).toEqual([USER.alice, USER.carol]);
  });
});
