/**
 * The other visitor nouns: typing, sneak peek, custom events, ChatEnd in all
 * the body shapes of the field, MultiNoun (`object` and `data`), sequence
 * retries and the message length limit.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_GREETING, sleep, useServer } from './harness.js';
import { SESSION_GONE, Visitor, expectOk, expectPlainError } from './visitor.js';

const server = useServer();
/** A long hold, so that a poll is surely still held when the visitor ends the session. */
const longHold = useServer({ pollHoldSeconds: 20 });

async function chat(): Promise<Visitor> {
  const v = new Visitor(server);
  await v.start();
  return v;
}

/** Polls until Messages answers 403 (at most a few polls: pending messages may come first). */
async function expectSessionGone(v: Visitor): Promise<void> {
  const post = await v.post('Chasitor/ChatMessage', { text: 'after the end' });
  expectPlainError(post, 403, SESSION_GONE);
  let last = 0;
  for (let i = 0; i < 5; i++) {
    const res = await v.poll();
    last = res.status;
    if (last === 403) {
      expectPlainError(res, 403, SESSION_GONE);
      break;
    }
    expect([200, 204], `after the end Messages answered ${res.status} ${res.text}`).toContain(last);
  }
  expect(last, 'Messages reaches 403 once the chat ended').toBe(403);
  expect(v.echoes()).not.toContain('after the end');
}

describe.concurrent('typing, sneak peek, custom events', () => {
  it.each([
    ['ChasitorTyping', {}],
    ['ChasitorTyping', undefined],
    ['ChasitorNotTyping', {}],
    ['ChasitorNotTyping', undefined],
    // The typing nouns' body says nothing: whatever a client sends there is not read.
    ['ChasitorTyping', []],
    ['ChasitorNotTyping', 'typing'],
    ['ChasitorTyping', '{not json'],
    ['ChasitorSneakPeek', { position: 3, text: 'Hi th' }],
    ['CustomEvent', { type: 'PromptForCreditCard', data: 'Visa' }],
    ['CustomEvent', { type: 'json-data', data: '{"a":1}' }],
  ])('%s with body %j answers 200 OK and the chat goes on', async (noun, body) => {
    const v = await chat();
    expectOk(await v.post(`Chasitor/${noun}`, body), noun);
    await v.say(`after ${noun}`);
    expect(await v.awaitEchoes([`after ${noun}`])).toEqual([`after ${noun}`]);
  });

  it('typing and sneak peek do not show up as visitor messages', async () => {
    const v = await chat();
    expectOk(await v.post('Chasitor/ChasitorTyping', {}));
    expectOk(await v.post('Chasitor/ChasitorSneakPeek', { position: 5, text: 'Hello' }));
    expectOk(await v.post('Chasitor/ChasitorNotTyping', {}));
    await v.say('Hello');
    await v.awaitEchoes(['Hello']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['Hello']);
  });
});

describe.concurrent('ChatEnd', () => {
  it.each([
    ['{"reason":"client"}', { reason: 'client' }],
    ['{"reason":"client ended chat"}', { reason: 'client ended chat' }],
    ['{"type":"ChatEndReason","reason":"client"}', { type: 'ChatEndReason', reason: 'client' }],
    ['{"ChatEndReason":{"reason":"client"}}', { ChatEndReason: { reason: 'client' } }],
    ['{"ack":-1}', { ack: -1 }],
    ['{}', {}],
    ['no body', undefined],
  ])('body %s means the visitor ended: 200 OK, then 403 on the session', async (_label, body) => {
    const v = await chat();
    expectOk(await v.end(body), 'ChatEnd');
    await expectSessionGone(v);
  });

  it.each([
    ['ChatEnd', (v: Visitor) => v.end()],
    ['DELETE System/SessionId/{key}', (v: Visitor) => longHold.req('DELETE', `System/SessionId/${encodeURIComponent(v.key)}`, { headers: v.headers() })],
    ['MultiNoun [ChatMessage, ChatEnd]', (v: Visitor) => v.post('System/MultiNoun', {
      nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'Bye' } }, { prefix: 'Chasitor', noun: 'ChatEnd', object: { reason: 'client' } }],
    })],
  ])('the poll held when the visitor ends the session (%s) answers 204, not an error; a new poll is 403', async (_label, end) => {
    const v = new Visitor(longHold);
    await v.start();
    const held = v.poll();
    await sleep(300); // the poll is held: nothing is pending
    expectOk(await end(v), 'the end');
    const res = await held;
    expect(res.status, `held poll after the visitor's own end: ${res.text}`).toBe(204);
    expect(res.ms, 'answered by the end, not by the 20 s hold').toBeLessThan(10_000);
    expectPlainError(await v.poll(), 403, SESSION_GONE);
  });

  it('ending one chat leaves other chats alone', async () => {
    const a = await chat();
    const b = await chat();
    expectOk(await a.end());
    await b.say('b goes on');
    expect(await b.awaitEchoes(['b goes on'])).toEqual(['b goes on']);
  });
});

