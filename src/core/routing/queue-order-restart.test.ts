/**
 * Two chats queued in the same millisecond keep the order they came in, and their
 * queue positions, across a restart on SQLite and PostgreSQL: the arrival order is
 * stored with the record (`queueSeq`), not only held in memory. Before, the recovered
 * chats were ordered by creation time and then by id (a random UUID), so they swapped
 * places whenever the later one had the smaller id. Whole server through inject, a
 * frozen fake clock so that both chats share one millisecond. Records written before
 * `queueSeq` was kept get theirs at the first start and keep it: it is written then, so a
 * later start cannot number them after a chat of the same millisecond written meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { createPostgresChatStore } from '../../adapters/postgres/postgres-chat-store.js';
import { scratchDatabase } from '../../adapters/postgres/scratch-database.test-support.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { createSqliteChatStore } from '../../adapters/sqlite/sqlite-chat-store.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { ChatStore } from '../../ports/chat-store.js';
import { toSessionRow } from '../../ports/records.js';
import { newVisitor, post, type Visitor } from '../inject-harness.test-support.js';

const ORG = '00D0000000000Q1';
const DEPLOYMENT = '5720000000000Q1';
const SUPPORT = '5730000000000Q1';

const config = (capacity = 1) => validateConfig({
  storage: { kind: 'memory' },
  settings: { agentGraceSeconds: 600 },
  orgs: [{
    id: ORG,
    deployments: [{ id: DEPLOYMENT, buttons: [{ id: SUPPORT, type: 'Standard', skills: ['support'], offerTimeoutSeconds: 300 }] }],
    agents: [{ id: '0050000000000Q1', name: 'alice', username: 'alice', password: 'plain:alice-secret', role: 'agent', skills: ['support'], capacity }],
  }],
}, 'queue order test');

const database = scratchDatabase('sb_queue_order');
const dirs: string[] = [];
beforeAll(() => database.create(), 30_000);
afterAll(async () => {
  await database.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function boot(store: ChatStore, clock: FakeClock, capacity = 1): Promise<Switchboard> {
  running = await createSwitchboard(config(capacity), { clock, store, logger: pino({ level: 'silent' }) });
  return running;
}

async function init(sb: Switchboard, v: Visitor, name: string): Promise<void> {
  const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: DEPLOYMENT, buttonId: SUPPORT, sessionId: v.id, visitorName: name }, 1);
  expect(res.statusCode, res.body).toBe(200);
}

/** Alice logs in and goes online; her authorization header. */
async function aliceOnline(sb: Switchboard): Promise<Record<string, string>> {
  const login = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: 'alice', password: 'alice-secret' } });
  const auth = { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
  expect((await sb.app.inject({ method: 'PUT', url: '/agent/v1/presence', headers: auth, payload: { status: 'online' } })).statusCode).toBe(200);
  return auth;
}

const backends: { name: string; open: () => () => Promise<ChatStore> }[] = [
  {
    name: 'SQLite',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'sb-queue-order-'));
      dirs.push(dir);
      return () => Promise.resolve(createSqliteChatStore({ dataDir: dir, synchronous: 'normal' }));
    },
  },
  {
    name: 'PostgreSQL',
    open: () => {
      const schema = `queue_order_${Math.random().toString(36).slice(2, 10)}`;
      return () => createPostgresChatStore({ url: database.url, schema, poolSize: 2 });
    },
  },
];

