/**
 * The OpenAPI document is the reference where the docs disagree (docs/agent-api.md),
 * so every status a route answers must be listed for it. Every route gets the same
 * provocations (no credential, a bad one, too low a role, an empty, a malformed and
 * a too large body, unknown ids), a few routes their own, and each status seen
 * must be in that route's responses: a new route is checked without a new test.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { request, type ReqOptions } from '../protocol/harness.js';
import { AgentUser, USERS, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

interface Operation {
  responses: Record<string, { description: string }>;
  'x-close-codes'?: Record<string, string>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('agent API: the OpenAPI document lists what the routes answer', () => {
  it('lists every status a route answers', async () => {
    const doc = (await request(server.baseUrl, 'GET', '/agent/v1/openapi.json')).json as Doc;
    const seen: { route: string; how: string; status: number }[] = [];
    const call = async (method: string, path: string, how: string, opts: ReqOptions) => {
      const res = await request(server.baseUrl, method, path.replace(/\{\w+\}/g, 'nosuch'), opts);
      seen.push({ route: `${method} ${path}`, how, status: res.status });
    };
    // Just over the default maxBodyBytes (64 KiB): much larger, the server's answer races the upload (EPIPE).
    const huge = JSON.stringify({ text: 'x'.repeat(70_000) });
    const json = { 'Content-Type': 'application/json' };

    for (const [path, ops] of Object.entries(doc.paths)) {
      if (path === '/agent/v1/stream') continue; // a WebSocket: the next test
      for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
        const body = method === 'GET' ? {} : { body: {} };
        // Fresh tokens per route: logout revokes the one it is sent with.
        const agent = await AgentUser.login(server, USERS.alice);
        const admin = await AgentUser.login(server, USERS.root);
        await call(method, path, 'no credential', body);
        await call(method, path, 'a garbage credential', { headers: bearer('garbage'), ...body });
        if (path === '/agent/v1/events') continue; // with a good credential, an answer that never ends
        await call(method, path, 'an agent', { headers: bearer(agent.accessToken), ...body });
        await call(method, path, 'an admin', { headers: bearer(admin.accessToken), ...body });
        if (method !== 'GET') {
          await call(method, path, 'malformed JSON', { headers: { ...bearer(admin.accessToken), ...json }, body: '{"not json' });
          await call(method, path, 'a body over the limit', { headers: { ...bearer(admin.accessToken), ...json }, body: huge });
        }
      }
    }
    const admin = await AgentUser.login(server, USERS.root);
    await call('POST', '/agent/v1/auth/refresh', 'a garbage refresh token', { body: { refreshToken: 'garbage' } });
    await call('POST', '/agent/v1/admin/api-keys', 'an unknown user', { headers: bearer(admin.accessToken), body: { userId: 'nosuch', name: 'k', role: 'agent' } });

    const unlisted = seen.filter(({ route, status }) => {
      const [method, path] = route.split(' ') as [string, string];
      return !doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
    });
    expect(unlisted).toEqual([]);
    // The provocations reach what the audit found unlisted (so the check is not vacuous).
    for (const [route, status] of [['POST /agent/v1/auth/refresh', 401], ['POST /agent/v1/admin/api-keys', 404], ['POST /agent/v1/chats/{chatId}/accept', 413], ['DELETE /agent/v1/admin/api-keys/{keyId}', 413]] as const) {
      expect(seen.filter((s) => s.route === route).map((s) => s.status), route).toContain(status);
    }
  });

  it('describes the answer of every success: each operation has a 2xx with a schema (the socket, 101 only, aside)', async () => {
    const doc = (await request(server.baseUrl, 'GET', '/agent/v1/openapi.json')).json as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };
    const without: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (path === '/agent/v1/stream') continue;
        const ok = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
        if (!ok.length || ok.some(([, r]) => !r.content || Object.values(r.content).some((c) => c.schema === undefined))) without.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(without).toEqual([]);
    // The keys' list, undescribed before: what an admin sees of a key, never its secret.
    const keys = doc.paths['/agent/v1/admin/api-keys']!['get']!.responses['200']!.content!['application/json']!.schema as { type: string; items: { required: string[]; properties: Record<string, unknown> } };
    expect(keys.type).toBe('array');
    expect(keys.items.required).toEqual(expect.arrayContaining(['id', 'userId', 'name', 'role', 'createdAt', 'revokedAt']));
    expect(Object.keys(keys.items.properties)).not.toContain('hash');
  });

  it('describes the transcript\'s paging: its query parameters with their bounds, the page, and the JSON Lines it can answer instead', async () => {
    const doc = (await request(server.baseUrl, 'GET', '/agent/v1/openapi.json')).json as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const op = doc.paths['/agent/v1/chats/{chatId}/transcript']!['get']!;
    const query = (op['parameters'] as { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]).filter((p) => p.in === 'query');
    expect(query.map((p) => [p.name, p.required])).toEqual([['after', false], ['limit', false], ['format', false]]);
    expect(query[0]!.schema).toMatchObject({ type: 'integer', minimum: 0 });
    expect(query[1]!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(query[2]!.schema).toMatchObject({ enum: ['json', 'jsonl'] });
    const ok = (op['responses'] as Record<string, { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[]; anyOf?: unknown[] } }> }>)['200']!;
    expect(ok.content['application/json']!.schema.required).toEqual(expect.arrayContaining(['chat', 'prechatDetails', 'events', 'nextAfter', 'hasMore']));
    expect(ok.content['application/x-ndjson']!.schema.anyOf).toHaveLength(2);
  });

  it('describes the chat search: a supervisor\'s route, its filters and page bounds as query parameters, the page, and its 400', async () => {
    const doc = (await request(server.baseUrl, 'GET', '/agent/v1/openapi.json')).json as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const op = doc.paths['/agent/v1/supervisor/chats']!['get']!;
    expect(op['x-required-role']).toBe('supervisor');
    const query = (op['parameters'] as { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]).filter((p) => p.in === 'query');
    expect(query.map((p) => [p.name, p.required])).toEqual(['state', 'buttonId', 'agentId', 'visitorId', 'endReason', 'createdFrom', 'createdTo', 'endedFrom', 'endedTo', 'limit', 'cursor'].map((n) => [n, false]));
    const schema = (name: string) => query.find((p) => p.name === name)!.schema;
    expect(schema('state')).toMatchObject({ enum: ['waiting', 'offered', 'established', 'ended'] });
    expect(schema('limit')).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
    expect(schema('createdFrom')).toMatchObject({ type: 'integer', minimum: 0 });
    const responses = op['responses'] as Record<string, { content?: Record<string, { schema: { required?: string[]; properties?: Record<string, { items?: { required?: string[] } }> } }> }>;
    const page = responses['200']!.content!['application/json']!.schema;
    expect(page.required).toEqual(expect.arrayContaining(['chats', 'nextCursor']));
    expect(page.properties!['chats']!.items!.required).toEqual(expect.arrayContaining(['chatId', 'state', 'createdAt', 'requestedButtonId', 'endReason']));
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
  });

  it('describes my past chats: an agent\'s route, only limit and cursor (no agentId), the page, and its 400', async () => {
    const doc = (await request(server.baseUrl, 'GET', '/agent/v1/openapi.json')).json as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const op = doc.paths['/agent/v1/chats/history']!['get']!;
    expect(op['x-required-role']).toBe('agent');
    const query = (op['parameters'] as { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]).filter((p) => p.in === 'query');
    expect(query.map((p) => [p.name, p.required])).toEqual([['limit', false], ['cursor', false]]);
    expect(query[0]!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
    const responses = op['responses'] as Record<string, { content?: Record<string, { schema: { required?: string[]; properties?: Record<string, { items?: { required?: string[] } }> } }> }>;
    const page = responses['200']!.content!['application/json']!.schema;
    expect(page.required).toEqual(expect.arrayContaining(['chats', 'nextCursor']));
    expect(page.properties!['chats']!.items!.required).toEqual(expect.arrayContaining(['chatId', 'state', 'createdAt', 'agentId', 'endReason']));
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['400', '401']));
  });

  it('describes the stream socket: 101 for an upgrade (a bad credential is close code 4401), 426 without one', async () => {
    const doc = (await request(server.baseUrl, 'GET', '/agent/v1/openapi.json')).json as Doc;
    const stream = doc.paths['/agent/v1/stream']!['get']!;
    const ws = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/agent/v1/stream`, { headers: bearer('garbage') });
    const frames: string[] = [];
    ws.on('message', (raw: Buffer) => frames.push(raw.toString('utf8')));
    const upgraded = new Promise<boolean>((resolve) => { ws.once('open', () => resolve(true)); ws.once('unexpected-response', () => resolve(false)); });
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    expect(await upgraded).toBe(true);
    const code = await closed;
    expect(code).toBe(4401);
    expect(JSON.parse(frames[0]!)).toMatchObject({ type: 'error', status: 401 });
    expect(Object.keys(stream['x-close-codes'] ?? {})).toContain(String(code));
    // A plain GET without the upgrade is an HTTP answer, and listed.
    const plain = await request(server.baseUrl, 'GET', '/agent/v1/stream');
    expect(plain.status).toBe(426);
    expect(Object.keys(stream.responses).sort()).toEqual(['101', String(plain.status)]);
  });
});
