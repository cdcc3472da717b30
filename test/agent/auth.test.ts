/**
 * Identity and access on /agent/v1: login, refresh, logout; 401 without or
 * with a bad credential, 403 for the wrong role and for another org's chats;
 * 400 naming the field for malformed bodies; admin-made users and API keys;
 * the OpenAPI document.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { request } from '../protocol/harness.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, onlineAgent, pause, requestChat, useAgentServer } from './agent-fixtures.js';

/** Not the default (4000): the answers must carry the server's own setting. */
const MAX_MESSAGE_LENGTH = 1234;
const server = useAgentServer({ maxMessageLength: MAX_MESSAGE_LENGTH });

describe.skipIf(!OWNS_PROCESS)('agent API: identity and access', () => {
  it('logs in, refreshes, and after logout the old tokens answer 401', async () => {
    const login = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: 'alice', password: USERS.alice.password } });
    expect(login.status, login.text).toBe(200);
    const pair = login.json as { accessToken: string; refreshToken: string; expiresIn: number; user: Record<string, unknown>; limits: Record<string, unknown> };
    expect(pair.expiresIn).toBeGreaterThan(0);
    // The server's limits, so a client can stop at them (the console's composer does).
    expect(pair.limits).toEqual({ maxMessageLength: MAX_MESSAGE_LENGTH });
    expect(pair.user).toMatchObject({ id: USERS.alice.id, name: 'Alice Agent', role: 'agent', skills: ['support', 'sales'], capacity: 2, disabled: false });
    expect(JSON.stringify(pair.user)).not.toContain('password');

    const a = new AgentUser(server, USERS.alice);
    a.accessToken = pair.accessToken;
    expect(await a.ok('GET', '/agent/v1/me')).toMatchObject({ id: USERS.alice.id, orgId: '00D0000000000A1', limits: { maxMessageLength: MAX_MESSAGE_LENGTH } });

    const refreshed = await request(server.baseUrl, 'POST', '/agent/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } });
    expect(refreshed.status, refreshed.text).toBe(200);
    const next = refreshed.json as { accessToken: string; refreshToken: string; limits: unknown };
    expect(next.accessToken).toEqual(expect.any(String));
    expect(next.limits).toEqual({ maxMessageLength: MAX_MESSAGE_LENGTH });
    expect((await a.call('GET', '/agent/v1/me', undefined, next.accessToken)).status).toBe(200);
    // An access token is not a refresh token.
    expect((await request(server.baseUrl, 'POST', '/agent/v1/auth/refresh', { body: { refreshToken: pair.accessToken } })).status).toBe(401);

    expect((await a.call('POST', '/agent/v1/auth/logout', undefined, next.accessToken)).status).toBe(200);
    for (const token of [pair.accessToken, next.accessToken]) {
      const res = await a.call('GET', '/agent/v1/me', undefined, token);
      expect(res.status, `token after logout: ${res.text}`).toBe(401);
    }
    expect((await request(server.baseUrl, 'POST', '/agent/v1/auth/refresh', { body: { refreshToken: next.refreshToken } })).status).toBe(401);
    // Logging in again works.
    await AgentUser.login(server, USERS.alice);
  });

  it('trims the user name at login, as it was trimmed when the user was made: " alice " is alice', async () => {
    for (const username of [' alice ', '\talice\n']) {
      const res = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username, password: USERS.alice.password } });
      expect(res.status, `${JSON.stringify(username)}: ${res.text}`).toBe(200);
      expect((res.json as { user: { id: string; username: string } }).user).toMatchObject({ id: USERS.alice.id, username: 'alice' });
    }
    // Only white space is nobody's name: a wrong user name, not a malformed body.
    const blank = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: '   ', password: USERS.alice.password } });
    expect(blank.status, blank.text).toBe(401);
  });

  it('answers 401 to a wrong password, an unknown user, no token and a forged token', async () => {
    const wrong = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: 'alice', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('accessToken');
    expect((await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: 'mallory', password: 'x' } })).status).toBe(401);

    for (const path of ['/agent/v1/me', '/agent/v1/chats', '/agent/v1/supervisor/overview', '/agent/v1/admin/users']) {
      const none = await request(server.baseUrl, 'GET', path);
      expect(none.status, `${path} without a token: ${none.text}`).toBe(401);
      const forged = await request(server.baseUrl, 'GET', path, { headers: { Authorization: 'Bearer sb1.eyJzdWIiOiIwMDUwMDAwMDAwMDAwQTkifQ.AAAA' } });
      expect(forged.status, `${path} with a forged token`).toBe(401);
    }
    const put = await request(server.baseUrl, 'PUT', '/agent/v1/presence', { body: { status: 'online' } });
    expect(put.status).toBe(401);
    const sse = await fetch(`${server.baseUrl}/agent/v1/events`);
    expect(sse.status).toBe(401);
    await sse.body?.cancel();
  });

  it('refuses a WebSocket stream without a valid token: an error frame, then close', async () => {
    const ws = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/agent/v1/stream?access_token=nope`);
    const frames: string[] = [];
    ws.on('message', (m: Buffer) => frames.push(m.toString('utf8')));
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    expect(code).toBe(4401);
    expect(JSON.parse(frames[0] ?? '{}')).toMatchObject({ type: 'error', status: 401 });
  });

  it('answers 403 to the wrong role', async () => {
    const alice = await AgentUser.login(server, USERS.alice);
    const sam = await AgentUser.login(server, USERS.sam);
    for (const [who, method, path, body] of [
      [alice, 'GET', '/agent/v1/supervisor/overview', undefined],
      [alice, 'POST', '/agent/v1/chats/anything/whisper', { text: 'hi' }],
      [alice, 'POST', '/agent/v1/chats/anything/takeover', undefined],
      [alice, 'GET', '/agent/v1/admin/users', undefined],
      [sam, 'GET', '/agent/v1/admin/users', undefined],
      [sam, 'POST', '/agent/v1/admin/api-keys', { userId: USERS.sam.id, name: 'x', role: 'supervisor' }],
    ] as const) {
      const res = await who.call(method, path, body);
      expect(res.status, `${who.login.username} ${method} ${path}: ${res.text}`).toBe(403);
      expect(res.text).toMatch(/^Forbidden/);
    }
    expect((await sam.call('GET', '/agent/v1/supervisor/overview')).status).toBe(200);
  });

  it('keeps orgs apart and agents out of chats not routed to them', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Private Pat' });
    const offer = await alice.nextOffer();
    const chatId = offer.chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);

    const eve = await AgentUser.login(server, USERS.eve);
    const sue = await AgentUser.login(server, USERS.sue);
    const bob = await AgentUser.login(server, USERS.bob);
    for (const [who, method, path, body] of [
      [eve, 'GET', `/agent/v1/chats/${chatId}`, undefined],
      [eve, 'GET', `/agent/v1/chats/${chatId}/transcript`, undefined],
      [eve, 'POST', `/agent/v1/chats/${chatId}/messages`, { text: 'hello from elsewhere' }],
      [sue, 'GET', `/agent/v1/chats/${chatId}`, undefined],
      [sue, 'POST', `/agent/v1/chats/${chatId}/whisper`, { text: 'psst' }],
      [sue, 'POST', `/agent/v1/chats/${chatId}/takeover`, undefined],
      [sue, 'POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS.eve.id }],
      [bob, 'GET', `/agent/v1/chats/${chatId}`, undefined],
      [bob, 'POST', `/agent/v1/chats/${chatId}/messages`, { text: 'not mine' }],
      [bob, 'GET', `/agent/v1/chats/${chatId}/transcript`, undefined],
    ] as const) {
      const res = await who.call(method, path, body);
      expect(res.status, `${who.login.username} ${method} ${path}: ${res.text}`).toBe(403);
      expect(res.text).not.toContain('Private Pat');
    }
    // Every chat action of another org's agent is refused as cross-org (issue 4: "cross-org
    // requests get 401/403"). Soft, so the rest of the isolation checks still run.
    for (const [method, path, body] of [
      ['POST', `/agent/v1/chats/${chatId}/typing`, { typing: true }],
      ['POST', `/agent/v1/chats/${chatId}/events`, { type: 'x', data: 'y' }],
      ['POST', `/agent/v1/chats/${chatId}/transfer`, { skill: 'support' }],
      ['POST', `/agent/v1/chats/${chatId}/decline`, {}],
      ['POST', `/agent/v1/chats/${chatId}/end`, undefined],
    ] as const) {
      const res = await eve.call(method, path, body);
      expect.soft(res.status, `eve (other org) ${method} ${path}: ${res.text}`).toBe(403);
      expect(res.text).not.toContain('Private Pat');
    }
    // Lists of another org's users see nothing of this org.
    expect(await eve.ok<unknown[]>('GET', '/agent/v1/chats')).toEqual([]);
    const overview = await sue.ok<{ queues: unknown[]; agents: { id: string }[]; chats: { chatId: string }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(overview.chats.map((c) => c.chatId)).not.toContain(chatId);
    expect(overview.agents.map((a) => a.id).sort()).toEqual([USERS.eve.id, USERS.sue.id].sort());
    expect(await bob.ok<unknown[]>('GET', '/agent/v1/chats')).toEqual([]);
    // Transfer targets name only the caller's own org.
    const targets = await eve.ok<{ agents: { id: string }[]; buttons: { id: string }[] }>('GET', '/agent/v1/transfer-targets');
    expect(targets.agents.map((a) => a.id)).toEqual([USERS.sue.id]);
    expect(targets.buttons.map((b) => b.id)).toEqual([BUTTON.other]);

    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await v.waitFor('ChatEnded');
    await alice.leave();
  });

  it('answers 400 naming the field for malformed bodies, and never 500', async () => {
    const alice = await AgentUser.login(server, USERS.alice);
    const cases: [string, string, unknown, RegExp][] = [
      ['PUT', '/agent/v1/presence', { status: 'busy' }, /status/],
      ['PUT', '/agent/v1/presence', { status: 'online', capacity: -1 }, /capacity/],
      ['PUT', '/agent/v1/presence', {}, /status/],
      ['POST', '/agent/v1/chats/x/messages', { text: '' }, /text/],
      ['POST', '/agent/v1/chats/x/messages', { text: 'hi', clientMessageId: '' }, /clientMessageId/],
      ['POST', '/agent/v1/chats/x/typing', { typing: { on: true } }, /typing/],
      ['POST', '/agent/v1/chats/x/events', { data: 'x' }, /type/],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await alice.call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(res.text).toMatch(field);
    }
    const login = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: { name: 'alice' }, password: 'x' } });
    expect(login.status).toBe(400);
    expect(login.text).toMatch(/username/);
    const badJson = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: '{"username":', headers: { 'Content-Type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect(badJson.text).toMatch(/^Malformed JSON body/);
    const garbage = await alice.call('PUT', '/agent/v1/presence', [1, 2, 3]);
    expect(garbage.status).toBe(400);
    // Unknown chats are 404, bad state is 409: never a 500.
    expect((await alice.call('POST', '/agent/v1/chats/nope/accept')).status).toBe(409);
    expect((await alice.call('GET', '/agent/v1/chats/nope')).status).toBe(404);
  });

  it('lets an admin create a user and a scoped, revocable API key', async () => {
    const root = await AgentUser.login(server, USERS.root);
    const created = await root.ok<{ id: string; role: string; skills: string[] }>('POST', '/agent/v1/admin/users', {
      name: 'Nina New', username: 'nina', password: 'nina-password', role: 'agent', skills: ['support'], capacity: 1,
    });
    expect(created).toMatchObject({ name: 'Nina New', role: 'agent', skills: ['support'], capacity: 1, disabled: false });
    expect(JSON.stringify(created)).not.toMatch(/password|hash/i);
    const users = await root.ok<{ id: string }[]>('GET', '/agent/v1/admin/users');
    expect(users.map((u) => u.id)).toContain(created.id);
    expect(users.map((u) => u.id)).not.toContain(USERS.eve.id);
    // Taken username: 409.
    expect((await root.call('POST', '/agent/v1/admin/users', { name: 'Again', username: 'nina', password: 'another-pass', role: 'agent' })).status).toBe(409);
    // Bad role: 400 naming it.
    const badRole = await root.call('POST', '/agent/v1/admin/users', { name: 'X', role: 'god' });
    expect(badRole.status).toBe(400);
    expect(badRole.text).toMatch(/role/);

    const nina = await AgentUser.login(server, { id: created.id, username: 'nina', password: 'nina-password', name: 'Nina New' });
    expect(await nina.ok('GET', '/agent/v1/me')).toMatchObject({ id: created.id });

    // A key for a user never acts above the user's role.
    const key = await root.ok<{ id: string; key: string; role: string }>('POST', '/agent/v1/admin/api-keys', { userId: created.id, name: 'bot', role: 'admin' });
    expect(key.key).toMatch(/^sbk_/);
    // Said at once: the key is made with the user's role, not the one asked for.
    expect(key.role).toBe('agent');
    const viaKey = new AgentUser(server, USERS.alice);
    viaKey.accessToken = key.key;
    expect(await viaKey.ok('GET', '/agent/v1/me')).toMatchObject({ id: created.id, role: 'agent' });
    expect((await viaKey.call('GET', '/agent/v1/admin/users')).status).toBe(403);
    const keys = await root.ok<Record<string, unknown>[]>('GET', '/agent/v1/admin/api-keys');
    // Every field of the list's schema (ApiKey) arrives: the schema is also what serializes the answer.
    expect(keys.find((k) => k['id'] === key.id)).toEqual({ id: key.id, userId: created.id, name: 'bot', role: expect.any(String), createdAt: expect.any(Number), revokedAt: null });
    expect(JSON.stringify(keys)).not.toContain(key.key);
    expect(keys.every((k) => !('hash' in k))).toBe(true);

    // Another org's admin cannot touch it (no admin there: a supervisor is refused by role first).
    expect((await root.call('DELETE', '/agent/v1/admin/api-keys/doesnotexist')).status).toBe(404);
    expect((await root.call('DELETE', `/agent/v1/admin/api-keys/${key.id}`)).status).toBe(200);
    const revoked = await viaKey.call('GET', '/agent/v1/me');
    expect(revoked.status, revoked.text).toBe(401);
    // Revoking it again is a 200 that changes nothing: it keeps the time it was first revoked.
    const revokedAt = (await root.ok<Record<string, unknown>[]>('GET', '/agent/v1/admin/api-keys')).find((k) => k['id'] === key.id)?.['revokedAt'];
    expect(revokedAt).toEqual(expect.any(Number));
    await pause(20);
    expect((await root.call('DELETE', `/agent/v1/admin/api-keys/${key.id}`)).status).toBe(200);
    expect((await root.ok<Record<string, unknown>[]>('GET', '/agent/v1/admin/api-keys')).find((k) => k['id'] === key.id)?.['revokedAt']).toBe(revokedAt);

    // Disabling a user kills its tokens.
    expect((await root.call('PATCH', `/agent/v1/admin/users/${created.id}`, { disabled: true })).status).toBe(200);
    expect((await nina.call('GET', '/agent/v1/me')).status).toBe(401);
    expect((await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: 'nina', password: 'nina-password' } })).status).toBe(401);
  });

  it('never logs in a user that has no password, whatever is sent', async () => {
    const root = await AgentUser.login(server, USERS.root);
    await root.ok('POST', '/agent/v1/admin/users', { name: 'Key Only', username: 'keyonly', role: 'supervisor' });
    for (const password of ['\u0000never', 'never', 'plain:\u0000never']) {
      const res = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: 'keyonly', password } });
      expect(res.status, `password ${JSON.stringify(password)}: ${res.text}`).toBe(401);
    }
  });

  it('serves an OpenAPI document listing every route with its role', async () => {
    const res = await request(server.baseUrl, 'GET', '/agent/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json as { openapi: string; paths: Record<string, Record<string, { 'x-required-role'?: string; requestBody?: unknown }>> };
    expect(doc.openapi).toMatch(/^3\.1/);
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    for (const r of [
      'POST /agent/v1/auth/login', 'POST /agent/v1/auth/refresh', 'POST /agent/v1/auth/logout', 'GET /agent/v1/me',
      'PUT /agent/v1/presence', 'POST /agent/v1/heartbeat', 'GET /agent/v1/chats', 'GET /agent/v1/chats/{chatId}',
      'GET /agent/v1/chats/{chatId}/transcript', 'POST /agent/v1/chats/{chatId}/accept', 'POST /agent/v1/chats/{chatId}/decline',
      'POST /agent/v1/chats/{chatId}/messages', 'POST /agent/v1/chats/{chatId}/typing', 'POST /agent/v1/chats/{chatId}/events',
      'POST /agent/v1/chats/{chatId}/transfer', 'GET /agent/v1/transfer-targets', 'POST /agent/v1/chats/{chatId}/end', 'GET /agent/v1/supervisor/overview',
      'POST /agent/v1/chats/{chatId}/whisper', 'POST /agent/v1/chats/{chatId}/takeover', 'POST /agent/v1/chats/{chatId}/reassign',
      'GET /agent/v1/admin/users', 'POST /agent/v1/admin/users', 'PATCH /agent/v1/admin/users/{userId}', 'GET /agent/v1/admin/api-keys',
      'POST /agent/v1/admin/api-keys', 'DELETE /agent/v1/admin/api-keys/{keyId}', 'DELETE /agent/v1/admin/visitors/{visitorId}', 'GET /agent/v1/stream', 'GET /agent/v1/events', 'POST /agent/v1/stream-ticket',
    ]) expect(routes, r).toContain(r);
    expect(doc.paths['/agent/v1/supervisor/overview']?.['get']?.['x-required-role']).toBe('supervisor');
    expect(doc.paths['/agent/v1/admin/users']?.['post']?.['x-required-role']).toBe('admin');
    expect(doc.paths['/agent/v1/presence']?.['put']?.requestBody).toBeDefined();
    // What a generated client needs besides 200: the error answers each route can give, query parameters.
    type Op = { responses: Record<string, unknown>; parameters?: { name: string; in: string }[]; 'x-required-role'?: string };
    const op = (path: string, method: string) => (doc.paths[path]?.[method] as unknown as Op);
    expect(Object.keys(op('/agent/v1/chats/{chatId}/accept', 'post').responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409']));
    expect(Object.keys(op('/agent/v1/auth/login', 'post').responses)).toEqual(expect.arrayContaining(['401', '429']));
    expect(op('/agent/v1/chats/{chatId}/transcript', 'get').parameters?.map((q) => q.name)).toContain('format');
    expect(op('/agent/v1/stream', 'get').parameters?.map((q) => q.name)).toEqual(['ticket', 'access_token', 'lastEventId']);
    expect(op('/agent/v1/events', 'get')['x-required-role']).toBe('agent');
    expect(op('/agent/v1/chats', 'get').responses['200']).toMatchObject({ content: { 'application/json': { schema: { type: 'array' } } } });
  });
});
