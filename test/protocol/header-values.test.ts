/**
 * The values real clients put in X-LIVEAGENT-AFFINITY and X-LIVEAGENT-SEQUENCE
 * inside a session, beyond the well-formed ones: the affinity of a client that
 * never stored the token (`null`, `"null"`, empty, `undefined`, no header) or
 * stored it in upper case, and the sequence of a client that sends none, or
 * sends garbage (an unset counter: `undefined`, `NaN`, `null`, empty), or a float (`2.0`).
 * docs/compatibility.md rows 33, 43 and 57.
 */
import { describe, expect, it } from 'vitest';
import { sleep, useServer } from './harness.js';
import { INVALID_AFFINITY, Visitor, expectOk, expectPlainError } from './visitor.js';

const server = useServer();

async function chat(): Promise<Visitor> {
  const v = new Visitor(server);
  await v.start();
  return v;
}

/** In-session headers with the affinity header as given (`undefined`: no header at all). */
function headersWith(v: Visitor, affinity: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const headers = v.headers(extra);
  delete headers['X-LIVEAGENT-AFFINITY'];
  return affinity === undefined ? headers : { ...headers, 'X-LIVEAGENT-AFFINITY': affinity };
}

describe.concurrent('X-LIVEAGENT-AFFINITY inside a session: no token passes, only another node\'s token is 503', () => {
  // wire-compat.md: "answer 503 only when it really lives elsewhere". A client that lost or never
  // kept the token sends what its language makes of nothing; none of these names another node.
  it.each<[string, string | undefined]>([
    ['the string null', 'null'],
    ['"null" in JSON quotes', '"null"'],
    ['NULL', 'NULL'],
    ['an empty value', ''],
    ['undefined (an unset JavaScript variable)', 'undefined'],
    ['no header', undefined],
  ])('affinity %s: ChasitorInit, the polls and ChatMessage all work', async (_label, affinity) => {
    const v = new Visitor(server);
    await v.createSession();
    const post = (noun: string, body: unknown, seq: number) =>
      server.req('POST', noun, { headers: headersWith(v, affinity, { 'X-LIVEAGENT-SEQUENCE': String(seq) }), body });
    expectOk(await post('Chasitor/ChasitorInit', v.initBody(), 1), 'ChasitorInit');
    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 1, 'the greeting', 15_000);
    // The polls above carried the real token; from here every request carries the odd value.
    expectOk(await post('Chasitor/ChatMessage', { text: 'no token' }, 2), 'ChatMessage');
    const seen: string[] = [];
    const deadline = Date.now() + 15_000;
    while (!seen.includes('no token') && Date.now() < deadline) {
      const poll = await server.req('GET', 'System/Messages', { headers: headersWith(v, affinity), timeoutMs: server.pollHoldMs + 15_000 });
      expect([200, 204], `poll with affinity ${JSON.stringify(affinity)}: ${poll.status} ${poll.text}`).toContain(poll.status);
      if (poll.status === 200) seen.push(...(poll.json as { messages: Array<{ message: { text?: string } }> }).messages.map((m) => String(m.message.text)));
    }
    expect(seen).toContain('no token');
    expectOk(await post('Chasitor/ChatEnd', { reason: 'client' }, 3), 'ChatEnd');
  });

  it('the session\'s own token in upper case is the session\'s token, not another node\'s', async () => {
    const v = await chat();
    v.affinity = v.affinity.toUpperCase();
    await v.say('upper case token');
    expect(await v.awaitEchoes(['upper case token'])).toEqual(['upper case token']);
  });

  it('a token that names another node is 503 on POST and poll alike, and nothing is applied', async () => {
    const v = await chat();
    const real = v.affinity;
    v.affinity = real === 'deadbeef' ? 'feedface' : 'deadbeef';
    expectPlainError(await v.post('Chasitor/ChatMessage', { text: 'elsewhere' }, { sequence: 50 }), 503, INVALID_AFFINITY);
    v.affinity = real;
    // Its sequence was not used up: the same request, now on the right node, is applied.
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'elsewhere' }, { sequence: 50 }));
    expect(await v.awaitEchoes(['elsewhere'])).toEqual(['elsewhere']);
    await v.expectNoMore();
  });

  it('Visitor/Breadcrumb in a session does not check the affinity: a stale token is 200 OK and the chat goes on', async () => {
    const v = await chat();
    const real = v.affinity;
    const stale = real === 'deadbeef' ? 'feedface' : 'deadbeef';
    const res = await server.req('POST', 'Visitor/Breadcrumb', { headers: headersWith(v, stale), body: { location: 'https://shop.example/stale' } });
    expectOk(res, 'Breadcrumb with a stale token');
    // The breadcrumb raised no recovery either: the session goes on with its own token, no ResyncSession due.
    await v.say('after stale crumb');
    expect(await v.awaitEchoes(['after stale crumb'])).toEqual(['after stale crumb']);
    const resync = await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    expectPlainError(resync, 405, 'No session recovery is pending');
  });
});