describe.concurrent('MultiNoun', () => {
  it('runs nouns given with `object`, in order, and answers 200 OK', async () => {
    const v = await chat();
    const res = await v.post('System/MultiNoun', {
      nouns: [
        { prefix: 'Chasitor', noun: 'ChasitorTyping', object: {} },
        { prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'multi one' } },
        { prefix: 'Chasitor', noun: 'ChasitorNotTyping', object: {} },
        { prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'multi two' } },
      ],
    });
    expectOk(res, 'MultiNoun');
    expect(await v.awaitEchoes(['multi one', 'multi two'])).toEqual(['multi one', 'multi two']);
  });

  it('a batch may start the chat and send its first message: [ChasitorInit, ChatMessage]', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const res = await v.post('System/MultiNoun', {
      nouns: [
        { prefix: 'Chasitor', noun: 'ChasitorInit', object: v.initBody() },
        { prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'first question' } },
        { prefix: 'Chasitor', noun: 'CustomEvent', object: { type: 'cart', data: '3 items' } },
      ],
    });
    expectOk(res, 'MultiNoun');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && (m.message as { text?: string }).text === 'first question'), 'the echo');
    expect(v.received.map((m) => m.type).slice(0, 2)).toEqual(['ChatRequestSuccess', 'ChatEstablished']);
    // The bot greets first, then answers the message that came with the ChasitorInit.
    expect(v.texts()).toEqual([DEMO_GREETING, 'first question']);
  });

  it('runs nouns given with `data` as an object (the guide names the field data)', async () => {
    const v = await chat();
    const res = await v.post('System/MultiNoun', {
      nouns: [
        { prefix: 'Chasitor', noun: 'ChatMessage', data: { text: 'data one' } },
        { prefix: 'Chasitor', noun: 'ChatMessage', data: { text: 'data two' } },
      ],
    });
    expectOk(res, 'MultiNoun');
    expect(await v.awaitEchoes(['data one', 'data two'])).toEqual(['data one', 'data two']);
  });

  it('runs nouns given with `data` as a JSON string (the guide types data as String)', async () => {
    const v = await chat();
    const res = await v.post('System/MultiNoun', {
      nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', data: JSON.stringify({ text: 'data string' }) }],
    });
    expectOk(res, 'MultiNoun');
    expect(await v.awaitEchoes(['data string'])).toEqual(['data string']);
  });

  it('the guide example: a last message then ChatEnd ends the chat after the message', async () => {
    const v = await chat();
    const res = await v.post('System/MultiNoun', {
      nouns: [
        { prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'Goodbye' } },
        { prefix: 'Chasitor', noun: 'ChatEnd', object: {} },
      ],
    });
    expectOk(res, 'MultiNoun');
    await expectSessionGone(v);
  });

  it('a MultiNoun retried with the same sequence is applied once', async () => {
    const v = await chat();
    const seq = v.sentSequence + 1;
    const body = { nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'multi retry' } }] };
    expectOk(await v.post('System/MultiNoun', body, { sequence: seq }));
    expectOk(await v.post('System/MultiNoun', body, { sequence: seq }), 'retried MultiNoun');
    await v.say('marker');
    await v.awaitEchoes(['multi retry', 'marker']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['multi retry', 'marker']);
  });
});

