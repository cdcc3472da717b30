/**
 * Affinity, 503 and session recovery: the v34 ResyncSession path, the later
 * ReconnectSession path, and 405 for both without a prior 503.
 */
import { describe, expect, it } from 'vitest';
import { sleep, useServer } from './harness.js';
import { API_VERSION, BOT_NAME, INVALID_AFFINITY, ORG_ID, SESSION_GONE, Visitor, expectOk, expectPlainError } from './visitor.js';

const server = useServer();

/** A well-formed token that is not this session's. */
function wrongToken(real: string): string {
  return real === 'deadbeef' ? 'feedface' : 'deadbeef';
}

async function chat(): Promise<Visitor> {
  const v = new Visitor(server);
  await v.start();
  return v;
}

describe.concurrent('503 Invalid Affinity Token', () => {
  it('a poll or a POST with a wrong non-null affinity token is 503 in plain text', async () => {
    const v = await chat();
    const real = v.affinity;
    v.affinity = wrongToken(real);
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
    expectPlainError(await v.post('Chasitor/ChatMessage', { text: 'wrong node' }), 503, INVALID_AFFINITY);
  });

  it('the session behind a 503 is not harmed: the right token keeps working', async () => {
    const v = await chat();
    const real = v.affinity;
    v.affinity = wrongToken(real);
    expectPlainError(await v.post('Chasitor/ChatMessage', { text: 'never applied' }), 503, INVALID_AFFINITY);
    v.affinity = real;
    await v.say('right node');
    await v.awaitEchoes(['right node']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['right node']);
  });
});

describe.concurrent('v34 recovery: ResyncSession, ChasitorSessionData, ChasitorResyncState', () => {
  it('after a 503 the client resyncs and the chat continues', async () => {
    const v = await chat();
    await v.say('before resync');
    await v.awaitEchoes(['before resync']);

    const stale = wrongToken(v.affinity);
    v.affinity = stale;
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);

    // The client still holds the stale token when it asks to resync.
    const res = await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    expect(res.status, res.text).toBe(200);
    const body = res.json as Record<string, unknown>;
    expect(body['isValid']).toBe(true);
    expect(typeof body['key'] === 'string' && body['key'].length > 0, res.text).toBe(true);
    expect(body['affinityToken']).toMatch(/^[0-9a-f]{8}$/);
    v.key = String(body['key']);
    v.affinity = String(body['affinityToken']);
    v.forgetCursor();

    const first = await v.poll();
    expect(first.status, first.text).toBe(200);
    expect(first.messages[0]?.type, 'first message after ResyncSession').toBe('ChasitorSessionData');
    const data = first.messages[0]?.message ?? {};
    if ('sneakPeekEnabled' in data) expect(typeof data['sneakPeekEnabled']).toBe('boolean');
    expect(Array.isArray(data['chatMessages']), `ChasitorSessionData.chatMessages: ${first.text}`).toBe(true);
    const transcript = data['chatMessages'] as Array<Record<string, unknown>>;
    expect(transcript.some((e) => e['type'] === 'Chasitor' && e['content'] === 'before resync'), JSON.stringify(transcript)).toBe(true);
    expect(transcript.some((e) => e['type'] === 'Agent' && e['content'] === 'before resync'), JSON.stringify(transcript)).toBe(true);

    // ChasitorResyncState carries no sequence header.
    expectOk(await v.post('Chasitor/ChasitorResyncState', { organizationId: ORG_ID }, { sequence: null }), 'ChasitorResyncState');

    await v.say('after resync');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'after resync'), 'echo after resync');
    await v.expectNoMore();
    expect(v.texts().filter((t) => t === 'after resync')).toHaveLength(1);
  });
});

