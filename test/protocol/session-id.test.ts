/**
 * System/SessionId (GET, DELETE .../{key}) and the 403 for unknown or ended sessions.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, useServer } from './harness.js';
import { API_VERSION, SESSION_GONE, Visitor, expectOk, expectPlainError } from './visitor.js';

const server = useServer();

function expectSessionShape(body: unknown): void {
  expect(body).toBeTypeOf('object');
  const b = body as Record<string, unknown>;
  expect(typeof b['id'] === 'string' && b['id'].length > 0, `id: ${JSON.stringify(b)}`).toBe(true);
  expect(typeof b['key']).toBe('string');
  const parts = String(b['key']).split('!');
  expect(parts, `key is <id>!<epoch-ms>!<opaque>: ${String(b['key'])}`).toHaveLength(3);
  const [id, epoch, opaque] = parts as [string, string, string];
  expect(id).toBe(b['id']);
  expect(epoch).toMatch(/^\d+$/);
  // The epoch is milliseconds, close to now (not seconds, not a counter).
  expect(Math.abs(Number(epoch) - Date.now())).toBeLessThan(24 * 3600 * 1000);
  expect(opaque.length).toBeGreaterThan(0);
  expect(typeof b['clientPollTimeout'], 'clientPollTimeout is a JSON number').toBe('number');
  expect(b['affinityToken']).toMatch(/^[0-9a-f]{8}$/);
}

describe.concurrent('GET System/SessionId', () => {
  it.each([
    ['the string "null"', 'null'],
    ['an empty value', ''],
    ['no header', undefined],
  ])('affinity %s gives a session of the field shape', async (_label, affinity) => {
    const headers: Record<string, string> = { 'X-LIVEAGENT-API-VERSION': API_VERSION };
    if (affinity !== undefined) headers['X-LIVEAGENT-AFFINITY'] = affinity;
    const res = await server.req('GET', 'System/SessionId', { headers });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
    expectSessionShape(res.json);
  });

  it.skipIf(!OWNS_PROCESS)(needsProcess('clientPollTimeout is the configured 40 seconds'), async () => {
    const v = new Visitor(server);
    await v.createSession();
    expect(v.clientPollTimeout).toBe(40);
  });

  it('ignores SessionId.ClientType=chasitor', async () => {
    const res = await server.req('GET', 'System/SessionId', {
      headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null' },
      query: { 'SessionId.ClientType': 'chasitor' },
    });
    expect(res.status, res.text).toBe(200);
    expectSessionShape(res.json);
  });

  it('every call creates a distinct session', async () => {
    const a = new Visitor(server);
    const b = new Visitor(server);
    await a.createSession();
    await b.createSession();
    expect(a.id).not.toBe(b.id);
    expect(a.key).not.toBe(b.key);
  });

  it('a new session works end to end with the returned key and affinity token', async () => {
    const v = new Visitor(server);
    await v.start();
    await v.say('hello session');
    expect(await v.awaitEchoes(['hello session'])).toEqual(['hello session']);
  });
});

describe.concurrent('unknown sessions', () => {
  it.each([
    ['no session key', undefined],
    ['a made-up key', 'deadbeef-0000!1700000000000!nothing'],
    ['garbage', '!!!'],
  ])('Messages with %s is 403 "%s"', async (_label, key) => {
    const v = new Visitor(server);
    await v.createSession(); // for a valid affinity token of this server
    const headers = v.headers();
    delete headers['X-LIVEAGENT-SESSION-KEY'];
    if (key !== undefined) headers['X-LIVEAGENT-SESSION-KEY'] = key;
    const poll = await server.req('GET', 'System/Messages', { headers });
    expectPlainError(poll, 403, SESSION_GONE);
    const post = await server.req('POST', 'Chasitor/ChatMessage', { headers: { ...headers, 'X-LIVEAGENT-SEQUENCE': '2' }, body: { text: 'x' } });
    expectPlainError(post, 403, SESSION_GONE);
  });
});

describe.concurrent('DELETE System/SessionId/{key}', () => {
  it.each([
    ['the key as it is', (k: string) => k],
    ['the key percent-encoded', (k: string) => k.replaceAll('!', '%21')],
  ])('with %s ends the session: then 403 on every session request', async (_label, encode) => {
    const v = new Visitor(server);
    await v.start();
    await v.say('before delete');
    await v.awaitEchoes(['before delete']);

    const res = await server.req('DELETE', `System/SessionId/${encode(v.key)}`, { headers: v.headers() });
    expect(res.status, res.text).toBe(200);

    const post = await v.post('Chasitor/ChatMessage', { text: 'after delete' });
    expectPlainError(post, 403, SESSION_GONE);
    // Messages may still hand over what was pending, but must reach 403 quickly.
    let status = 0;
    for (let i = 0; i < 5; i++) {
      const poll = await v.poll();
      status = poll.status;
      if (status === 403) {
        expectPlainError(poll, 403, SESSION_GONE);
        break;
      }
      expect([200, 204]).toContain(status);
    }
    expect(status).toBe(403);
    expect(v.echoes()).not.toContain('after delete');
  });

  it('without a key in the path, ends the session its X-LIVEAGENT-SESSION-KEY names; with neither, 403', async () => {
    const v = new Visitor(server);
    await v.start();
    const other = new Visitor(server);
    await other.start();
    expectOk(await server.req('DELETE', 'System/SessionId', { headers: v.headers() }), 'DELETE with the key in the header');
    expectPlainError(await v.post('Chasitor/ChatMessage', { text: 'after delete' }), 403, SESSION_GONE);
    // A key in the path wins over the header's.
    expectOk(await server.req('DELETE', `System/SessionId/${other.key}`, { headers: v.headers() }), 'DELETE of the path key');
    expectPlainError(await other.post('Chasitor/ChatMessage', { text: 'after delete' }), 403, SESSION_GONE);
    expectPlainError(await server.req('DELETE', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION } }), 403, SESSION_GONE);
  });

  it('does not touch other sessions', async () => {
    const a = new Visitor(server);
    const b = new Visitor(server);
    await a.start();
    await b.start();
    const res = await server.req('DELETE', `System/SessionId/${a.key}`, { headers: a.headers() });
    expect(res.status).toBe(200);
    await b.say('b lives');
    expect(await b.awaitEchoes(['b lives'])).toEqual(['b lives']);
  });

  it('a key in the path that does not decode is 403, not 500 (a raw request: fetch would drop the #)', async () => {
    const { hostname, port } = new URL(server.baseUrl);
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.end(`DELETE /chat/rest/System/SessionId/abc#%ZZ HTTP/1.1\r\nHost: ${hostname}\r\nX-LIVEAGENT-API-VERSION: ${API_VERSION}\r\nConnection: close\r\n\r\n`);
      });
      let got = '';
      socket.on('data', (chunk: Buffer) => { got += chunk.toString('latin1'); });
      socket.on('end', () => resolve(got.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });
    expect(statusLine).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('an unknown key is 403 (or 200), never 404/500', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const res = await server.req('DELETE', 'System/SessionId/nothing!1700000000000!here', { headers: v.headers() });
    expect([200, 403], res.text).toContain(res.status);
    // and the caller's own session is untouched
    expectOk(await v.init(), 'ChasitorInit after DELETE of a stranger');
  });
});
