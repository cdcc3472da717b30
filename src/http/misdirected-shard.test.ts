/**
 * A node of a cluster (ADR 0066) serves its shard's orgs and sends a request for another
 * shard's to it: 421 MISDIRECTED_REQUEST naming the shard and its url, with nothing changed.
 * Its users are its shard's: another shard's, in the file or in the store, are neither held
 * nor retired. (The memory store stands in for the shared database here; the locks, fences
 * and processes of a real cluster are test/protocol/org-shards-postgres.test.ts's.)
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { SECOND_ORG, twoShardConfig } from '../config/cluster-config.test-support.js';
import { DEMO_IDS } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import { VERSION, headers, init, newVisitor, post, take } from '../core/inject-harness.test-support.js';

const PG = 'postgres://postgres@127.0.0.1:5432/test';
const B_URL = 'https://la-b.example.com';
const TO_B = `Misdirected Request: organization ${SECOND_ORG.organizationId} is served by shard b at ${B_URL}`;

let running: Switchboard[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

async function node(shard: 'a' | 'b', store: MemoryChatStore): Promise<Switchboard> {
  const config = validateConfig(twoShardConfig(PG, shard, { b: B_URL }), 'test');
  const sb = await createSwitchboard(config, { clock: new FakeClock(), store, logger: pino({ level: 'silent' }) });
  running.push(sb);
  return sb;
}

const login = (sb: Switchboard, username: string, password: string) =>
  sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username, password } });

describe('a node of shard a', () => {
  it('answers ChasitorInit for shard b\'s org 421, changing nothing: the session still starts a chat of its own org', async () => {
    const sb = await node('a', new MemoryChatStore());
    const v = await newVisitor(sb);
    const misdirected = await post(sb, v, 'Chasitor/ChasitorInit', {
      organizationId: SECOND_ORG.organizationId, deploymentId: SECOND_ORG.deploymentId, buttonId: SECOND_ORG.botButtonId, sessionId: v.id, visitorName: 'Ada',
    }, 1);
    expect(misdirected.statusCode).toBe(421);
    expect(misdirected.body).toBe(TO_B);
    expect(sb.engine.sessions.get(v.id)?.record.chatState).toBe('none');
    // An unknown org is still what it was: not another shard's.
    const unknown = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: '00D000000000077', deploymentId: SECOND_ORG.deploymentId, buttonId: SECOND_ORG.botButtonId, sessionId: v.id }, 1);
    expect(unknown.statusCode).toBe(400);
    await init(sb, v);
    const first = await take(sb, v);
    expect(first.messages.map((m) => m.type)).toContain('ChatRequestSuccess');
  });

  it('answers Availability and Settings for shard b\'s org (by org_id or deployment_id) 421, and its own as before', async () => {
    const sb = await node('a', new MemoryChatStore());
    const get = (url: string) => sb.app.inject({ method: 'GET', url, headers: VERSION });
    for (const url of [
      `/chat/rest/Visitor/Availability?org_id=${SECOND_ORG.organizationId}&deployment_id=${SECOND_ORG.deploymentId}&Availability.ids=${SECOND_ORG.botButtonId}`,
      `/chat/rest/Visitor/Availability?deployment_id=${SECOND_ORG.deploymentId}&Availability.ids=${SECOND_ORG.botButtonId}`,
      `/chat/rest/Visitor/Settings?org_id=${SECOND_ORG.organizationId}&deployment_id=${SECOND_ORG.deploymentId}`,
      // Naming only ids, all of them shard b's.
      `/chat/rest/Visitor/Availability?Availability.ids=${SECOND_ORG.botButtonId},${SECOND_ORG.botAgentId}`,
      `/chat/rest/Visitor/Settings?Settings.buttonIds=${SECOND_ORG.botButtonId}`,
      // The widget's own endpoint, for a button of shard b.
      `/widget/v1/config?orgId=${SECOND_ORG.organizationId}&deploymentId=${SECOND_ORG.deploymentId}&buttonId=${SECOND_ORG.botButtonId}`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(421);
      expect(res.body, url).toBe(TO_B);
    }
    const own = await get(`/chat/rest/Visitor/Availability?org_id=${DEMO_IDS.organizationId}&deployment_id=${DEMO_IDS.deploymentId}&Availability.ids=${DEMO_IDS.botButtonId}`);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toEqual({ messages: [{ type: 'Availability', message: { results: [{ id: DEMO_IDS.botButtonId, isAvailable: true }] } }] });
    // Ids of both shards: this node answers for its own, and the other's are offline (nothing to send anywhere).
    const mixed = await get(`/chat/rest/Visitor/Availability?Availability.ids=${DEMO_IDS.botButtonId},${SECOND_ORG.botButtonId}`);
    expect(mixed.json()).toEqual({ messages: [{ type: 'Availability', message: { results: [{ id: DEMO_IDS.botButtonId, isAvailable: true }, { id: SECOND_ORG.botButtonId }] } }] });
    const left = await sb.app.inject({ method: 'POST', url: '/widget/v1/offline-messages', payload: { orgId: SECOND_ORG.organizationId, deploymentId: SECOND_ORG.deploymentId, buttonId: SECOND_ORG.botButtonId, name: 'Ada', email: 'ada@example.com', message: 'hello' } });
    expect(left.statusCode, left.body).toBe(421);
    const metrics = await sb.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('switchboard_cluster_shard{shard="a"} 1');
    // Shard b's bot is not this node's: nothing of org b is served or routed here.
    expect(sb.bots.map((b) => b.agentId)).toEqual([DEMO_IDS.botAgentId]);
    expect(sb.engine.catalog.button(SECOND_ORG.botButtonId)).toBeUndefined();
  });

  it('answers a visitor of shard b\'s open chat 421 (a balancer that sent it to the wrong node); an unknown key stays 403', async () => {
    const store = new MemoryChatStore();
    const b = await node('b', store);
    const v = await newVisitor(b);
    const started = await post(b, v, 'Chasitor/ChasitorInit', {
      organizationId: SECOND_ORG.organizationId, deploymentId: SECOND_ORG.deploymentId, buttonId: SECOND_ORG.botButtonId, sessionId: v.id, visitorName: 'Bea',
    }, 1);
    expect(started.statusCode).toBe(200);
    await b.engine.queue.commit();
    const a = await node('a', store);
    const poll = await a.app.inject({ method: 'GET', url: '/chat/rest/System/Messages', headers: headers(v) });
    expect(poll.statusCode).toBe(421);
    expect(poll.body).toBe(TO_B);
    const say = await post(a, v, 'Chasitor/ChatMessage', { text: 'hello?' }, 2);
    expect(say.statusCode).toBe(421);
    // Nothing of it reached shard b's chat.
    expect((await store.readEvents(v.id, 0, 100)).some((e) => e.type === 'ChatMessage')).toBe(false);
    // Recovery and the end too: a 403 would make the client start over, and the chat would stay open on b.
    const resync = await a.app.inject({ method: 'GET', url: `/chat/rest/System/ResyncSession?SessionId=${v.id}`, headers: headers(v) });
    expect([resync.statusCode, resync.body]).toEqual([421, TO_B]);
    const ended = await a.app.inject({ method: 'DELETE', url: `/chat/rest/System/SessionId/${encodeURIComponent(v.key)}`, headers: headers(v) });
    expect([ended.statusCode, ended.body]).toEqual([421, TO_B]);
    expect((await store.getSession(v.id))?.closed).toBeFalsy();
    // A breadcrumb too: stored here it would belong to no chat, and shard b's agents would never see it.
    const crumb = await a.app.inject({ method: 'POST', url: '/chat/rest/Visitor/Breadcrumb', headers: { ...headers(v), 'content-type': 'application/json' }, payload: { location: 'https://shop.example.com/cart' } });
    expect([crumb.statusCode, crumb.body]).toEqual([421, TO_B]);
    expect((await store.readEvents(v.id, 0, 100)).some((e) => e.type === 'Breadcrumb')).toBe(false);
    // A session shard b made, before its chat: its ChasitorInit names the org, and that says where.
    const early = await newVisitor(b);
    await b.engine.queue.commit();
    const init = await post(a, early, 'Chasitor/ChasitorInit', { organizationId: SECOND_ORG.organizationId, deploymentId: SECOND_ORG.deploymentId, buttonId: SECOND_ORG.botButtonId, sessionId: early.id, visitorName: 'Early' }, 1);
    expect([init.statusCode, init.body]).toEqual([421, TO_B]);
    const unknown = await a.app.inject({ method: 'GET', url: '/chat/rest/System/Messages', headers: headers({ ...v, key: `${v.id}!nope` }) });
    expect(unknown.statusCode).toBe(403);
  });

  it('sends shard b\'s config users to shard b once their password is right; a wrong one is 401 as for anyone', async () => {
    const sb = await node('a', new MemoryChatStore());
    const right = await login(sb, 'agent2', 'agent-demo');
    expect(right.statusCode).toBe(421);
    expect(right.body).toBe(TO_B);
    expect((await login(sb, 'agent2', 'wrong')).statusCode).toBe(401);
    expect((await login(sb, 'nobody', 'agent-demo')).statusCode).toBe(401);
    expect((await login(sb, 'agent', 'agent-demo')).statusCode).toBe(200);
  });

  it('leaves shard b\'s users to shard b: neither held nor retired, whichever node starts first', async () => {
    const store = new MemoryChatStore();
    const b = await node('b', store);
    const token = (await login(b, 'admin2', 'admin-demo')).json<{ accessToken: string }>().accessToken;
    const made = await b.app.inject({ method: 'POST', url: '/agent/v1/admin/users', headers: { authorization: `Bearer ${token}` }, payload: { name: 'Bea B', username: 'bea', password: 'bea-password-1', role: 'agent', skills: ['support'], capacity: 2 } });
    expect(made.statusCode, made.body).toBe(200);
    const a = await node('a', store);
    expect(a.users.all().map((u) => u.orgId).every((o) => o === DEMO_IDS.organizationId)).toBe(true);
    expect(a.users.all().some((u) => u.username === 'bea')).toBe(false);
    // Shard b's documents are as b wrote them: a did not mark its config users removed.
    const docs = (await store.listDocuments('user')).map((d) => d.body as { orgId: string; username?: string; configFingerprint?: string });
    const bDocs = docs.filter((d) => d.orgId === SECOND_ORG.organizationId);
    expect(bDocs.map((d) => d.username).sort()).toEqual(['admin2', 'agent2', 'bea', 'supervisor2', undefined].sort());
    expect(bDocs.every((d) => d.configFingerprint !== 'removed')).toBe(true);
    expect((await login(b, 'bea', 'bea-password-1')).statusCode).toBe(200);

    // Usernames sign in at one place: a person made on shard a takes none of shard b's, from the file or the store.
    const adminA = (await login(a, 'admin', 'admin-demo')).json<{ accessToken: string }>().accessToken;
    const create = (username: string) => a.app.inject({ method: 'POST', url: '/agent/v1/admin/users', headers: { authorization: `Bearer ${adminA}` }, payload: { name: 'Someone', username, password: 'some-password-1', role: 'agent', skills: [], capacity: 1 } });
    for (const taken of ['agent2', 'bea']) {
      const res = await create(taken);
      expect(res.statusCode, taken).toBe(409);
      expect(res.body, taken).toContain(`username ${taken} is taken (in another shard of the cluster)`);
    }
    expect((await create('cleo')).statusCode).toBe(200);

    // Two admins, one per shard, making the same new username at the same moment: the checks
    // above read before either writes; the store's claim lets exactly one of them have it.
    const createOnB = (username: string) => b.app.inject({ method: 'POST', url: '/agent/v1/admin/users', headers: { authorization: `Bearer ${token}` }, payload: { name: 'Someone Else', username, password: 'some-password-2', role: 'agent', skills: [], capacity: 1 } });
    const both = await Promise.all([create('dana'), createOnB('dana')]);
    expect(both.map((r) => r.statusCode).sort(), both.map((r) => r.body).join(' | ')).toEqual([200, 409]);
    const docs2 = (await store.listDocuments('user')).map((d) => d.body as { username?: string });
    expect(docs2.filter((d) => d.username === 'dana')).toHaveLength(1);
  });

  it('answers shard b\'s users\' genuine credentials 421 naming shard b, not 401: a token, a refresh, an API key, and the login of a person made on b', async () => {
    const store = new MemoryChatStore();
    const b = await node('b', store);
    const pair = (await login(b, 'admin2', 'admin-demo')).json<{ accessToken: string; refreshToken: string }>();
    const asAdmin2 = { authorization: `Bearer ${pair.accessToken}` };
    expect((await b.app.inject({ method: 'POST', url: '/agent/v1/admin/users', headers: asAdmin2, payload: { name: 'Bea B', username: 'bea', password: 'bea-password-1', role: 'agent', skills: [], capacity: 1 } })).statusCode).toBe(200);
    const key = (await b.app.inject({ method: 'POST', url: '/agent/v1/admin/api-keys', headers: asAdmin2, payload: { userId: b.users.all().find((u) => u.username === 'admin2')!.id, name: 'crm', role: 'admin' } })).json<{ key: string }>().key;
    const a = await node('a', store);
    const me = (authorization: string) => a.app.inject({ method: 'GET', url: '/agent/v1/me', headers: { authorization } });
    for (const [what, res] of [
      ['access token', await me(`Bearer ${pair.accessToken}`)],
      ['API key', await me(`Bearer ${key}`)],
      ['refresh token', await a.app.inject({ method: 'POST', url: '/agent/v1/auth/refresh', payload: { refreshToken: pair.refreshToken } })],
      ['login of a person made on b', await login(a, 'bea', 'bea-password-1')],
    ] as const) expect([res.statusCode, res.body], what).toEqual([421, TO_B]);
    // Not genuine: as before.
    expect((await me(`Bearer ${pair.accessToken}x`)).statusCode).toBe(401);
    expect((await login(a, 'bea', 'wrong-password')).statusCode).toBe(401);
  });

  it('answers 421 for a person, an API key and tokens shard b made after node a started (read from the store on a miss)', async () => {
    const store = new MemoryChatStore();
    const b = await node('b', store);
    const a = await node('a', store);
    const admin2 = (await login(b, 'admin2', 'admin-demo')).json<{ accessToken: string }>().accessToken;
    const made = await b.app.inject({ method: 'POST', url: '/agent/v1/admin/users', headers: { authorization: `Bearer ${admin2}` }, payload: { name: 'Bea B', username: 'bea', password: 'bea-password-1', role: 'admin', skills: [], capacity: 1 } });
    expect(made.statusCode, made.body).toBe(200);
    const bea = (await login(b, 'bea', 'bea-password-1')).json<{ accessToken: string; refreshToken: string; user: { id: string } }>();
    const key = (await b.app.inject({ method: 'POST', url: '/agent/v1/admin/api-keys', headers: { authorization: `Bearer ${bea.accessToken}` }, payload: { userId: bea.user.id, name: 'crm', role: 'agent' } })).json<{ key: string }>().key;
    const me = (authorization: string) => a.app.inject({ method: 'GET', url: '/agent/v1/me', headers: { authorization } });
    for (const [what, res] of [
      ['login', await login(a, 'bea', 'bea-password-1')],
      ['access token', await me(`Bearer ${bea.accessToken}`)],
      ['API key', await me(`Bearer ${key}`)],
      ['refresh token', await a.app.inject({ method: 'POST', url: '/agent/v1/auth/refresh', payload: { refreshToken: bea.refreshToken } })],
    ] as const) expect([res.statusCode, res.body], what).toEqual([421, TO_B]);
    // Nobody's: 401 as before, from the store read or without it.
    expect((await login(a, 'bea', 'wrong-password')).statusCode).toBe(401);
    expect((await me(`Bearer ${key.slice(0, -2)}xx`)).statusCode).toBe(401);
    expect((await me('Bearer sbk_madeup_secret')).statusCode).toBe(401);
    // Node a's own people are as they were.
    expect((await login(a, 'agent', 'agent-demo')).statusCode).toBe(200);
  });
});
