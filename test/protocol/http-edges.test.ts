/**
 * HTTP at the edges of the visitor API, as third-party clients, proxies and
 * probes send it: errors raised before any route (a request node:http cannot
 * parse, headers too large, a URL that does not decode) answered with CORS and
 * the catalogue's plain text; HEAD; absolute-form request targets; repeated
 * query parameters. The long poll is asked both ways in (the guide's spelling,
 * answered in front of fastify, and another spelling, through it: ADR 0014).
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { rawRequest, useServer, type RawRes } from './harness.js';
import { API_VERSION, BOT_BUTTON, DEPLOYMENT_ID, ORG_ID, SESSION_GONE, Visitor, expectPlainError } from './visitor.js';

const server = useServer();
const ORIGIN = 'https://shop.example';
const GUIDE = 'System/Messages';
const OTHER = 'system/messages';
const AVAILABILITY = `org_id=${ORG_ID}&deployment_id=${DEPLOYMENT_ID}&Availability.ids=${BOT_BUTTON}`;

function hostOf(): string {
  return new URL(server.baseUrl).host;
}

/** The CORS headers of a normal cross-origin answer, and the catalogue's plain-text error form. */
function expectCorsPlainError(res: RawRes, status: number, startsWith: string, what: string): void {
  expect(res.status, `${what}: ${res.body}`).toBe(status);
  expect(res.headers['access-control-allow-origin'], `${what}: Access-Control-Allow-Origin`).toBe(ORIGIN);
  expect(res.headers['access-control-allow-credentials'], what).toBe('true');
  expect(res.headers['vary'], what).toBe('Origin');
  expect(res.headers['content-type'], what).toBe('text/plain; charset=utf-8');
  expect(res.headers['cache-control'], what).toBe('no-store');
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.body.startsWith(startsWith), `${what}: body ${JSON.stringify(res.body)}`).toBe(true);
  expect(res.body.length, what).toBeLessThanOrEqual(200);
}

