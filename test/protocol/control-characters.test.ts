/**
 * Control characters in a visitor's free text are never a reason to refuse a
 * request (wire-compat.md: be liberal in what you accept). NUL arrives as U+FFFD
 * wherever it is accepted: a store cannot hold it (PostgreSQL refuses it in text
 * and in JSON it processes). Every other control character is kept as sent. One
 * sent raw inside a JSON string (a client that builds its JSON by hand) is read as
 * if it were escaped.
 */
import { describe, expect, it } from 'vitest';
import { useServer } from './harness.js';
import { BOT_BUTTON, Visitor, expectOk } from './visitor.js';

const server = useServer();
const FFFD = '\uFFFD';

/** A message's field, from the first message of `type` the visitor received. */
function fieldOf(v: Visitor, type: string, field: string): unknown {
  return v.received.find((m) => m.type === type)?.message[field];
}

describe.concurrent('control characters in free text', () => {
  it('ChatMessage: every control character but NUL is kept, NUL arrives as U+FFFD', async () => {
    const v = new Visitor(server);
    await v.start();
    const kept = 'tab\there\nnext line\r\n\u0001\u0008\u001b[1m\u001f\u007f\u0085\u009f';
    await v.say(kept);
    await v.say('a\u0000b\u0000');
    expect(await v.awaitEchoes([kept, 'a'])).toEqual([kept, `a${FFFD}b${FFFD}`]);
  });

  it('Visitor/Breadcrumb: a location holding NUL or another control character is 200 OK, and the chat goes on', async () => {
    const v = new Visitor(server);
    await v.start();
    for (const location of ['https://shop.example.com/\u0000', 'https://shop.example.com/a\u0001b\tc\n']) {
      expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(), body: { location } }), `Breadcrumb ${JSON.stringify(location)}`);
    }
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: { 'X-LIVEAGENT-API-VERSION': '34' }, body: { location: '\u0000' } }), 'Breadcrumb without a session');
    await v.say('after the breadcrumbs');
    expect(await v.awaitEchoes(['after the breadcrumbs'])).toEqual(['after the breadcrumbs']);
  });

  it('every free-text field of every noun takes NUL: 200 OK, and what the chat shows has U+FFFD', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init(v.initBody(BOT_BUTTON, {
      visitorName: 'Jo\u0000n', userAgent: 'UA\u0000', language: 'en\u0000', screenResolution: '1x1\u0000', trackingId: 't\u0000',
      visitorId: 'visitor\u0000id',
      prechatDetails: [{ label: 'E-mail\u0000', value: 'jon\u0000@example.com', transcriptFields: ['Email\u0000'], entityMaps: [{ fieldName: 'Email\u0000' }] }],
      prechatEntities: [{ entityName: 'Contact\u0000', entityFieldsMaps: [{ fieldName: 'Email\u0000' }] }],
      visitorInfo: { 'page\u0000': 'home\u0000' },
    })), 'ChasitorInit');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatEstablished'), 'ChatEstablished');
    expect(fieldOf(v, 'ChatRequestSuccess', 'visitorId')).toBe(`visitor${FFFD}id`);
    const details = fieldOf(v, 'ChatRequestSuccess', 'customDetails') as Array<Record<string, unknown>>;
    expect(details.map((d) => [d['label'], d['value'], d['transcriptFields']])).toEqual([[`E-mail${FFFD}`, `jon${FFFD}@example.com`, [`Email${FFFD}`]]]);

    expectOk(await v.post('Chasitor/ChasitorSneakPeek', { position: 2, text: 'h\u0000' }), 'ChasitorSneakPeek');
    expectOk(await v.post('Chasitor/CustomEvent', { type: 'cart\u0000', data: 'item\u0000' }), 'CustomEvent, data text');
    expectOk(await v.post('Chasitor/CustomEvent', { type: 'cart', data: { 'item\u0000': ['x\u0000'] } }), 'CustomEvent, data JSON');
    expectOk(await v.post('Chasitor/ChasitorResyncState', { organizationId: 'org\u0000' }, { sequence: null }), 'ChasitorResyncState');
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(), body: { location: 'https://x.example/\u0000' } }), 'Breadcrumb');
    await v.say('still\u0000here');
    expect(await v.awaitEchoes(['still'])).toEqual([`still${FFFD}here`]);
    expectOk(await v.end({ reason: 'bye\u0000' }), 'ChatEnd');
  });

  it('raw control characters inside a JSON string (JSON built by hand) are read as if escaped; NUL among them too', async () => {
    const v = new Visitor(server);
    await v.start();
    // Real line feeds, tabs and a real NUL inside the string: not JSON (RFC 8259 wants them escaped).
    expectOk(await v.post('Chasitor/ChatMessage', '{"text": "line one\nline two\tend"}'), 'ChatMessage with a raw LF and TAB');
    expectOk(await v.post('Chasitor/ChatMessage', '{"text":"x\u0000y\u0001"}'), 'ChatMessage with a raw NUL');
    // The JSON around the strings may still be spread over lines: only raw characters inside strings are escaped.
    expectOk(await v.post('Chasitor/ChatMessage', '{\n\t"text":\r\n"a\\"\nb"\n}'), 'pretty-printed, with an escaped quote before a raw LF');
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(), body: '{"location":"https://x.example/\n"}' }), 'Breadcrumb with a raw LF');
    expect(await v.awaitEchoes(['1', '2', '3'])).toEqual(['line one\nline two\tend', `x${FFFD}y\u0001`, 'a"\nb']);
  });

  it('a raw control character outside any string is still malformed JSON: 400', async () => {
    const v = new Visitor(server);
    await v.start();
    const res = await v.post('Chasitor/ChatMessage', '{"text":"a"\u0001}');
    expect(res.status, res.text).toBe(400);
  });

  it('System/MultiNoun: a part sent as a JSON string (`data`) gets the same reading', async () => {
    const v = new Visitor(server);
    await v.start();
    const res = await v.post('System/MultiNoun', {
      nouns: [
        { prefix: 'Chasitor', noun: 'ChatMessage', data: JSON.stringify({ text: 'm\u0000n' }) },
        // A raw LF inside the part's own JSON text.
        { prefix: 'Chasitor', noun: 'ChatMessage', data: '{"text":"p\nq"}' },
        { prefix: 'Visitor', noun: 'Breadcrumb', data: JSON.stringify({ location: 'https://x.example/\u0000' }) },
      ],
    });
    expectOk(res, 'MultiNoun');
    expect(await v.awaitEchoes(['1', '2'])).toEqual([`m${FFFD}n`, 'p\nq']);
  });
});
