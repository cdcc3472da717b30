/**
 * Transport rules of wire-compat.md: version header, header case, liberal
 * body parsing, plain `OK`, Accept, CORS, 404/405/413/400 with short
 * plain-text bodies, and that bad input never breaks the session it touched.
 */
import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, TestServer, needsProcess, useServer } from './harness.js';
import { API_VERSION, BOT_BUTTON, DEPLOYMENT_ID, ORG_ID, SESSION_GONE, Visitor, expectOk, expectPlainError } from './visitor.js';

const server = useServer();

const availabilityQuery = { org_id: ORG_ID, deployment_id: DEPLOYMENT_ID, 'Availability.ids': BOT_BUTTON };

async function chat(): Promise<Visitor> {
  const v = new Visitor(server);
  await v.start();
  return v;
}

describe.concurrent('version header', () => {
  it('missing version header is 400 "No version header found" in plain text', async () => {
    const res = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-AFFINITY': 'null' } });
    expectPlainError(res, 400, 'No version header found');
    const avail = await server.req('GET', 'Visitor/Availability', { query: availabilityQuery });
    expectPlainError(avail, 400, 'No version header found');
  });

  it('missing version header on an in-session POST is 400 and the session keeps working', async () => {
    const v = await chat();
    const headers = v.headers({ 'X-LIVEAGENT-SEQUENCE': String(++v.sentSequence) });
    delete headers['X-LIVEAGENT-API-VERSION'];
    const res = await server.req('POST', 'Chasitor/ChatMessage', { headers, body: { text: 'lost' } });
    expectPlainError(res, 400, 'No version header found');
    await v.say('still here');
    expect(await v.awaitEchoes(['still here'])).toEqual(['still here']);
  });

  it.each(['34', '34.0', '42.0', '29', '57', '45'])('accepts version %j', async (version) => {
    const res = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': version, 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect(res.status, res.text).toBe(200);
  });

  it('accepts the numeric 34 as clients serialise it from a number', async () => {
    const version = String(34);
    const res = await server.req('GET', 'Visitor/Availability', { headers: { 'X-LIVEAGENT-API-VERSION': version }, query: availabilityQuery });
    expect(res.status, res.text).toBe(200);
  });

  it.each(['12', '28', '999', 'abc', ''])('rejects version %j with a short plain-text 400', async (version) => {
    const res = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': version, 'X-LIVEAGENT-AFFINITY': 'null' } });
    expectPlainError(res, 400);
  });

  it.each([
    ['lower case', 'x-liveagent-api-version', 'x-liveagent-affinity', 'x-liveagent-session-key', 'x-liveagent-sequence'],
    ['mixed case', 'X-LiveAgent-Api-Version', 'X-LiveAgent-Affinity', 'X-LiveAgent-Session-Key', 'X-LiveAgent-Sequence'],
  ])('header names in %s work for SessionId, ChasitorInit, ChatMessage and Messages', async (_label, hVersion, hAffinity, hKey, hSeq) => {
    const sid = await server.req('GET', 'System/SessionId', { headers: { [hVersion]: API_VERSION, [hAffinity]: 'null' } });
    expect(sid.status, sid.text).toBe(200);
    const v = new Visitor(server);
    const body = sid.json as { key: string; id: string; affinityToken: string };
    v.key = body.key;
    v.id = body.id;
    v.affinity = body.affinityToken;
    const h = (seq?: number): Record<string, string> => ({
      [hVersion]: API_VERSION,
      [hAffinity]: v.affinity,
      [hKey]: v.key,
      ...(seq === undefined ? {} : { [hSeq]: String(seq) }),
    });
    expectOk(await server.req('POST', 'Chasitor/ChasitorInit', { headers: h(1), body: v.initBody() }), 'ChasitorInit');
    // Poll with the same odd-case headers until the chat is established.
    let established = false;
    for (let i = 0; i < 10 && !established; i++) {
      const res = await server.req('GET', 'System/Messages', { headers: h() });
      expect([200, 204], res.text).toContain(res.status);
      established = res.text.includes('ChatEstablished');
    }
    expect(established).toBe(true);
    expectOk(await server.req('POST', 'Chasitor/ChatMessage', { headers: h(2), body: { text: 'case' } }), 'ChatMessage');
  });
});