describe.each(backends)('queue order across a restart ($name)', (backend) => {
  it('two chats queued in the same millisecond keep their order and positions', async () => {
    const open = backend.open();
    const clock = new FakeClock();
    let sb = await boot(await open(), clock);
    // Alice is online (so the button takes requests) and full with another chat.
    const auth = await aliceOnline(sb);
    const busy = await newVisitor(sb);
    await init(sb, busy, 'Keeps Alice Busy');
    expect((await sb.app.inject({ method: 'POST', url: `/agent/v1/chats/${busy.id}/accept`, headers: auth })).statusCode).toBe(200);
    // Both sessions and both requests in one millisecond (the clock does not move). The one
    // with the larger id asks first: ordered by id, the two would swap.
    const [first, second] = [await newVisitor(sb), await newVisitor(sb)].sort((a, b) => (a.id < b.id ? 1 : -1)) as [Visitor, Visitor];
    await init(sb, first, 'First');
    await init(sb, second, 'Second');
    await sb.engine.queue.commit();
    const stored = [sb.engine.sessions.get(first.id)!.record, sb.engine.sessions.get(second.id)!.record];
    expect(stored[0]!.queuedAt).toBe(stored[1]!.queuedAt);
    expect(sb.engine.router.inLine(SUPPORT)).toEqual([first.id, second.id]);
    await sb.stop();
    running = null;

    clock.advance(5_000);
    sb = await boot(await open(), clock);
    expect(sb.engine.router.inLine(SUPPORT)).toEqual([first.id, second.id]);
    expect([sb.engine.router.position(first.id), sb.engine.router.position(second.id)]).toEqual([1, 2]);
    // A chat queued after the restart comes last (Alice is back, still full with the first chat).
    await aliceOnline(sb);
    const third = await newVisitor(sb);
    await init(sb, third, 'Third');
    expect(sb.engine.router.inLine(SUPPORT)).toEqual([first.id, second.id, third.id]);
    await sb.engine.queue.commit();
    await sb.stop();
    running = null;

    // And again: the order written at the first start holds.
    sb = await boot(await open(), clock);
    expect(sb.engine.router.inLine(SUPPORT)).toEqual([first.id, second.id, third.id]);
  });
});

describe('queue order across restarts, chats stored before the arrival order was kept', () => {
  it('the order the first start gives two chats of one millisecond is stored, even when only one of them is written again', async () => {
    const store = new MemoryChatStore();
    const clock = new FakeClock();
    let sb = await boot(store, clock, 2);
    const auth = await aliceOnline(sb);
    // Two chats of one millisecond that Alice held, back in the queue when she left: they have holders,
    // so a start has nothing else to write to their records. The smaller id first: the order records
    // without an arrival order get.
    const [first, second] = [await newVisitor(sb), await newVisitor(sb)].sort((a, b) => (a.id < b.id ? -1 : 1)) as [Visitor, Visitor];
    for (const [v, name] of [[first, 'First'], [second, 'Second']] as const) {
      await init(sb, v, name);
      expect((await sb.app.inject({ method: 'POST', url: `/agent/v1/chats/${v.id}/accept`, headers: auth })).statusCode).toBe(200);
    }
    expect((await sb.app.inject({ method: 'PUT', url: '/agent/v1/presence', headers: auth, payload: { status: 'offline' } })).statusCode).toBe(200);
    expect(sb.engine.router.inLine(SUPPORT)).toEqual([first.id, second.id]);
    await sb.engine.queue.commit();
    await sb.stop();
    running = null;
    // As a server from before queueSeq wrote them.
    for (const r of await store.loadOpenSessions()) {
      expect(r.holders).toBeDefined();
      delete r.queueSeq;
      await store.write({ sessions: [toSessionRow(r)], events: [], buttonStats: [], visitorBreadcrumbs: [] });
    }

    clock.advance(5_000);
    sb = await boot(store, clock, 2);
    expect(sb.engine.router.inLine(SUPPORT)).toEqual([first.id, second.id]);
    await sb.engine.queue.commit();
    // Only the second chat's record is written again (a visitor's message, say) before the next restart.
    sb.engine.sessions.get(second.id)!.touchRecord();
    await sb.engine.queue.commit();
    await sb.stop();
    running = null;

    clock.advance(5_000);
    sb = await boot(store, clock, 2);
    expect(sb.engine.router.inLine(SUPPORT), 'the order of the first start').toEqual([first.id, second.id]);
  });
});
