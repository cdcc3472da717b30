/**
 * Emulator mode's reset (docs/emulator.md, ADR 0022): POST /emulator/v1/reset
 * puts the server back to what a fresh start with the same config gives —
 * chats in every state gone, held polls answered 403, queues empty, agents
 * offline with no load and told by a `resync`, wait statistics and transcripts
 * gone — while the demo bot keeps working. Also: admin only, refused on a
 * durable store (and so is moving the clock), and requests in flight during a
 * reset leave nothing behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OWNS_PROCESS, request } from '../protocol/harness.js';
import { SESSION_GONE, Visitor } from '../protocol/visitor.js';
import { AgentUser, DEPLOYMENT, SseClient, onlineAgent, pause, requestChat, until } from './agent-fixtures.js';
import { BOT_BUTTON, BOT_GREETING, BOT_ID, BUTTON, ORG, USERS, admin, armFault, chatAcceptedBy, listFaults, reset, useEmulatorServer } from './emulator-fixtures.js';

const server = useEmulatorServer();

/** Agents of the running test: their streams are closed after it. */
const agents: AgentUser[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.disconnect().catch(() => undefined);
});
async function agentOnline(user: (typeof USERS)[keyof typeof USERS], online = true): Promise<AgentUser> {
  const a = await onlineAgent(server, user, { online });
  agents.push(a);
  return a;
}

/** A poll of `v` left held (the caller awaits it later). */
function heldPoll(v: Visitor): Promise<{ status: number; text: string }> {
  return v.server.req('GET', 'System/Messages', { headers: v.headers(), query: { ack: v.lastSequence ?? -1 }, timeoutMs: 20_000 });
}

const sessionGone = (status: number, text: string) => status === 403 && text === SESSION_GONE;