describe.concurrent('request bodies', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['text/plain;charset=UTF-8', 'text/plain;charset=UTF-8'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
    ['application/json; charset=utf-8', 'application/json; charset=utf-8'],
    ['no Content-Type', undefined],
  ])('a JSON body sent as %s is parsed as JSON', async (label, contentType) => {
    const v = await chat();
    const text = `ct ${label} "quoted" & = + %20`;
    const headers = v.headers({ 'X-LIVEAGENT-SEQUENCE': String(++v.sentSequence) });
    if (contentType) headers['Content-Type'] = contentType;
    const res = await server.req('POST', 'Chasitor/ChatMessage', { headers, body: new TextEncoder().encode(JSON.stringify({ text })) });
    expectOk(res, `ChatMessage as ${label}`);
    expect(await v.awaitEchoes([text])).toEqual([text]);
  });

  it('an empty body with no Content-Type is {} and answers 200 OK', async () => {
    const v = await chat();
    const headers = v.headers({ 'X-LIVEAGENT-SEQUENCE': String(++v.sentSequence) });
    expectOk(await server.req('POST', 'Chasitor/ChasitorTyping', { headers, body: new Uint8Array(0) }), 'ChasitorTyping');
  });

  it('an empty body with Content-Type application/json answers 200 OK', async () => {
    const v = await chat();
    for (const noun of ['Chasitor/ChasitorTyping', 'Chasitor/ChasitorNotTyping']) {
      const headers = v.headers({ 'X-LIVEAGENT-SEQUENCE': String(++v.sentSequence), 'Content-Type': 'application/json' });
      expectOk(await server.req('POST', noun, { headers, body: new Uint8Array(0) }), `${noun} with empty JSON body`);
    }
    const bc = await server.req('POST', 'Visitor/Breadcrumb', {
      headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'Content-Type': 'application/json' },
      body: JSON.stringify({ location: 'https://example.com/p' }),
    });
    expectOk(bc, 'Breadcrumb');
  });

  it('a successful POST body is exactly "OK" with no newline', async () => {
    const v = await chat();
    const res = await v.post('Chasitor/ChatMessage', { text: 'exact ok' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    expect(res.text.endsWith('\n')).toBe(false);
  });

  it('malformed JSON is a short plain-text 400 and the session keeps working', async () => {
    const v = await chat();
    for (const bad of ['{"text": ', '{text: hi}', 'not json at all', '{"text":"a"}}']) {
      const res = await v.post('Chasitor/ChatMessage', bad);
      expectPlainError(res, 400, undefined, `ChatMessage body ${bad}:`);
    }
    await v.say('after malformed');
    expect(await v.awaitEchoes(['after malformed'])).toEqual(['after malformed']);
  });

  it('a number as ChatMessage text is either echoed as its digits (liberal) or a 400', async () => {
    const v = await chat();
    const res = await v.post('Chasitor/ChatMessage', { text: 123 });
    if (res.status === 200) {
      expectOk(res);
      expect(await v.awaitEchoes(['123'])).toEqual(['123']);
    } else {
      expectPlainError(res, 400);
    }
  });

  it('wrong types and missing fields are 400, never 500, and the session keeps working', async () => {
    const v = await chat();
    for (const bad of [{ text: null }, { text: ['a'] }, { text: { nested: 'x' } }, {}, [1, 2], 'just a string', 42]) {
      const res = await v.post('Chasitor/ChatMessage', typeof bad === 'string' ? JSON.stringify(bad) : bad);
      expectPlainError(res, 400, undefined, `ChatMessage body ${JSON.stringify(bad)}:`);
    }
    await v.say('after wrong types');
    expect(await v.awaitEchoes(['after wrong types'])).toEqual(['after wrong types']);
  });

  it('a body over 64 KiB is 413 with a short plain-text body and the session keeps working', async () => {
    const v = await chat();
    const res = await v.post('Chasitor/ChatMessage', { text: 'x'.repeat(100 * 1024) });
    expectPlainError(res, 413);
    await v.say('after 413');
    expect(await v.awaitEchoes(['after 413'])).toEqual(['after 413']);
  });

  it.skipIf(!OWNS_PROCESS)(needsProcess('configured maxBodyBytes: 413 above the limit, 200 below it'), async () => {
    const small = new TestServer({ maxBodyBytes: 1024 });
    await small.start();
    try {
      const v = new Visitor(small);
      await v.start();
      expectPlainError(await v.post('Chasitor/ChatMessage', { text: 'y'.repeat(1500) }), 413);
      await v.say('z'.repeat(900));
      expect(await v.awaitEchoes(['z'.repeat(900)])).toEqual(['z'.repeat(900)]);
    } finally {
      await small.dispose();
    }
  });
});