describe.concurrent('ChasitorSessionData has the guide\'s shape', () => {
  it('queuePosition, url, oref, postChatUrl, sneakPeekEnabled, and each TranscriptEntry with type, name, content, timestamp, sequence', async () => {
    const v = await chat();
    await v.say('first words');
    await v.awaitEchoes(['first words']);
    const stale = wrongToken(v.affinity);
    v.affinity = stale;
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
    const res = await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    expect(res.status, res.text).toBe(200);
    v.affinity = String((res.json as Record<string, unknown>)['affinityToken']);
    v.forgetCursor();
    const first = await v.poll();
    expect(first.messages[0]?.type, first.text).toBe('ChasitorSessionData');
    const data = first.messages[0]?.message ?? {};
    // Chapter 7's ChasitorSessionData properties (geoLocation only when the server knows one).
    expect(Number.isInteger(data['queuePosition']), `queuePosition: ${first.text}`).toBe(true);
    for (const k of ['url', 'oref', 'postChatUrl']) expect(typeof data[k], `${k}: ${first.text}`).toBe('string');
    expect(typeof data['sneakPeekEnabled'], first.text).toBe('boolean');
    if ('geoLocation' in data) expect(typeof data['geoLocation'], first.text).toBe('object');
    // Chapter 8's TranscriptEntry: every field is required.
    const entries = data['chatMessages'] as Array<Record<string, unknown>>;
    expect(entries.length, first.text).toBeGreaterThanOrEqual(3);
    for (const e of entries) {
      expect(['Agent', 'Chasitor', 'OperatorTransferred'], JSON.stringify(e)).toContain(e['type']);
      expect(typeof e['name'], JSON.stringify(e)).toBe('string');
      expect(typeof e['content'], JSON.stringify(e)).toBe('string');
      expect(Number.isFinite(e['timestamp']), `timestamp is a number (ms): ${JSON.stringify(e)}`).toBe(true);
      expect(Number.isFinite(e['sequence']), `sequence is a number: ${JSON.stringify(e)}`).toBe(true);
    }
    // In the order they were said: sequences go up, timestamps never go back, and each side's name is its own.
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]!['sequence'] as number, JSON.stringify(entries)).toBeGreaterThan(entries[i - 1]!['sequence'] as number);
      expect(entries[i]!['timestamp'] as number, JSON.stringify(entries)).toBeGreaterThanOrEqual(entries[i - 1]!['timestamp'] as number);
    }
    const said = entries.find((e) => e['type'] === 'Chasitor');
    expect(said?.['content']).toBe('first words');
    expect(said?.['name'], 'the visitor entry carries the ChasitorInit visitorName').toBe(v.initBody()['visitorName']);
    const echoed = entries.filter((e) => e['type'] === 'Agent');
    expect(echoed.map((e) => e['name'])).toEqual([BOT_NAME, BOT_NAME]);
    expect(echoed[1]?.['content']).toBe('first words');
    expect(Math.abs((said?.['timestamp'] as number) - Date.now()), 'timestamp is epoch ms').toBeLessThan(60_000);
  });
});

describe.concurrent('X-LIVEAGENT-SEQUENCE after ResyncSession', () => {
  it('a client that numbers from 1 again (the key "for the new session") loses no message', async () => {
    const v = await chat();
    for (const t of ['one', 'two', 'three']) await v.say(t);
    await v.awaitEchoes(['one', 'two', 'three']);
    await v.resyncAfter503();

    v.sentSequence = 0;
    await v.say('new count 1');
    await v.say('new count 2');
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'new count 2' }, { sequence: 2 }), 'a retry in the new count');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'new count 2'), 'the echo of the second message of the new count');
    await v.expectNoMore();
    expect(v.texts().filter((t) => t.startsWith('new count'))).toEqual(['new count 1', 'new count 2']);
  });

  it('a client that numbers from 1 again and sends its 1 on ChasitorResyncState loses no message', async () => {
    // A client that puts X-LIVEAGENT-SEQUENCE on every POST (the guide lists none for
    // ChasitorResyncState, but a client's HTTP layer adds it) starts its new count there:
    // 1 on ChasitorResyncState, 2 and 3 on the messages that follow, numbers its old
    // count had used for ChatMessage.
    const v = await chat();
    await v.say('old 2');
    await v.say('old 3');
    await v.awaitEchoes(['old 2', 'old 3']);
    const stale = wrongToken(v.affinity);
    const real = v.affinity;
    v.affinity = stale;
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
    v.affinity = real;
    const res = await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    expect(res.status, res.text).toBe(200);
    v.forgetCursor();
    await v.waitFor('ChasitorSessionData', 'ChasitorSessionData', v.received.length);
    expectOk(await v.post('Chasitor/ChasitorResyncState', { organizationId: ORG_ID }, { sequence: 1 }), 'ChasitorResyncState numbered 1');
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'new 2' }, { sequence: 2 }), 'ChatMessage 2 of the new count');
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'new 3' }, { sequence: 3 }), 'ChatMessage 3 of the new count');
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'new 3' }, { sequence: 3 }), 'its retry');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'new 3'), 'the echo of new 3');
    await v.expectNoMore();
    expect(v.texts().filter((t) => t.startsWith('new'))).toEqual(['new 2', 'new 3']);
  });

  it('a client that goes on counting through ChasitorResyncState: its re-sent request is still a retry', async () => {
    const v = await chat();
    await v.say('kept');
    const applied = v.sentSequence;
    await v.awaitEchoes(['kept']);
    const real = v.affinity;
    v.affinity = wrongToken(real);
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
    v.affinity = real;
    expect((await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } })).status).toBe(200);
    v.forgetCursor();
    await v.waitFor('ChasitorSessionData', 'ChasitorSessionData', v.received.length);
    expectOk(await v.post('Chasitor/ChasitorResyncState', { organizationId: ORG_ID }), 'ChasitorResyncState numbered n+1');
    // The answer to 'kept' was lost: re-sent with its number, it is a retry, not a second message.
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'kept' }, { sequence: applied }), 're-sent with its old number');
    await v.say('next');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'next'), 'the echo of next');
    await v.expectNoMore();
    // One echo of 'kept' (before the resync); applied again, it would be echoed again.
    expect(v.texts().filter((t) => t === 'kept')).toHaveLength(1);
  });

  it('a client that goes on counting: a re-sent request with its old number is applied once', async () => {
    const v = await chat();
    await v.say('before');
    await v.awaitEchoes(['before']);
    const resent = v.sentSequence + 1;
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'in flight' }, { sequence: resent }), 'applied, its answer lost');
    // Its echo is delivered before the 503: applied twice, it would be echoed again after the resync.
    await v.awaitEchoes(['before', 'in flight']);
    await v.resyncAfter503();
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'in flight' }, { sequence: resent }), 're-sent after the resync');
    await v.say('after');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'after'), 'the echo of after');
    await v.expectNoMore();
    expect(v.texts().filter((t) => t === 'in flight')).toHaveLength(1);
  });
});