describe.skipIf(!OWNS_PROCESS)('emulator mode: reset', () => {
  it('ends chats in every state, answers held polls 403, empties queues, resets agents and tells their streams', async () => {
    const root = await admin(server);
    await reset(root);
    const alice = await agentOnline(USERS.alice);
    const dave = await agentOnline(USERS.dave);
    const sam = await agentOnline(USERS.sam, false);
    // An SSE stream too: it gets the same resync as the WebSockets.
    const sse = new SseClient(server, sam.accessToken);
    sse.open();
    expect(await sse.headers).toBe(200);

    // established (alice), with a wait statistic recorded for the support button
    const est = await chatAcceptedBy(alice, BUTTON.support);
    await alice.ok('POST', `/agent/v1/chats/${est.chatId}/messages`, { text: 'hello before the reset' });
    await est.v.waitFor('ChatMessage');
    // ended by the agent, its ChatEnded not yet delivered
    const ended = await chatAcceptedBy(alice, BUTTON.support);
    await alice.ok('POST', `/agent/v1/chats/${ended.chatId}/end`);
    // offered to dave (capacity 1, 5 s offers), not answered
    const offered = await requestChat(server, BUTTON.solo);
    const offer = await dave.nextOffer(0, offered.id);
    // waiting behind it
    const waiting = await requestChat(server, BUTTON.solo);
    await waiting.waitFor('ChatRequestSuccess');
    // failed: nobody serves billing
    const failed = await requestChat(server, BUTTON.billing);
    // a session with no chat
    const bare = new Visitor(server);
    await bare.createSession();

    const overview = await sam.ok<{ queues: unknown[]; chats: unknown[] }>('GET', '/agent/v1/supervisor/overview');
    expect(overview.chats.length).toBeGreaterThanOrEqual(3);
    const aliceEvents = alice.events.length;
    const samEvents = sam.events.length;
    const lastAliceId = [...alice.events].reverse().find((e) => e.id)?.id;

    // Held polls at the moment of the reset.
    const polls = [heldPoll(bare), heldPoll(est.v), heldPoll(waiting)];
    await pause(150);
    const answer = await reset(root);
    expect(answer.json).toMatchObject({ sessions: 6, chats: 3 });

    // Every held poll is answered at once, as for a session that ended.
    const started = Date.now();
    for (const p of polls) {
      const r = await p;
      expect(sessionGone(r.status, r.text), `${r.status} ${r.text}`).toBe(true);
    }
    expect(Date.now() - started).toBeLessThan(2_000);
    // Every old key is gone, whatever its chat's state was.
    for (const v of [est.v, ended.v, offered, waiting, failed, bare]) {
      const poll = await v.poll();
      expect(sessionGone(poll.status, poll.text), `poll ${v.id}: ${poll.status} ${poll.text}`).toBe(true);
      const post = await v.post('Chasitor/ChatMessage', { text: 'still there?' });
      expect(post.status).toBe(403);
    }

    // Agents: offline, no load, told by a resync with the state after the reset.
    const resync = await alice.next((e) => e.type === 'resync', 'resync after the reset', aliceEvents);
    expect(resync.reason).toBe('reset');
    expect(resync.snapshot).toEqual({ presence: 'offline', capacity: 2, load: 0, chats: [] });
    const samResync = await sam.next((e) => e.type === 'resync', 'supervisor resync', samEvents);
    expect(samResync.snapshot).toMatchObject({ chats: [] });
    await dave.next((e) => e.type === 'resync', 'dave resync');
    await until(() => sse.events.some((e) => e.type === 'resync' && e.reason === 'reset'), 'the SSE resync', 5_000, () => sse.events.map((e) => e.type));
    await sse.close();
    expect(await alice.ok('GET', '/agent/v1/chats')).toEqual([]);
    const after = await sam.ok<{ queues: unknown[]; chats: unknown[]; agents: { id: string; presence: string; load: number }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(after.queues).toEqual([]);
    expect(after.chats).toEqual([]);
    // People offline, the bot online (as at start-up), nobody with a chat.
    for (const a of after.agents) expect(a, a.id).toMatchObject({ presence: a.id === BOT_ID ? 'online' : 'offline', load: 0 });
    // The old chats are gone from the store too (a fresh start has no transcripts).
    for (const id of [est.chatId, ended.chatId, offer.chatId!]) {
      const t = await sam.call('GET', `/agent/v1/chats/${id}/transcript`);
      expect(t.status, `transcript of ${id}: ${t.text}`).toBe(404);
      // Unknown, as after a fresh start (a chat closed lately would be 409 "chat has ended").
      expect((await alice.call('POST', `/agent/v1/chats/${id}/messages`, { text: 'anyone?' })).status).toBe(404);
    }
    // A resume from before the reset cannot replay the old chats: resync, reason reset.
    const late = await AgentUser.login(server, USERS.alice);
    agents.push(late);
    await late.connect(lastAliceId);
    expect((await late.next((e) => e.type === 'resync', 'resync on resume')).reason).toBe('reset');

    // Routing starts over: nobody available until an agent goes online, positions from 1, no wait estimate.
    const avail = await server.req('GET', 'Visitor/Availability', { headers: { 'X-LIVEAGENT-API-VERSION': '34' }, query: { org_id: ORG, deployment_id: DEPLOYMENT, 'Availability.ids': BUTTON.support } });
    expect(JSON.stringify(avail.json)).not.toContain('isAvailable');
    await alice.presence('online');
    const fresh = await requestChat(server, BUTTON.support);
    const success = await fresh.waitFor('ChatRequestSuccess');
    expect(success.message).toMatchObject({ queuePosition: 1, estimatedWaitTime: -1 });
    const newOffer = await alice.nextOffer(aliceEvents, fresh.id);
    await alice.ok('POST', `/agent/v1/chats/${newOffer.chatId}/accept`);
    await fresh.waitFor('ChatEstablished');
    await fresh.say('after the reset');
    expect((await alice.nextChatEvent(fresh.id, 'ChasitorChatMessage', aliceEvents)).data['data']).toMatchObject({ text: 'after the reset' });
    expect(await alice.presence('online')).toMatchObject({ load: 1 });
  });

  it('keeps the demo bot online and answering across resets', async () => {
    const root = await admin(server);
    const before = await requestChat(server, BOT_BUTTON);
    await before.waitFor('ChatMessage');
    await before.say('one');
    await before.pollUntil(() => before.texts().includes('one'), 'the echo of one');
    await reset(root);
    for (let i = 0; i < 2; i++) {
      // Available the moment the reset has answered: the bot is online from the start, as after a fresh start.
      const v = await requestChat(server, BOT_BUTTON);
      await v.waitFor('ChatEstablished');
      await v.pollUntil(() => v.texts().includes(BOT_GREETING), 'the greeting');
      await v.say(`echo ${i}`);
      await v.pollUntil(() => v.texts().includes(`echo ${i}`), `the echo of echo ${i}`);
      expect(v.texts()).toEqual([BOT_GREETING, `echo ${i}`]);
      await reset(root);
    }
  });

  it('leaves nothing of requests in flight during a reset, and serves new ones', async () => {
    const root = await admin(server);
    await reset(root);
    const chats = await Promise.all([0, 1, 2, 3].map(async () => {
      const v = await requestChat(server, BOT_BUTTON);
      await v.waitFor('ChatEstablished');
      return v;
    }));
    // Sends, polls and new sessions racing with the reset.
    const burst: Promise<unknown>[] = [];
    for (const v of chats) {
      for (let i = 0; i < 10; i++) burst.push(v.post('Chasitor/ChatMessage', { text: `m${i}` }, { sequence: 100 + i }));
      burst.push(heldPoll(v));
    }
    for (let i = 0; i < 10; i++) burst.push(request(server.baseUrl, 'GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': '34', 'X-LIVEAGENT-AFFINITY': 'null' } }));
    const resetting = reset(root);
    await Promise.all([resetting, ...burst]);
    // None of the chats is left, in memory or in the store.
    const sam = await AgentUser.login(server, USERS.sam);
    for (const v of chats) {
      expect((await v.poll()).status).toBe(403);
      expect((await sam.call('GET', `/agent/v1/chats/${v.id}/transcript`)).status).toBe(404);
    }
    expect((await server.req('GET', '/readyz')).status).toBe(200);
    const again = await requestChat(server, BOT_BUTTON);
    await again.pollUntil(() => again.texts().includes(BOT_GREETING), 'a greeting after the burst');
  });

  it('clears armed faults', async () => {
    const root = await admin(server);
    await armFault(root, { kind: 'status', noun: 'Chasitor/ChatMessage', status: 500, count: 3 });
    expect(await listFaults(root)).toHaveLength(1);
    await reset(root);
    expect(await listFaults(root)).toEqual([]);
  });

  it('is for admins only', async () => {
    const alice = await AgentUser.login(server, USERS.alice);
    expect((await alice.call('POST', '/emulator/v1/reset')).status).toBe(403);
    expect((await request(server.baseUrl, 'POST', '/emulator/v1/reset')).status).toBe(401);
  });
});