describe.concurrent('compressed request bodies (Content-Encoding)', () => {
  // Some HTTP stacks compress what they send (OkHttp's and .NET's compressing handlers, proxies
  // that gzip uploads): the body is the same JSON under a content coding (RFC 9110 §8.4). Read as
  // text it is garbage, a 400 whose body quoted binary bytes, so a client that compresses could
  // never chat. It is decoded first; a coding the server cannot decode is 415, and nothing is applied.
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  it.each([
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['x-gzip', (b: Buffer) => gzipSync(b)],
    ['deflate', (b: Buffer) => deflateSync(b)],
    ['br', (b: Buffer) => brotliCompressSync(b)],
    ['GZIP', (b: Buffer) => gzipSync(b)],
    ['identity', (b: Buffer) => b],
  ])('a body sent with Content-Encoding %s is decoded and applied', async (coding, encode) => {
    const v = await chat();
    const text = `compressed as ${coding}: café €`;
    const res = await v.post('Chasitor/ChatMessage', new Uint8Array(encode(json({ text }))), { headers: { 'Content-Type': 'application/json', 'Content-Encoding': coding } });
    expectOk(res, `ChatMessage with Content-Encoding ${coding}`);
    expect(await v.awaitEchoes([text])).toEqual([text]);
  });

  it('a gzip ChasitorInit starts the chat, and a gzip body is read in the charset its Content-Type declares', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init(new Uint8Array(gzipSync(json(v.initBody()))), { headers: { 'Content-Encoding': 'gzip' } }), 'gzip ChasitorInit');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatEstablished'), 'ChatEstablished');
    const latin1 = Buffer.from(JSON.stringify({ text: 'gzip café crème' }), 'latin1');
    expectOk(await v.post('Chasitor/ChatMessage', new Uint8Array(gzipSync(latin1)), { headers: { 'Content-Type': 'text/plain; charset=ISO-8859-1', 'Content-Encoding': 'gzip' } }), 'gzip ISO-8859-1');
    expect(await v.awaitEchoes(['gzip café crème'])).toEqual(['gzip café crème']);
  });

  it('an unknown content coding is 415 naming it, nothing is applied, and its sequence is not used up', async () => {
    const v = await chat();
    const seq = v.sentSequence + 1;
    const res = await v.post('Chasitor/ChatMessage', new Uint8Array(json({ text: 'never' })), { sequence: seq, headers: { 'Content-Encoding': 'compress' } });
    expectPlainError(res, 415, 'Unsupported Content-Encoding: compress');
    expect(res.headers.get('accept-encoding') ?? '', 'a 415 for a coding says which ones are read (RFC 9110 §12.5.3)').toMatch(/gzip/);
    // The same sequence, sent plainly, is a new request, not a retry of the refused one.
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'plain after 415' }, { sequence: seq }), 'same sequence after 415');
    expect(await v.awaitEchoes(['plain after 415'])).toEqual(['plain after 415']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['plain after 415']);
  });

  it('a body that is not in the coding it names is a short plain-text 400, and the session keeps working', async () => {
    const v = await chat();
    const res = await v.post('Chasitor/ChatMessage', new Uint8Array(json({ text: 'not gzip' })), { headers: { 'Content-Encoding': 'gzip' } });
    expectPlainError(res, 400, 'Malformed request body');
    expect(res.text, 'the error quotes no binary').toMatch(/^[\x20-\x7e]+$/);
    await v.say('after a bad gzip');
    expect(await v.awaitEchoes(['after a bad gzip'])).toEqual(['after a bad gzip']);
  });

  it('a small gzip body that inflates past maxBodyBytes (a zip bomb) is 413, and the session keeps working', async () => {
    const v = await chat();
    const bomb = gzipSync(json({ text: 'x'.repeat(2_000_000) }));
    expect(bomb.length, 'the compressed body is under the limit').toBeLessThan(64 * 1024);
    expectPlainError(await v.post('Chasitor/ChatMessage', new Uint8Array(bomb), { headers: { 'Content-Encoding': 'gzip' } }), 413);
    await v.say('after a bomb');
    expect(await v.awaitEchoes(['after a bomb'])).toEqual(['after a bomb']);
  });
});