describe.concurrent('sequence retries', () => {
  it('a repeated X-LIVEAGENT-SEQUENCE answers 200 OK and is applied once', async () => {
    const v = await chat();
    const seq = v.sentSequence + 1;
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'only once' }, { sequence: seq }));
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'only once' }, { sequence: seq }), 'retry');
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'only once' }, { sequence: seq }), 'second retry');
    await v.say('next one');
    await v.awaitEchoes(['only once', 'next one']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['only once', 'next one']);
  });

  // The guide's X-LIVEAGENT-SEQUENCE is there "to avoid processing duplicate messages": a retry
  // repeats its request. A request for another noun under a number already used is not a retry of
  // it but a client that numbers differently (one that sends ChasitorInit with 1 and then counts its
  // messages from 1, or leaves typing events out of its count): answered OK and dropped, its message
  // would be lost for good.
  it('a ChatMessage that reuses the sequence of a ChasitorInit or a ChasitorTyping is applied, not taken for a retry', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init(v.initBody(), { sequence: 1 }), 'ChasitorInit 1');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatEstablished'), 'ChatEstablished');
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'first, numbered 1' }, { sequence: 1 }), 'ChatMessage 1');
    expectOk(await v.post('Chasitor/ChasitorTyping', {}, { sequence: 2 }), 'ChasitorTyping 2');
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'second, numbered 2' }, { sequence: 2 }), 'ChatMessage 2');
    // A real retry is still one: the same noun with the same number, applied once.
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'second, numbered 2' }, { sequence: 2 }), 'retried ChatMessage 2');
    expectOk(await v.init(v.initBody(), { sequence: 1 }), 'retried ChasitorInit 1');
    await v.awaitEchoes(['first, numbered 1', 'second, numbered 2']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['first, numbered 1', 'second, numbered 2']);
  });

  // The other side of ADR 0050 on a session the ChatEnd closed: only the ChatEnd itself is retried
  // under its number (200 OK, its answer may have been lost); any other noun under that number is a
  // new request on an ended session, refused as every new request there is (403), never a 200 for a
  // message that nobody will read.
  it('after ChatEnd N, a ChatMessage or ChasitorTyping numbered N is 403 (a new request on an ended session); ChatEnd N again is 200 OK', async () => {
    const v = await chat();
    await v.say('before the end');
    await v.awaitEchoes(['before the end']);
    const n = v.sentSequence + 1;
    expectOk(await v.post('Chasitor/ChatEnd', { reason: 'client' }, { sequence: n }), 'ChatEnd N');
    expectPlainError(await v.post('Chasitor/ChatMessage', { text: 'after the end' }, { sequence: n }), 403, SESSION_GONE);
    expectPlainError(await v.post('Chasitor/ChasitorTyping', {}, { sequence: n }), 403, SESSION_GONE);
    expectOk(await v.post('Chasitor/ChatEnd', { reason: 'client' }, { sequence: n }), 'the retried ChatEnd N');
  });

  it('a retried ChasitorInit (sequence 1 again) does not start a second chat', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init());
    expectOk(await v.init(), 'retried ChasitorInit');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the greeting');
    await v.expectNoMore();
    const types = v.received.map((m) => m.type);
    expect(types.filter((t) => t === 'ChatRequestSuccess')).toHaveLength(1);
    expect(types.filter((t) => t === 'ChatEstablished')).toHaveLength(1);
    expect(types.filter((t) => t === 'ChatMessage')).toHaveLength(1);
  });
});

describe.concurrent('message length', () => {
  it('4001 characters is 400 in plain text, 4000 is echoed, and the session keeps working', async () => {
    const v = await chat();
    expectPlainError(await v.post('Chasitor/ChatMessage', { text: 'x'.repeat(4001) }), 400);
    const max = 'y'.repeat(4000);
    await v.say(max);
    await v.say('short again');
    expect(await v.awaitEchoes([max, 'short again'])).toEqual([max, 'short again']);
  });

  it('the limit counts characters, not UTF-8 bytes', async () => {
    const v = await chat();
    const wide = 'é'.repeat(4000);
    await v.say(wide);
    expect(await v.awaitEchoes([wide])).toEqual([wide]);
  });

  it('characters are UTF-16 code units, as Java and a browser\'s maxlength count them: an emoji counts 2', async () => {
    const v = await chat();
    const res = await v.post('Chasitor/ChatMessage', { text: '😀'.repeat(2001) });
    expectPlainError(res, 400);
    expect(res.text).toBe('Message text too long: 4002 > 4000');
    const emoji = '😀'.repeat(2000);
    await v.say(emoji);
    expect(await v.awaitEchoes([emoji])).toEqual([emoji]);
  });

  it('an over-long message inside MultiNoun is 400 too', async () => {
    const v = await chat();
    const res = await v.post('System/MultiNoun', { nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'z'.repeat(4001) } }] });
    expectPlainError(res, 400);
    await v.say('fine');
    expect(await v.awaitEchoes(['fine'])).toEqual(['fine']);
  });
});
