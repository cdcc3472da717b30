/**
 * Rows of docs/compatibility.md that no other protocol test covered: a
 * ReconnectSession offset the server never issued, and the empty body on the
 * two POST nouns whose body has a required field (Breadcrumb, MultiNoun).
 */
import { describe, expect, it } from 'vitest';
import { sleep, useServer } from './harness.js';
import { API_VERSION, INVALID_AFFINITY, Visitor, expectPlainError } from './visitor.js';

const server = useServer();

/** The catalogue's BODY_INVALID body (docs/errors.md). */
const BODY_INVALID = 'Invalid request body';

async function chat(): Promise<Visitor> {
  const v = new Visitor(server);
  await v.start();
  return v;
}

/** A 503 on a poll, which is what makes ReconnectSession allowed once. */
async function provoke503(v: Visitor): Promise<void> {
  const real = v.affinity;
  v.affinity = real === 'deadbeef' ? 'feedface' : 'deadbeef';
  expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
  v.affinity = 'null';
}

async function reconnect(v: Visitor, offset: number): Promise<void> {
  const res = await server.req('GET', 'System/ReconnectSession', { headers: v.headers(), query: { 'ReconnectSession.offset': offset } });
  expect(res.status, res.text).toBe(200);
  const body = res.json as { messages?: Array<{ type?: string; message?: Record<string, unknown> }> };
  expect(body.messages?.[0]?.type, res.text).toBe('ReconnectSession');
  v.affinity = String(body.messages?.[0]?.message?.['affinityToken']);
  v.forgetCursor();
}

describe.concurrent('ReconnectSession with an offset the server never issued', () => {
  it('does not move the delivery cursor forward: every pending message still arrives, once', async () => {
    const v = await chat();
    await v.say('p1');
    await v.awaitEchoes(['p1']);
    const lastSent = v.lastOffset as number;
    // Two echoes become pending (logged, never handed to a poll).
    await v.say('p2');
    await v.say('p3');
    await sleep(300);

    await provoke503(v);
    // A client that kept a wrong offset, or its own counter: far past anything sent.
    await reconnect(v, lastSent + 987_654);

    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'p3'), 'p3 after reconnect', 10_000);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['p1', 'p2', 'p3']);
  });

  it('an offset between the last one sent and the pending ones is not a skip either', async () => {
    const v = await chat();
    await v.say('q1');
    await v.awaitEchoes(['q1']);
    const lastSent = v.lastOffset as number;
    await v.say('q2');
    await sleep(300);

    await provoke503(v);
    // lastSent + 1 is a log offset that exists (the visitor's own q2 or its echo) but was never sent.
    await reconnect(v, lastSent + 1);
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'q2'), 'q2 after reconnect', 10_000);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['q1', 'q2']);
  });
});

describe.concurrent('an empty body on Breadcrumb and MultiNoun', () => {
  // wire-compat.md: an empty body is `{}` whatever the Content-Type says, and Breadcrumb and
  // MultiNoun are among the POSTs answered `200 OK`. `{}` is a Breadcrumb with nothing to record
  // and a MultiNoun with no parts: both succeed and change nothing.
  /** Zero bytes: fetch adds no Content-Type of its own to bytes. */
  const EMPTY = new Uint8Array(0);
  const contentTypes: Array<[string, Record<string, string>]> = [
    ['no Content-Type', {}],
    ['application/json', { 'Content-Type': 'application/json' }],
    ['text/plain', { 'Content-Type': 'text/plain' }],
  ];

  it.each(contentTypes)('Visitor/Breadcrumb with an empty body (%s) in a session is 200 OK and the chat goes on', async (_label, extra) => {
    const v = await chat();
    const res = await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(extra), body: EMPTY });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe('OK');
    await v.say('still fine');
    expect(await v.awaitEchoes(['still fine'])).toEqual(['still fine']);
  });

  it.each(contentTypes)('Visitor/Breadcrumb with an empty body (%s) and no session is 200 OK', async (_label, extra) => {
    const res = await server.req('POST', 'Visitor/Breadcrumb', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, ...extra }, body: EMPTY });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe('OK');
  });

  it('Visitor/Breadcrumb with a location that is not text is 400 naming location', async () => {
    const v = await chat();
    const res = await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers({}), body: JSON.stringify({ location: { href: '/a' } }) });
    expectPlainError(res, 400, BODY_INVALID);
    expect(res.text).toContain('location');
  });

  it.each(contentTypes)('System/MultiNoun with an empty body (%s) is 200 OK, applies nothing and uses up its sequence like any batch', async (_label, extra) => {
    const v = await chat();
    const seq = v.sentSequence + 1;
    const res = await v.post('System/MultiNoun', EMPTY, { sequence: seq, headers: extra });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe('OK');
    // Its sequence is used up: a batch sent again with it is a retry, answered OK and not applied.
    const retried = await v.post('System/MultiNoun', { nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'dropped' } }] }, { sequence: seq });
    expect(retried.status, retried.text).toBe(200);
    // The next batch, with the next sequence, is applied; nothing came of the empty one or the retry.
    const batch = { nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'after empty' } }] };
    const ok = await v.post('System/MultiNoun', batch, { sequence: seq + 1 });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toBe('OK');
    expect(await v.awaitEchoes(['after empty'])).toEqual(['after empty']);
    await v.expectNoMore();
  });

  it('System/MultiNoun whose nouns is not a list is 400 naming nouns and does not use up its sequence', async () => {
    const v = await chat();
    const seq = v.sentSequence + 1;
    const res = await v.post('System/MultiNoun', JSON.stringify({ nouns: { noun: 'ChatMessage' } }), { sequence: seq });
    expectPlainError(res, 400, BODY_INVALID);
    expect(res.text).toContain('nouns');
    const batch = { nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'after bad' } }] };
    const ok = await v.post('System/MultiNoun', batch, { sequence: seq });
    expect(ok.status, ok.text).toBe(200);
    expect(await v.awaitEchoes(['after bad'])).toEqual(['after bad']);
  });
});