describe.concurrent('X-LIVEAGENT-SEQUENCE that is missing or not a number', () => {
  it('without the header a ChatMessage is applied each time it is sent: the same text twice is two messages', async () => {
    const v = await chat();
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'twice' }, { sequence: null }));
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'twice' }, { sequence: null }));
    expect(await v.awaitEchoes(['twice', 'twice'])).toEqual(['twice', 'twice']);
    await v.expectNoMore();
  });

  // A client whose counter was never set sends what its language prints for it, on every request.
  it.each(['abc', '', 'null', 'undefined', 'NaN', '1.5', '-', '99999999999999999999'])(
    'the value %j is no sequence: 200 OK and applied each time; a number after it counts as ever',
    async (value) => {
      const v = await chat();
      const send = (text: string) => server.req('POST', 'Chasitor/ChatMessage', { headers: v.headers({ 'X-LIVEAGENT-SEQUENCE': value }), body: { text } });
      expectOk(await send('g1'), `ChatMessage with sequence ${JSON.stringify(value)}`);
      expectOk(await send('g2'), `another with sequence ${JSON.stringify(value)}`);
      expect(await v.awaitEchoes(['g1', 'g2'])).toEqual(['g1', 'g2']);
      // A well-formed number afterwards is applied once, and its retry is recognised.
      expectOk(await v.post('Chasitor/ChatMessage', { text: 'g3' }, { sequence: 7 }));
      expectOk(await v.post('Chasitor/ChatMessage', { text: 'g3' }, { sequence: 7 }));
      await sleep(200);
      expect(await v.awaitEchoes(['g1', 'g2', 'g3'])).toEqual(['g1', 'g2', 'g3']);
      await v.expectNoMore();
      expect(v.echoes()).toEqual(['g1', 'g2', 'g3']);
    },
  );

  it('a whole number written as a decimal ("2.0") is that number: its retry is recognised and applied once', async () => {
    const v = await chat();
    const send = (text: string, value: string) => server.req('POST', 'Chasitor/ChatMessage', { headers: v.headers({ 'X-LIVEAGENT-SEQUENCE': value }), body: { text } });
    expectOk(await send('d1', '1.0'), 'ChatMessage 1.0');
    expectOk(await send('d2', '2.0'), 'ChatMessage 2.0');
    expectOk(await send('d2', '2.0'), 'its retry');
    expectOk(await send('d2', '2'), 'the same number written plainly');
    await sleep(200);
    expect(await v.awaitEchoes(['d1', 'd2'])).toEqual(['d1', 'd2']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['d1', 'd2']);
  });

  it('a garbage sequence on ChatEnd ends the chat, and the session is then gone (403)', async () => {
    const v = await chat();
    const res = await server.req('POST', 'Chasitor/ChatEnd', { headers: v.headers({ 'X-LIVEAGENT-SEQUENCE': 'undefined' }), body: { reason: 'client' } });
    expectOk(res, 'ChatEnd');
    const after = await server.req('GET', 'System/Messages', { headers: v.headers() });
    expectPlainError(after, 403, 'Session required but was invalid or not found');
  });

  it('a version given as 42.0 with no sequence at all runs a whole chat (a later SDK that never numbers its POSTs)', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const h = { ...v.headers(), 'X-LIVEAGENT-API-VERSION': '42.0' };
    expectOk(await server.req('POST', 'Chasitor/ChasitorInit', { headers: h, body: v.initBody() }), 'ChasitorInit without a sequence');
    await v.waitFor('ChatEstablished');
    expectOk(await server.req('POST', 'Chasitor/ChatMessage', { headers: h, body: { text: 'v42' } }), 'ChatMessage without a sequence');
    expect(await v.awaitEchoes(['v42'])).toEqual(['v42']);
    expectOk(await server.req('POST', 'Chasitor/ChatEnd', { headers: h, body: {} }), 'ChatEnd without a sequence');
  });
});