describe.concurrent('Accept', () => {
  it.each(['content/json', 'text/html', 'application/xml', 'nonsense', '*/*;q=0'])('Accept %j never gets 406 and always gets JSON', async (accept) => {
    const sid = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null', Accept: accept } });
    expect(sid.status).toBe(200);
    expect(sid.headers.get('content-type') ?? '').toMatch(/^application\/json/);
    expect(sid.json).toBeTypeOf('object');

    const avail = await server.req('GET', 'Visitor/Availability', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, Accept: accept }, query: availabilityQuery });
    expect(avail.status).toBe(200);
    expect(avail.headers.get('content-type') ?? '').toMatch(/^application\/json/);

    const v = await chat();
    const res = await v.post('Chasitor/ChatMessage', { text: 'accept' }, { headers: { Accept: accept } });
    expectOk(res);
    const poll = await v.poll({ headers: { Accept: accept } });
    expect(poll.status).toBe(200);
    expect(poll.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  });
});

describe.concurrent('CORS', () => {
  const requested = ['x-liveagent-api-version', 'x-liveagent-affinity', 'x-liveagent-session-key', 'x-liveagent-sequence', 'content-type'];

  function allowedHeaders(value: string | null): string[] {
    return (value ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  }

  it.each([
    ['https://widget.example.com', 'System/SessionId', 'GET'],
    ['http://localhost:3000', 'Chasitor/ChatMessage', 'POST'],
    ['https://shop.example.org:8443', 'System/Messages', 'GET'],
  ])('preflight from %s to %s reflects the origin, allows credentials and lists each header', async (origin, path, method) => {
    const res = await server.req('OPTIONS', path, {
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': requested.join(','),
      },
    });
    expect([200, 204], `preflight status ${res.status} ${res.text}`).toContain(res.status);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = allowedHeaders(res.headers.get('access-control-allow-headers'));
    expect(allowed).not.toContain('*');
    for (const h of requested) expect(allowed, `Access-Control-Allow-Headers lists ${h}`).toContain(h);
    const methods = (res.headers.get('access-control-allow-methods') ?? '').toUpperCase();
    expect(methods).not.toContain('*');
    expect(methods).toContain(method);
  });

  it('preflight with upper-case requested header names lists them too', async () => {
    const upper = ['X-LIVEAGENT-API-VERSION', 'X-LIVEAGENT-AFFINITY', 'X-LIVEAGENT-SESSION-KEY', 'X-LIVEAGENT-SEQUENCE', 'Content-Type'];
    const res = await server.req('OPTIONS', 'Chasitor/ChasitorInit', {
      headers: { Origin: 'https://a.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': upper.join(', ') },
    });
    expect([200, 204]).toContain(res.status);
    const allowed = allowedHeaders(res.headers.get('access-control-allow-headers'));
    for (const h of upper) expect(allowed).toContain(h.toLowerCase());
  });

  it('a preflight asking for Private Network Access (a public site calling a server on an intranet) is allowed it; one that does not ask is not told', async () => {
    const ask = (extra: Record<string, string>) => server.req('OPTIONS', 'Chasitor/ChatMessage', {
      headers: { Origin: 'https://www.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type', ...extra },
    });
    const asked = await ask({ 'Access-Control-Request-Private-Network': 'true' });
    expect([200, 204]).toContain(asked.status);
    expect(asked.headers.get('access-control-allow-private-network')).toBe('true');
    expect(asked.headers.get('access-control-allow-origin')).toBe('https://www.example.com');
    expect((await ask({})).headers.get('access-control-allow-private-network')).toBeNull();
  });

  it('normal responses reflect the exact Origin with credentials, errors included', async () => {
    const origin = 'https://widget.example.com';
    const sid = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null', Origin: origin } });
    expect(sid.status).toBe(200);
    expect(sid.headers.get('access-control-allow-origin')).toBe(origin);
    expect(sid.headers.get('access-control-allow-credentials')).toBe('true');

    const v = await chat();
    const post = await v.post('Chasitor/ChatMessage', { text: 'cors' }, { headers: { Origin: origin } });
    expectOk(post);
    expect(post.headers.get('access-control-allow-origin')).toBe(origin);
    expect(post.headers.get('access-control-allow-credentials')).toBe('true');

    // Browser clients match on error bodies, so errors need CORS headers to be readable.
    const gone = await server.req('GET', 'System/Messages', {
      headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': v.affinity, 'X-LIVEAGENT-SESSION-KEY': 'nope!0!nope', Origin: origin },
    });
    expectPlainError(gone, 403, SESSION_GONE);
    expect(gone.headers.get('access-control-allow-origin')).toBe(origin);
    expect(gone.headers.get('access-control-allow-credentials')).toBe('true');

    const noVersion = await server.req('GET', 'System/SessionId', { headers: { Origin: origin } });
    expect(noVersion.status).toBe(400);
    expect(noVersion.headers.get('access-control-allow-origin')).toBe(origin);
  });
});

