/**
 * The waits a visitor is told and a supervisor sees (ADR 0008 §10, note "waits"). Whole server
 * through inject, a fake clock and the memory store:
 * - the estimate is the average time per place in line times the position: an answered chat
 *   records its wait divided by the position it entered at (the whole wait already holds the
 *   chats ahead of it: A·p counted them twice), and it is -1 until the button has a few samples;
 * - a request for one named agent stands in no line: position 0, estimate -1;
 * - a chat back in a skill queue is told the estimate of its button (a skill queue has no
 *   statistics of its own: it was -1 for ever);
 * - a supervisor's `waitingMs` of a chat back in a queue counts from when it went back, not from
 *   its first request (that counted its whole conversation as a wait), also after a restart;
 * - a restart repeats no QueueUpdate a waiting visitor already had;
 * - `switchboard_queue_length`'s help says what it counts.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import { newVisitor, post, type Visitor } from '../inject-harness.test-support.js';

const ORG = '00D0000000000W1';
const DEPLOYMENT = '5720000000000W1';
const SUPPORT = '5730000000000W1';
const ALICE = '0050000000000W1';
const BOB = '0050000000000W2';

const config = () => validateConfig({
  storage: { kind: 'memory' },
  settings: { agentGraceSeconds: 600, clientPollTimeoutSeconds: 600 },
  orgs: [{
    id: ORG,
    deployments: [{ id: DEPLOYMENT, buttons: [{ id: SUPPORT, type: 'Standard', skills: ['support'], offerTimeoutSeconds: 600 }] }],
    agents: [
      { id: ALICE, name: 'alice', username: 'alice', password: 'plain:alice-secret', role: 'agent', skills: ['support'], capacity: 1 },
      { id: BOB, name: 'bob', username: 'bob', password: 'plain:bob-secret', role: 'agent', skills: ['sales'], capacity: 1 },
      { id: '0050000000000W3', name: 'sue', username: 'sue', password: 'plain:sue-secret', role: 'supervisor', skills: [], capacity: 1 },
    ],
  }],
}, 'queue waits test');

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function boot(store: MemoryChatStore, clock: FakeClock): Promise<Switchboard> {
  running = await createSwitchboard(config(), { clock, store, logger: pino({ level: 'silent' }) });
  return running;
}

async function stop(): Promise<void> {
  await running?.engine.queue.commit();
  await running?.stop();
  running = null;
}

type Auth = Record<string, string>;

async function login(sb: Switchboard, user: string): Promise<Auth> {
  const res = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: user, password: `${user}-secret` } });
  expect(res.statusCode, res.body).toBe(200);
  return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
}

async function presence(sb: Switchboard, auth: Auth, status: 'online' | 'offline'): Promise<void> {
  expect((await sb.app.inject({ method: 'PUT', url: '/agent/v1/presence', headers: auth, payload: { status } })).statusCode).toBe(200);
}

async function act(sb: Switchboard, auth: Auth, chatId: string, action: string, payload?: Record<string, unknown>): Promise<void> {
  const res = await sb.app.inject({ method: 'POST', url: `/agent/v1/chats/${chatId}/${action}`, headers: auth, ...(payload === undefined ? {} : { payload }) });
  expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
}

async function request(sb: Switchboard, name: string, extra: Record<string, unknown> = {}): Promise<Visitor> {
  const v = await newVisitor(sb);
  const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: DEPLOYMENT, buttonId: SUPPORT, sessionId: v.id, visitorName: name, receiveQueueUpdates: true, ...extra }, 1);
  expect(res.statusCode, res.body).toBe(200);
  return v;
}

/** The visitor's events of `type` so far (their data). */
async function told(sb: Switchboard, store: MemoryChatStore, v: Visitor, type: string): Promise<Record<string, unknown>[]> {
  await sb.engine.queue.commit();
  return (await store.readVisitorEvents(v.id, 0, 10_000)).filter((e) => e.type === type).map((e) => e.data);
}

async function success(sb: Switchboard, store: MemoryChatStore, v: Visitor): Promise<{ queuePosition: unknown; estimatedWaitTime: unknown }> {
  const [data] = await told(sb, store, v, 'ChatRequestSuccess');
  return { queuePosition: data!['queuePosition'], estimatedWaitTime: data!['estimatedWaitTime'] };
}