describe.concurrent('errors before any route carry CORS and the catalogue\'s plain text', () => {
  it('a request node:http cannot parse: 400 Malformed request', async () => {
    const res = await rawRequest(server.baseUrl, `GET /chat/rest/Visitor/Settings HTTP/1.1\r\nHost: ${hostOf()}\r\nOrigin: ${ORIGIN}\r\nContent-Length: abc\r\n\r\n`);
    expectCorsPlainError(res, 400, 'Malformed request', 'bad Content-Length');
    const garbage = await rawRequest(server.baseUrl, `GET /chat/rest/Visitor/Settings HTTP/1.1\r\nHost: ${hostOf()}\r\nOrigin: ${ORIGIN}\r\nBad Header Line\r\n\r\n`);
    expectCorsPlainError(garbage, 400, 'Malformed request', 'a header line without a colon');
  });

  it('headers over node\'s limit (a browser with a huge cookie): 431', async () => {
    const res = await rawRequest(server.baseUrl, `GET /chat/rest/Visitor/Settings HTTP/1.1\r\nHost: ${hostOf()}\r\nOrigin: ${ORIGIN}\r\nCookie: big=${'x'.repeat(20_000)}\r\n\r\n`);
    expectCorsPlainError(res, 431, 'Request header fields too large', 'huge cookie');
  });

  it('a request target that does not decode: 400 Invalid query parameter', async () => {
    const res = await rawRequest(server.baseUrl, `GET /chat/rest/%zz HTTP/1.1\r\nHost: ${hostOf()}\r\nOrigin: ${ORIGIN}\r\nConnection: close\r\n\r\n`);
    expectCorsPlainError(res, 400, 'Invalid query parameter', 'GET /chat/rest/%zz');
  });

  it('a path segment too long to be any id (a chat id, a visitor id to erase): 404, the path not echoed at length', async () => {
    for (const path of [`/agent/v1/chats/${'x'.repeat(300)}`, `/agent/v1/admin/visitors/${'v'.repeat(300)}`]) {
      for (const method of ['GET', 'DELETE']) {
        const res = await rawRequest(server.baseUrl, `${method} ${path} HTTP/1.1\r\nHost: ${hostOf()}\r\nOrigin: ${ORIGIN}\r\nConnection: close\r\n\r\n`);
        expect(res.status, `${method} ${path.slice(0, 30)}: ${res.body}`).toBe(404);
        expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
        expect(res.body).toMatch(/^Resource not found: /);
        expect(res.body.length).toBeLessThan(160);
      }
    }
  });

  it('fastify\'s own 404 and 413', async () => {
    const notFound = await rawRequest(server.baseUrl, `GET /no/such/path HTTP/1.1\r\nHost: ${hostOf()}\r\nOrigin: ${ORIGIN}\r\nConnection: close\r\n\r\n`);
    expect(notFound.status).toBe(404);
    expect(notFound.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(notFound.body).toBe('Resource not found: GET /no/such/path');
    const big = 'x'.repeat(70_000);
    const tooLarge = await rawRequest(server.baseUrl, `POST /chat/rest/Visitor/Breadcrumb HTTP/1.1\r\nHost: ${hostOf()}\r\nOrigin: ${ORIGIN}\r\nX-LIVEAGENT-API-VERSION: ${API_VERSION}\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n`, big);
    expectCorsPlainError(tooLarge, 413, 'Request body too large', 'body too large');
  });
});

describe.concurrent('HEAD', () => {
  it('on Availability, Settings and VisitorId: the GET\'s status and headers, no body', async () => {
    const version = { 'X-LIVEAGENT-API-VERSION': API_VERSION, Origin: ORIGIN };
    const cases: [string, string][] = [
      ['Visitor/Availability', AVAILABILITY],
      ['Visitor/Settings', `org_id=${ORG_ID}&deployment_id=${DEPLOYMENT_ID}`],
      ['Visitor/VisitorId', 'visitorId=probe-visitor-0001'],
    ];
    for (const [noun, query] of cases) {
      const get = await server.req('GET', noun, { headers: version, query });
      const head = await server.req('HEAD', noun, { headers: version, query });
      expect(head.status, `HEAD ${noun}: ${head.text}`).toBe(200);
      expect(head.text, `HEAD ${noun} has no body`).toBe('');
      for (const name of ['content-type', 'content-length', 'cache-control', 'access-control-allow-origin', 'set-cookie']) {
        expect(head.headers.get(name), `HEAD ${noun}: ${name}`).toBe(get.headers.get(name));
      }
    }
  });

  it('on a POST noun is 405 naming only POST; a GET noun\'s Allow names HEAD', async () => {
    const headers = { 'X-LIVEAGENT-API-VERSION': API_VERSION };
    const head = await server.req('HEAD', 'Chasitor/ChatMessage', { headers });
    expect(head.status).toBe(405);
    expect(head.headers.get('allow')).toBe('POST');
    const post = await server.req('POST', 'Visitor/Availability', { headers, body: {} });
    expectPlainError(post, 405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('runs the gate\'s checks like GET: no version 400, unknown session 403', async () => {
    expect((await server.req('HEAD', 'Visitor/Availability', { query: AVAILABILITY })).status).toBe(400);
    for (const path of [GUIDE, OTHER]) {
      const gone = await server.req('HEAD', path, { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-SESSION-KEY': 'nope!1!x' } });
      expect(gone.status, `HEAD ${path}`).toBe(403);
    }
  });

  it('on System/Messages answers 204 at once and delivers nothing: the next GET gets the message', async () => {
    for (const path of [GUIDE, OTHER]) {
      const v = new Visitor(server);
      await v.createSession();
      expect((await v.init()).status).toBe(200);
      const head = await server.req('HEAD', path, { headers: v.headers(), query: { ack: -1 }, timeoutMs: 5_000 });
      expect(head.status, `HEAD ${path}`).toBe(204);
      expect(head.ms, `HEAD ${path} is never held`).toBeLessThan(server.pollHoldMs);
      const poll = await v.poll({ ack: -1 });
      expect(poll.messages[0]?.type, `GET after HEAD ${path}`).toBe('ChatRequestSuccess');
    }
  });

  it('on System/Messages does not replace a held poll', async () => {
    for (const path of [GUIDE, OTHER]) {
      const v = new Visitor(server);
      await v.createSession();
      const held = v.poll({ ack: -1 });
      await new Promise((r) => setTimeout(r, 100));
      expect((await server.req('HEAD', path, { headers: v.headers() })).status, `HEAD ${path}`).toBe(204);
      expect((await held).status, `the poll held across HEAD ${path}`).toBe(204);
    }
  });

  it('on System/SessionId answers 204 without making a session', async () => {
    const head = await server.req('HEAD', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect(head.status).toBe(204);
    expect(head.text).toBe('');
  });
});

describe.concurrent('OPTIONS without an Origin (not a CORS preflight)', () => {
  // Monitoring probes and some proxies send a bare OPTIONS. The guide's 404 means "check the URI":
  // a resource that exists answers 405 with its Allow list, as for any other method it does not
  // take (the gate's order: noun 404, then method 405); only an unknown noun is 404.
  it.each([
    ['System/SessionId', 'GET, HEAD, DELETE'],
    ['system/messages', 'GET, HEAD'],
    ['Chasitor/ChatMessage', 'POST'],
    ['Visitor/Availability', 'GET, HEAD'],
  ])('on %s is 405 with Allow %s, never 404', async (noun, allow) => {
    const res = await server.req('OPTIONS', noun, { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION } });
    expectPlainError(res, 405, 'Method not allowed');
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('on an unknown noun is 404, and a preflight (with Origin) is still 204', async () => {
    expectPlainError(await server.req('OPTIONS', 'System/NoSuchNoun'), 404, 'Resource not found');
    const preflight = await server.req('OPTIONS', 'System/SessionId', { headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('leaves the session working', async () => {
    const v = new Visitor(server);
    await v.start();
    expect((await server.req('OPTIONS', 'Chasitor/ChatMessage', { headers: v.headers({ 'X-LIVEAGENT-SEQUENCE': String(v.sentSequence + 1) }) })).status).toBe(405);
    await v.say('after OPTIONS');
    expect(await v.awaitEchoes(['after OPTIONS'])).toEqual(['after OPTIONS']);
  });
});

describe.concurrent('an HTTP/2 cleartext upgrade offer (Upgrade: h2c) is ignored', () => {
  // Java's java.net.http.HttpClient (HTTP/2 by default) and curl --http2 offer h2c on every request to
  // an http:// URL: `Connection: Upgrade, HTTP2-Settings`, `Upgrade: h2c`. A server may ignore the
  // offer (RFC 9110 §7.8) and answer in HTTP/1.1, which is what a Live Agent client then reads. Node
  // hands any request with an Upgrade header to the WebSocket upgrade path, which lost a POST's body
  // (400 Content-Length mismatch): a Java bot on the emulator (plain http in CI) could never chat.
  const H2C = { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA' };

  function send(agent: http.Agent, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
    const base = new URL(server.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: base.hostname, port: base.port, method, path: path.startsWith('/') ? path : `/chat/rest/${path}`, agent, headers: { ...H2C, ...headers } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('upgrade', () => reject(new Error('the server took the h2c offer')));
      req.on('error', reject);
      req.end(body);
    });
  }

  it('POSTs with the offer are read whole and applied, on one kept-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const v = new Visitor(server);
      await v.createSession();
      const headers = (seq: number) => v.headers({ 'X-LIVEAGENT-SEQUENCE': String(seq), 'Content-Type': 'application/json' });
      expect(await send(agent, 'POST', 'Chasitor/ChasitorInit', headers(1), JSON.stringify(v.initBody()))).toEqual({ status: 200, text: 'OK' });
      await v.pollUntil((all) => all.some((m) => m.type === 'ChatEstablished'), 'ChatEstablished');
      expect(await send(agent, 'POST', 'Chasitor/ChatMessage', headers(2), JSON.stringify({ text: 'over h2c offer' }))).toEqual({ status: 200, text: 'OK' });
      // A body that arrives in several TCP reads after the request head (40 KB of JSON whitespace).
      const padded = `{"text":"padded over h2c offer"${' '.repeat(40_000)}}`;
      expect(await send(agent, 'POST', 'Chasitor/ChatMessage', headers(3), padded)).toEqual({ status: 200, text: 'OK' });
      v.sentSequence = 3;
      expect(await v.awaitEchoes(['over h2c offer', 'padded over h2c offer'])).toEqual(['over h2c offer', 'padded over h2c offer']);
    } finally {
      agent.destroy();
    }
  });

  it('a GET with the offer is answered in HTTP/1.1, and the agent stream still answers 426 without a WebSocket upgrade', async () => {
    const agent = new http.Agent({ keepAlive: false });
    try {
      const sid = await send(agent, 'GET', 'System/SessionId', { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null' });
      expect(sid.status, sid.text).toBe(200);
      expect(JSON.parse(sid.text)).toHaveProperty('affinityToken');
      const stream = await send(agent, 'GET', '/agent/v1/stream', {});
      expect([401, 426]).toContain(stream.status);
    } finally {
      agent.destroy();
    }
  });
});

describe.concurrent('absolute-form request targets (forward proxies)', () => {
  const absolute = (path: string, headers: Record<string, string>, scheme = 'http') =>
    rawRequest(server.baseUrl, `GET ${scheme}://${hostOf()}${path} HTTP/1.1\r\nHost: ${hostOf()}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`);

  it('are routed by their path: Availability', async () => {
    for (const scheme of ['http', 'HTTP', 'https']) {
      const res = await absolute(`/chat/rest/Visitor/Availability?${AVAILABILITY}`, { 'X-LIVEAGENT-API-VERSION': API_VERSION }, scheme);
      expect(res.status, `${scheme}: ${res.body}`).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ messages: [{ type: 'Availability', message: { results: [{ id: BOT_BUTTON, isAvailable: true }] } }] });
    }
  });

  it('are routed by their path: the poll both ways in, and an unknown path is 404 by its path', async () => {
    for (const path of [GUIDE, OTHER]) {
      const v = new Visitor(server);
      await v.createSession();
      expect((await v.init()).status).toBe(200);
      const res = await absolute(`/chat/rest/${path}?ack=-1`, v.headers());
      expect(res.status, `${path}: ${res.body}`).toBe(200);
      expect((JSON.parse(res.body) as { messages: { type: string }[] }).messages[0]?.type).toBe('ChatRequestSuccess');
    }
    const gone = await absolute(`/chat/rest/${GUIDE}`, { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-SESSION-KEY': 'nope!1!x' });
    expect([gone.status, gone.body]).toEqual([403, SESSION_GONE]);
    const unknown = await absolute('/chat/rest/Foo/Bar', { 'X-LIVEAGENT-API-VERSION': API_VERSION });
    expect([unknown.status, unknown.body]).toEqual([404, 'Resource not found: Foo/Bar']);
  });
});

describe.concurrent('repeated query parameters: the first occurrence counts', () => {
  it('org_id on Availability and Settings', async () => {
    const headers = { 'X-LIVEAGENT-API-VERSION': API_VERSION };
    const available = async (query: string) => {
      const res = await server.req('GET', 'Visitor/Availability', { headers, query });
      return (res.json as { messages: { message: { results: { isAvailable?: boolean }[] } }[] }).messages[0]!.message.results[0]!.isAvailable === true;
    };
    expect(await available(`org_id=${ORG_ID}&org_id=00D000000000999&Availability.ids=${BOT_BUTTON}`)).toBe(true);
    expect(await available(`org_id=00D000000000999&org_id=${ORG_ID}&Availability.ids=${BOT_BUTTON}`)).toBe(false);
    // A list parameter takes every occurrence (as documented for Availability.ids).
    const both = await server.req('GET', 'Visitor/Availability', { headers, query: `org_id=${ORG_ID}&Availability.ids=${BOT_BUTTON}&Availability.ids=573000000000002` });
    expect((both.json as { messages: { message: { results: { id: string }[] } }[] }).messages[0]!.message.results.map((r) => r.id)).toEqual([BOT_BUTTON, '573000000000002']);

    const buttons = async (query: string) => {
      const res = await server.req('GET', 'Visitor/Settings', { headers, query });
      return (res.json as { messages: { message: { buttons: unknown[] } }[] }).messages[0]!.message.buttons.length;
    };
    expect(await buttons(`org_id=${ORG_ID}&org_id=00D000000000999&deployment_id=${DEPLOYMENT_ID}`)).toBe(2);
    expect(await buttons(`org_id=${ORG_ID}&deployment_id=${DEPLOYMENT_ID}&deployment_id=572000000000999`)).toBe(2);
    expect(await buttons(`org_id=00D000000000999&org_id=${ORG_ID}&deployment_id=${DEPLOYMENT_ID}`)).toBe(0);
  });

  it('ack on Messages, both ways in', async () => {
    for (const path of [GUIDE, OTHER]) {
      const v = new Visitor(server);
      await v.createSession();
      expect((await v.init()).status).toBe(200);
      // Poll with ack = the last sequence until the third message (the greeting) has come.
      let ack = -1;
      while (ack < 3) {
        const res = await server.req('GET', path, { headers: v.headers(), query: { ack }, timeoutMs: 10_000 });
        expect([200, 204], res.text).toContain(res.status);
        if (res.status === 200) ack = (res.json as { sequence: number }).sequence;
      }
      expect(ack, `${path}: sequences are 1, 2, 3`).toBe(3);
      // The poll that got sequence 3 sent ack=2. ack=2 again (first) says that answer was lost: it
      // comes again. Read as ack=3 (the last), nothing would be pending (204 after the hold).
      const again = await server.req('GET', path, { headers: v.headers(), query: 'ack=2&ack=3', timeoutMs: 10_000 });
      expect(again.status, `${path}: ${again.text}`).toBe(200);
      expect((again.json as { sequence: number }).sequence, path).toBe(3);
    }
  });
});

describe.concurrent('doubled and trailing slashes in a visitor path', () => {
  // Clients build `endpoint + "/System/SessionId"` from an endpoint that may end in `/`.
  const raw = (method: string, path: string, headers: Record<string, string>) =>
    rawRequest(server.baseUrl, `${method} ${path} HTTP/1.1\r\nHost: ${hostOf()}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`);
  const version = { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null' };

  it.each([
    '/chat/rest//System/SessionId',
    '/chat/rest/System/SessionId/',
    '/chat/rest/System//SessionId',
    '//chat/rest/System/SessionId',
    '/chat//rest///System/SessionId//',
  ])('%s makes a session', async (path) => {
    const res = await raw('GET', path, version);
    expect(res.status, `${path}: ${res.body}`).toBe(200);
    expect(typeof (JSON.parse(res.body) as { key?: unknown }).key).toBe('string');
  });

  it('a query after the slash is read: Availability', async () => {
    for (const path of ['/chat/rest/Visitor/Availability/', '/chat/rest//Visitor/Availability']) {
      const res = await server.req('GET', path, { headers: version, query: AVAILABILITY });
      expect(res.status, `${path}: ${res.text}`).toBe(200);
      expect(res.json).toEqual({ messages: [{ type: 'Availability', message: { results: [{ id: BOT_BUTTON, isAvailable: true }] } }] });
    }
  });

  it('the poll, both ways in, and DELETE SessionId/{key}', async () => {
    for (const path of [`/chat/rest//${GUIDE}`, `/chat/rest/${GUIDE}/`, `//chat/rest/${GUIDE}`, `/chat/rest//${OTHER}/`]) {
      const v = new Visitor(server);
      await v.createSession();
      expect((await v.init()).status).toBe(200);
      const res = await raw('GET', `${path}?ack=-1`, v.headers());
      expect(res.status, `${path}: ${res.body}`).toBe(200);
      expect((JSON.parse(res.body) as { messages: { type: string }[] }).messages[0]?.type, path).toBe('ChatRequestSuccess');
      const gone = await raw('GET', path, { ...v.headers(), 'X-LIVEAGENT-SESSION-KEY': 'nope!1!x' });
      expect([gone.status, gone.body], path).toEqual([403, SESSION_GONE]);
    }
    const v = new Visitor(server);
    await v.createSession();
    const ended = await raw('DELETE', `/chat/rest/System/SessionId//${encodeURIComponent(v.key)}`, { 'X-LIVEAGENT-API-VERSION': API_VERSION });
    expect([ended.status, ended.body]).toEqual([200, 'OK']);
  });

  it('an unknown noun is 404 by its collapsed path; paths outside /chat/rest/ are not touched', async () => {
    const unknown = await raw('GET', '/chat/rest//Foo/Bar/', version);
    expect([unknown.status, unknown.body]).toEqual([404, 'Resource not found: Foo/Bar']);
    const outside = await raw('GET', '//no//such/path/', {});
    expect([outside.status, outside.body]).toEqual([404, 'Resource not found: GET //no//such/path/']);
  });
});