describe.concurrent('routing errors', () => {
  it.each([
    ['GET', 'System/NoSuchNoun'],
    ['POST', 'Chasitor/NoSuchNoun'],
    ['GET', 'Foo/Bar'],
    ['GET', 'Visitor/NoSuchThing'],
  ])('%s unknown noun %s is 404 with a short plain-text body', async (method, path) => {
    const v = new Visitor(server);
    await v.createSession();
    const res = await server.req(method, path, { headers: v.headers({ 'X-LIVEAGENT-SEQUENCE': '1' }), body: method === 'POST' ? {} : undefined });
    expectPlainError(res, 404);
  });

  it.each([
    ['POST', 'System/SessionId'],
    ['GET', 'Chasitor/ChatMessage'],
    ['GET', 'Chasitor/ChasitorInit'],
    ['PUT', 'Chasitor/ChatMessage'],
    ['GET', 'System/MultiNoun'],
    ['POST', 'System/Messages'],
    ['POST', 'Visitor/Availability'],
    ['GET', 'Visitor/Breadcrumb'],
  ])('wrong method %s %s is 405 with a short plain-text body and the session keeps working', async (method, path) => {
    const v = await chat();
    const res = await server.req(method, path, { headers: v.headers({ 'X-LIVEAGENT-SEQUENCE': String(++v.sentSequence) }), body: method === 'GET' ? undefined : { text: 'x' } });
    expectPlainError(res, 405);
    await v.say('after 405');
    expect(await v.awaitEchoes(['after 405'])).toEqual(['after 405']);
  });
});