describe.skipIf(!OWNS_PROCESS)('emulator mode on a durable store', () => {
  const sqlite = useEmulatorServer({}, { storage: 'sqlite' });

  it('refuses to reset (409) and changes nothing, while faults still work', async () => {
    const root = await admin(sqlite);
    const v = await requestChat(sqlite, BOT_BUTTON);
    await v.waitFor('ChatEstablished');
    const res = await reset(root, 409);
    expect(res.text).toContain('storage.kind memory');
    await v.say('still here');
    await v.pollUntil(() => v.texts().includes('still here'), 'the echo after a refused reset');
    await armFault(root, { kind: 'status', noun: 'System/Messages', status: 500 });
    expect((await v.poll()).status).toBe(500);
  });

  it('refuses to move the clock (409), which stays on real time (ADR 0030)', async () => {
    const root = await admin(sqlite);
    const res = await root.call('POST', '/emulator/v1/clock', { advanceSeconds: 60 });
    expect(res.status, res.text).toBe(409);
    expect(res.text).toContain('storage.kind memory');
    const reading = await root.ok<{ now: number; offsetSeconds: number }>('GET', '/emulator/v1/clock');
    expect(reading.offsetSeconds).toBe(0);
    expect(Math.abs(reading.now - Date.now())).toBeLessThan(2_000);
  });
});

describe.skipIf(!OWNS_PROCESS)('emulator mode off (the default)', () => {
  const off = useEmulatorServer({}, { emulator: false });

  it('has no emulator endpoints (404), and says nothing about them at start-up', async () => {
    const root = await admin(off);
    const endpoints = [['POST', '/emulator/v1/reset'], ['GET', '/emulator/v1/faults'], ['POST', '/emulator/v1/faults'], ['DELETE', '/emulator/v1/faults'], ['GET', '/emulator/v1/clock'], ['POST', '/emulator/v1/clock']] as const;
    for (const [method, path] of endpoints) {
      const body = path.endsWith('/clock') ? { advanceSeconds: 60 } : { kind: 'drop', noun: 'System/Messages' };
      const res = await root.call(method, path, method === 'POST' ? body : undefined);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
    }
    expect(off.logTail).not.toContain('emulator mode');
  });

  it('says at start-up, when on, that it must never run in production', () => {
    expect(server.logTail).toMatch(/"level":40[^\n]*emulator mode is on[^\n]*never/);
  });
});