describe('queue waits', () => {
  it('estimates from the time per place in line, -1 until three chats were answered and for a request for one named agent', async () => {
    const store = new MemoryChatStore();
    const clock = new FakeClock();
    const sb = await boot(store, clock);
    const alice = await login(sb, 'alice');
    await presence(sb, alice, 'online');
    // v0 is answered at once (0 s from place 1); v1, v2, v3 wait in line at places 1, 2, 3.
    const v = [await request(sb, 'v0')];
    await act(sb, alice, v[0]!.id, 'accept');
    for (const n of [1, 2, 3]) v.push(await request(sb, `v${n}`));
    expect(await success(sb, store, v[3]!)).toEqual({ queuePosition: 3, estimatedWaitTime: -1 });
    // Alice takes v1 10 s later: 10 s from place 1. Two answered chats (0 and 10 s per place) are
    // too few: v3, second now, is still told -1, not an estimate made of them.
    clock.advance(10_000);
    await act(sb, alice, v[0]!.id, 'end');
    await act(sb, alice, v[1]!.id, 'accept');
    // v2 20 s from place 2: 10 s per place; a third sample, the mean so far is 6.67 s per place.
    clock.advance(10_000);
    await act(sb, alice, v[1]!.id, 'end');
    await act(sb, alice, v[2]!.id, 'accept');
    expect(await told(sb, store, v[3]!, 'QueueUpdate')).toEqual([{ position: 2, estimatedWaitTime: -1 }, { position: 1, estimatedWaitTime: 7 }]);
    // v3 40 s from place 3: 13.33 s per place. The mean of the four: 8.33 s per place (the whole
    // waits times the position, as before, said 7 s at place 1 and 13 s at place 2).
    clock.advance(10_000);
    await act(sb, alice, v[2]!.id, 'end');
    clock.advance(10_000);
    await act(sb, alice, v[3]!.id, 'accept');
    const [w1, w2] = [await request(sb, 'w1'), await request(sb, 'w2')];
    expect(await success(sb, store, w1)).toEqual({ queuePosition: 1, estimatedWaitTime: 8 });
    expect(await success(sb, store, w2)).toEqual({ queuePosition: 2, estimatedWaitTime: 17 });
    // A request for Alice alone waits for her, in no line: position 0, estimate unknown.
    const named = await request(sb, 'named', { agentId: ALICE, doFallback: false });
    expect(await success(sb, store, named)).toEqual({ queuePosition: 0, estimatedWaitTime: -1 });
    expect(await told(sb, store, named, 'QueueUpdate')).toEqual([]);
  });

  it('a chat back in a skill queue is told its button\'s estimate and waits, for supervisors, from when it went back; a restart repeats no QueueUpdate', async () => {
    const store = new MemoryChatStore();
    // The support button has answered many chats: 4 s per place in line.
    await store.write({ sessions: [], events: [], buttonStats: [{ buttonId: SUPPORT, averageWaitMs: 4_000, samples: 20 }], visitorBreadcrumbs: [] });
    const clock = new FakeClock();
    let sb = await boot(store, clock);
    const [alice, bob] = [await login(sb, 'alice'), await login(sb, 'bob')];
    await presence(sb, alice, 'online');
    await presence(sb, bob, 'online');
    const x = await request(sb, 'x');
    expect(await success(sb, store, x)).toEqual({ queuePosition: 1, estimatedWaitTime: 4 });
    await act(sb, alice, x.id, 'accept');
    clock.advance(5_000);
    await act(sb, alice, x.id, 'transfer', { skill: 'sales' });
    await act(sb, bob, x.id, 'accept');
    // Alice takes another chat and is full: y waits in the support line.
    const w = await request(sb, 'w');
    await act(sb, alice, w.id, 'accept');
    const y = await request(sb, 'y');
    // x and w were answered at once from place 1: 4 s → 3.6 s → 3.24 s per place.
    expect(await success(sb, store, y)).toEqual({ queuePosition: 1, estimatedWaitTime: 3 });
    // Bob talks with x for 20 s, then leaves: x is back in the sales skill queue, first in it.
    clock.advance(20_000);
    const backAt = clock.now();
    await presence(sb, bob, 'offline');
    expect(sb.engine.sessions.get(x.id)!.record.queueKey).toBe(`skill:${ORG}:sales`);
    expect(await told(sb, store, x, 'QueueUpdate')).toEqual([{ position: 1, estimatedWaitTime: 3 }]);

    clock.advance(1_000);
    const sue = await login(sb, 'sue');
    const overview = async () => {
      const res = await sb.app.inject({ method: 'GET', url: '/agent/v1/supervisor/overview', headers: sue });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ queues: { queue: string; waiting: { chatId: string; waitingMs: number }[] }[]; chats: { chatId: string; queuedAt: number; waitingSince: number | null }[] }>();
    };
    const before = await overview();
    const waitOf = (o: typeof before, chatId: string) => o.queues.flatMap((q) => q.waiting).find((c) => c.chatId === chatId)?.waitingMs;
    expect(waitOf(before, x.id), 'since it went back, not since its request 26 s ago').toBe(1_000);
    expect(waitOf(before, y.id), 'a first wait: from its request').toBe(21_000);
    const summary = before.chats.find((c) => c.chatId === x.id)!;
    expect(summary.waitingSince).toBe(backAt);
    expect(summary.queuedAt).toBe(backAt - 25_000);
    expect(before.chats.find((c) => c.chatId === w.id)!.waitingSince).toBeNull();

    // A restart: each waiting visitor was told its place and estimate, and neither changed.
    await stop();
    clock.advance(2_000);
    sb = await boot(store, clock);
    expect(await told(sb, store, x, 'QueueUpdate'), 'no repeat after the restart').toEqual([{ position: 1, estimatedWaitTime: 3 }]);
    expect(await told(sb, store, y, 'QueueUpdate'), 'ChatRequestSuccess told it already').toEqual([]);
    const after = await overview();
    expect(waitOf(after, x.id), 'the time it went back is kept with the record').toBe(3_000);
  });

  it('switchboard_queue_length says transfers to a button count, transfers to one agent do not', async () => {
    const sb = await boot(new MemoryChatStore(), new FakeClock());
    const text = (await sb.app.inject({ method: 'GET', url: '/metrics' })).body;
    const help = text.split('\n').find((l) => l.startsWith('# HELP switchboard_queue_length '));
    expect(help).toContain('not transfers to one agent');
    expect(help).not.toMatch(/not transfers,/);
  });
});