describe.concurrent('later recovery: ReconnectSession', () => {
  it('with affinity null after a 503: wrapped ReconnectSession, old key still valid, polling resumes after offset', async () => {
    const v = await chat();
    await v.say('r1');
    await v.awaitEchoes(['r1']);
    const offset = v.lastOffset as number;
    await v.say('r2');
    await new Promise((r) => setTimeout(r, 300));

    const real = v.affinity;
    v.affinity = wrongToken(real);
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);

    v.affinity = 'null';
    const res = await server.req('GET', 'System/ReconnectSession', { headers: v.headers(), query: { 'ReconnectSession.offset': offset } });
    expect(res.status, res.text).toBe(200);
    const body = res.json as { messages?: Array<{ type?: string; message?: Record<string, unknown> }> };
    expect(body.messages?.[0]?.type, res.text).toBe('ReconnectSession');
    const msg = body.messages?.[0]?.message ?? {};
    expect(typeof msg['resetSequence'], res.text).toBe('boolean');
    expect(msg['affinityToken']).toMatch(/^[0-9a-f]{8}$/);
    v.affinity = String(msg['affinityToken']);
    if (msg['resetSequence'] === true) v.sentSequence = 0;
    v.forgetCursor();

    // Same key, new token: r2 arrives once, r1 is not repeated, and the chat goes on.
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'r2'), 'r2 after reconnect');
    await v.say('r3');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'r3'), 'r3 after reconnect');
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['r1', 'r2', 'r3']);
  });
});

describe.concurrent('ReconnectSession after a ResyncSession', () => {
  // A later client whose answers to the polls after a resync were lost (a failover, a proxy) comes
  // back with the last offset it saw, from before the resync's snapshot. Polling resumes after that
  // offset: the messages after it, each once, in order — not the snapshot and its re-sent copies,
  // which repeat for the client that resynced what the log holds before them.
  it('with an offset from before the snapshot: the messages after it once each, in order, and no ChasitorSessionData', async () => {
    const v = await chat();
    await v.say('q1');
    await v.awaitEchoes(['q1']);
    const offset = v.lastOffset as number;
    await v.say('q2');
    await new Promise((r) => setTimeout(r, 300));
    await v.resyncAfter503();
    await v.say('q3');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'q3'), 'q3 after the resync');

    v.affinity = wrongToken(v.affinity);
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
    v.affinity = 'null';
    const res = await server.req('GET', 'System/ReconnectSession', { headers: v.headers(), query: { 'ReconnectSession.offset': offset } });
    expect(res.status, res.text).toBe(200);
    const msg = (res.json as { messages: Array<{ message: Record<string, unknown> }> }).messages[0]!.message;
    v.affinity = String(msg['affinityToken']);
    v.forgetCursor();
    const from = v.received.length;
    await v.say('q4');
    await v.pollUntil((all) => all.slice(from).some((m) => m.type === 'ChatMessage' && m.message['text'] === 'q4'), 'q4 after the reconnect');
    await v.expectNoMore();
    const replayed = v.received.slice(from);
    expect(replayed.map((m) => m.type), 'no snapshot in a replay').not.toContain('ChasitorSessionData');
    expect(replayed.filter((m) => m.type === 'ChatMessage').map((m) => m.message['text'])).toEqual(['q2', 'q3', 'q4']);
  });
});