describe.concurrent('what real HTTP stacks send', () => {
  it('no visitor answer may be kept by a shared cache: Cache-Control no-store on OK, polls, SessionId and errors', async () => {
    const v = new Visitor(server);
    await v.start();
    const poll = await v.poll();
    expect(poll.headers.get('cache-control'), `poll ${poll.status}`).toBe('no-store');
    const post = await v.post('Chasitor/ChasitorTyping', {});
    expect(post.headers.get('cache-control')).toBe('no-store');
    const sessionId = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect(sessionId.headers.get('cache-control')).toBe('no-store');
    const gone = await server.req('GET', 'System/Messages', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-SESSION-KEY': 'nope!1!x', 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect(gone.status).toBe(403);
    expect(gone.headers.get('cache-control')).toBe('no-store');
  });

  it('a body that starts with a UTF-8 byte order mark (.NET) is read like any other', async () => {
    const v = new Visitor(server);
    await v.start();
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify({ text: 'with a BOM' }))]);
    expectOk(await v.post('Chasitor/ChatMessage', bom), 'ChatMessage with a BOM');
    expect(await v.awaitEchoes(['with a BOM'])).toEqual(['with a BOM']);
  });

  it('a UTF-16 body that starts with its byte order mark (.NET StreamWriter with Encoding.Unicode) is read as UTF-16, with or without a charset', async () => {
    const v = new Visitor(server);
    await v.start();
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify({ text: 'utf-16le café' }), 'utf16le')]);
    expectOk(await v.post('Chasitor/ChatMessage', new Uint8Array(le), { headers: { 'Content-Type': 'application/json' } }), 'UTF-16LE with a BOM');
    const beBody = Buffer.from(JSON.stringify({ text: 'utf-16be café' }), 'utf16le').swap16();
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), beBody]);
    expectOk(await v.post('Chasitor/ChatMessage', new Uint8Array(be), { headers: { 'Content-Type': 'application/json; charset=utf-8' } }), 'UTF-16BE with a BOM, mislabelled');
    expect(await v.awaitEchoes(['utf-16le café', 'utf-16be café'])).toEqual(['utf-16le café', 'utf-16be café']);
  });

  it('a body in the charset its Content-Type declares (Apache HttpClient sends ISO-8859-1) is read in it', async () => {
    const v = new Visitor(server);
    await v.start();
    const latin1 = Buffer.from(JSON.stringify({ text: 'café crème' }), 'latin1');
    expectOk(await v.post('Chasitor/ChatMessage', new Uint8Array(latin1), { headers: { 'Content-Type': 'text/plain; charset=ISO-8859-1' } }), 'ISO-8859-1 body');
    expect(await v.awaitEchoes(['café crème'])).toEqual(['café crème']);
  });

  it('a client that JSON-quotes every Live Agent header value (as it quotes the version: "34") chats like any other', async () => {
    // wire-compat.md: the version arrives as `"34"`, quotes included. A client that writes its header
    // values as JSON strings sends the affinity, the key and the sequence the same way; unquoted, they
    // are a 503 for an affinity that is the session's own, a 403 for its own key, and a sequence that
    // never recognises a retry.
    const q = (value: string) => `"${value}"`;
    const v = new Visitor(server);
    const sid = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': q(API_VERSION), 'X-LIVEAGENT-AFFINITY': q('null') } });
    expect(sid.status, sid.text).toBe(200);
    const body = sid.json as { key: string; affinityToken: string };
    v.key = body.key;
    v.affinity = body.affinityToken;
    const quoted = (seq?: number): Record<string, string> => ({
      'X-LIVEAGENT-API-VERSION': q(API_VERSION), 'X-LIVEAGENT-SESSION-KEY': q(v.key), 'X-LIVEAGENT-AFFINITY': q(v.affinity),
      ...(seq === undefined ? {} : { 'X-LIVEAGENT-SEQUENCE': q(String(seq)) }),
    });
    expectOk(await server.req('POST', 'Chasitor/ChasitorInit', { headers: quoted(1), body: v.initBody() }), 'quoted ChasitorInit');
    const seen: string[] = [];
    const deadline = Date.now() + 15_000;
    while (!seen.includes('ChatEstablished') && Date.now() < deadline) {
      const poll = await server.req('GET', 'System/Messages', { headers: quoted() });
      expect([200, 204], `quoted poll: ${poll.status} ${poll.text}`).toContain(poll.status);
      if (poll.status === 200) seen.push(...(poll.json as { messages: Array<{ type: string }> }).messages.map((m) => m.type));
    }
    expect(seen).toContain('ChatEstablished');
    expectOk(await server.req('POST', 'Chasitor/ChatMessage', { headers: quoted(2), body: { text: 'quoted headers' } }), 'quoted ChatMessage');
    expectOk(await server.req('POST', 'Chasitor/ChatMessage', { headers: quoted(2), body: { text: 'quoted headers' } }), 'its retry');
    v.sentSequence = 2;
    expect(await v.awaitEchoes(['quoted headers'])).toEqual(['quoted headers']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['quoted headers']);
  });

  it('a Live Agent header sent twice (Java addRequestProperty, OkHttp addHeader) counts once', async () => {
    const v = new Visitor(server);
    await v.start();
    const base = new URL(server.baseUrl);
    const twice = (path: string, body: string, sequence: number) => new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({
        host: base.hostname, port: base.port, method: 'POST', path: `/chat/rest/${path}`,
        headers: {
          'X-LIVEAGENT-API-VERSION': [API_VERSION, API_VERSION], 'X-LIVEAGENT-SESSION-KEY': [v.key, v.key],
          'X-LIVEAGENT-AFFINITY': [v.affinity, v.affinity], 'X-LIVEAGENT-SEQUENCE': [String(sequence), String(sequence)], 'Content-Type': 'application/json',
        },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const seq = 500;
    expect(await twice('Chasitor/ChatMessage', JSON.stringify({ text: 'doubled headers' }), seq)).toEqual({ status: 200, text: 'OK' });
    // The same sequence again (a retry): applied once.
    expect(await twice('Chasitor/ChatMessage', JSON.stringify({ text: 'doubled headers' }), seq)).toEqual({ status: 200, text: 'OK' });
    expect(await v.awaitEchoes(['doubled headers'])).toEqual(['doubled headers']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['doubled headers']);
  });
});