describe.concurrent('ResyncSession needs the session key', () => {
  it('with the session id alone (known to every agent of the org) it is 403 and leaves the recovery to the visitor', async () => {
    const v = await chat();
    v.affinity = wrongToken(v.affinity);
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);

    const idOnly = await server.req('GET', 'System/ResyncSession', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION }, query: { SessionId: v.id } });
    expectPlainError(idOnly, 403, SESSION_GONE);
    expect(idOnly.text).not.toContain(v.key);
    const otherId = await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: `${v.id}x` } });
    expectPlainError(otherId, 403, SESSION_GONE);

    const own = await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    expect(own.status, own.text).toBe(200);
    expect((own.json as Record<string, unknown>)['key']).toBe(v.key);
  });
});

describe.concurrent('recovery without a prior 503', () => {
  it('ResyncSession is 405 and the session keeps working', async () => {
    const v = await chat();
    const res = await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    expectPlainError(res, 405);
    await v.say('still fine');
    expect(await v.awaitEchoes(['still fine'])).toEqual(['still fine']);
  });

  it('ReconnectSession with affinity null is 405 and the session keeps working', async () => {
    const v = await chat();
    const res = await server.req('GET', 'System/ReconnectSession', {
      headers: { ...v.headers(), 'X-LIVEAGENT-AFFINITY': 'null' },
      query: { 'ReconnectSession.offset': v.lastOffset ?? 0 },
    });
    expectPlainError(res, 405);
    await v.say('still fine');
    expect(await v.awaitEchoes(['still fine'])).toEqual(['still fine']);
  });
});

describe.concurrent('a recovery request sent again (its answer was lost)', () => {
  // The answer to a recovery can be lost like the request that got the 503, and HTTP stacks send a
  // GET again by themselves (OkHttp on a dropped connection). Until the client uses the session again
  // (a poll or a POST), the same recovery is answered again; after that it is 405 as without a 503.
  it('ResyncSession twice: both 200 with the same key and token, one snapshot delivered, nothing twice; after a poll, 405', async () => {
    const v = await chat();
    await v.say('before');
    await v.awaitEchoes(['before']);
    await v.say('pending');
    await sleep(300);
    const real = v.affinity;
    v.affinity = wrongToken(real);
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
    const ask = () => server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    const first = await ask();
    expect(first.status, first.text).toBe(200);
    const again = await ask();
    expect(again.status, `the same ResyncSession again: ${again.text}`).toBe(200);
    expect(again.json).toEqual(first.json);
    v.affinity = real;
    v.forgetCursor();
    const from = v.received.length;
    const snapshot = await v.poll();
    expect(snapshot.messages[0]?.type, snapshot.text).toBe('ChasitorSessionData');
    const transcript = snapshot.messages[0]?.message['chatMessages'] as Array<Record<string, unknown>>;
    expect(transcript.filter((e) => e['type'] === 'Agent' && e['content'] === 'pending'), JSON.stringify(transcript)).toHaveLength(1);
    await v.say('after');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'after'), 'the echo of after');
    await v.expectNoMore();
    const types = v.received.slice(from).map((m) => m.type);
    expect(types.filter((t) => t === 'ChasitorSessionData'), types.join(', ')).toHaveLength(1);
    expect(v.received.slice(from).filter((m) => m.type === 'ChatMessage').map((m) => m.message['text'])).toEqual(['after']);
    expectPlainError(await ask(), 405, 'No session recovery is pending');
  });

  it('ReconnectSession twice with the same offset: both 200, each message after the offset once; after a poll, 405', async () => {
    const v = await chat();
    await v.say('r1');
    await v.awaitEchoes(['r1']);
    const offset = v.lastOffset as number;
    await v.say('r2');
    await sleep(300);
    const real = v.affinity;
    v.affinity = wrongToken(real);
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
    const ask = () => server.req('GET', 'System/ReconnectSession', {
      headers: { ...v.headers(), 'X-LIVEAGENT-AFFINITY': 'null' }, query: { 'ReconnectSession.offset': offset },
    });
    const first = await ask();
    expect(first.status, first.text).toBe(200);
    const again = await ask();
    expect(again.status, `the same ReconnectSession again: ${again.text}`).toBe(200);
    expect(again.json).toEqual(first.json);
    v.affinity = real;
    v.forgetCursor();
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'r2'), 'r2 after reconnect');
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['r1', 'r2']);
    expectPlainError(await ask(), 405, 'No session recovery is pending');
  });
});
