/**
 * System/Messages through the whole request path (app.inject), with a fake
 * clock for the hold and an in-memory store: hold and 204, ack handling,
 * payload splitting, replaced polls.
 */

import { afterEach, describe, expect, it } from 'vitest';

import { DEMO_IDS } from '../config/demo-deployment.js';

import { type Switchboard } from '../main.js';
import { STATE_CHANGING_TYPES, type WireMessage } from '../protocol/visitor-messages.js';
import { HOLD_SECONDS, type Payload, type Visitor, boot, headers, init, newVisitor, poll, post, session, stopAll, take, ticks, until, waitForEvents } from './inject-harness.test-support.js';

afterEach(stopAll);

describe('long poll hold', () => {
  it('answers 204 with an empty body once the hold has passed, not before', async () => {
    const { sb, clock } = await boot();
    const v = await newVisitor(sb);
    let settled = false;
    const pending = poll(sb, v).finally(() => { settled = true; });
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);

    clock.advance(HOLD_SECONDS * 1000 - 1);
    await ticks();
    expect(settled).toBe(false);

    clock.advance(1);
    const res = await pending;
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('holds a poll that starts before ChasitorInit and wakes it with ChatRequestSuccess', async () => {
    const { sb } = await boot();
    const v = await newVisitor(sb);
    const pending = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    await init(sb, v);
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(res.json<Payload>().messages[0]!.type).toBe('ChatRequestSuccess');
  });

  it('holds for the configured pollHoldSeconds', async () => {
    const { sb, clock } = await boot({ pollHoldSeconds: 3 });
    const v = await newVisitor(sb);
    const pending = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    clock.advance(3000);
    expect((await pending).statusCode).toBe(204);
  });

  it('a new poll after a 204 holds again and the chat goes on', async () => {
    const { sb, clock } = await boot();
    const v = await newVisitor(sb);
    await init(sb, v);
    for (const type of ['ChatRequestSuccess', 'ChatEstablished', 'ChatMessage']) expect((await take(sb, v)).messages[0]!.type).toBe(type);
    const idle = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    clock.advance(HOLD_SECONDS * 1000);
    expect((await idle).statusCode).toBe(204);
    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'still here' }, 2)).statusCode).toBe(200);
    expect((await take(sb, v)).messages[0]!.message.text).toBe('still here');
  });
});

describe('ack', () => {
  /** A bot chat with the greeting and `echoes` echo replies all durable, nothing polled yet. */
  async function chatWithEchoes(sb: Switchboard, echoes: number): Promise<Visitor> {
    const v = await newVisitor(sb);
    await init(sb, v);
    await waitForEvents(sb, v, 3); // ChatRequestSuccess, ChatEstablished, greeting
    for (let i = 1; i <= echoes; i++) expect((await post(sb, v, 'Chasitor/ChatMessage', { text: `m${i}` }, i + 1)).statusCode).toBe(200);
    await waitForEvents(sb, v, 3 + echoes);
    return v;
  }

  const expectedTypes = (echoes: number) => ['ChatRequestSuccess', 'ChatEstablished', 'ChatMessage', ...Array<string>(echoes).fill('ChatMessage')];

  it('without ack: every message exactly once, in order, sequence going up by one', async () => {
    const { sb, clock } = await boot();
    const v = await chatWithEchoes(sb, 3);
    const got: Payload[] = [];
    for (let i = 0; i < 6; i++) got.push(await take(sb, v));
    expect(got.map((p) => p.messages.length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(got.map((p) => p.messages[0]!.type)).toEqual(expectedTypes(3));
    expect(got.map((p) => p.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(got.slice(3).map((p) => p.messages[0]!.message.text)).toEqual(['m1', 'm2', 'm3']);
    for (let i = 1; i < got.length; i++) expect(got[i]!.offset).toBeGreaterThan(got[i - 1]!.offset);

    const idle = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    clock.advance(HOLD_SECONDS * 1000);
    expect((await idle).statusCode).toBe(204);
  });

  it('ack=-1 on every poll is never a rewind', async () => {
    const { sb } = await boot();
    const v = await chatWithEchoes(sb, 2);
    const got: Payload[] = [];
    for (let i = 0; i < 5; i++) got.push(await take(sb, v, -1));
    expect(got.map((p) => p.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(got.map((p) => p.messages[0]!.type)).toEqual(expectedTypes(2));
  });

  it('a client that acks each sequence it got gets everything once', async () => {
    const { sb } = await boot();
    const v = await chatWithEchoes(sb, 2);
    let ack = -1;
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await take(sb, v, ack);
      seqs.push(p.sequence);
      ack = p.sequence;
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it('re-sending an old ack re-delivers what came after it', async () => {
    const { sb } = await boot();
    const v = await chatWithEchoes(sb, 2);
    const first = await take(sb, v);
    const second = await take(sb, v, first.sequence);
    // The response carrying `second` was lost: the client sends its old ack again.
    const again = await take(sb, v, first.sequence);
    expect(again.sequence).toBe(second.sequence);
    expect(again.messages).toEqual(second.messages);
    // And the chat goes on from there, with nothing skipped.
    const third = await take(sb, v, again.sequence);
    expect(third.sequence).toBe(3);
    expect(third.messages[0]!.type).toBe('ChatMessage');
  });

  it('a counter that trails by one (200s counted from -1) repeats its ack after a 204: nothing is sent twice', async () => {
    const { sb, clock } = await boot();
    const v = await chatWithEchoes(sb, 0);
    let ack = -1;
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      seqs.push((await take(sb, v, ack)).sequence);
      ack += 1; // its own count of answers with messages, one behind the sequence
    }
    expect(seqs).toEqual([1, 2, 3]);
    const idle = poll(sb, v, ack);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    clock.advance(HOLD_SECONDS * 1000);
    expect((await idle).statusCode).toBe(204);
    // The same ack again (a 204 does not move its count): held, not the greeting a second time.
    const next = poll(sb, v, ack);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'm1' }, 2)).statusCode).toBe(200);
    const p = (await next).json<Payload>();
    expect(p.sequence).toBe(4);
    expect(p.messages.map((m) => m.message.text)).toEqual(['m1']);
  });

  it('an answer lost after a 204 is still sent again when its ack is repeated', async () => {
    const { sb, clock } = await boot();
    const v = await chatWithEchoes(sb, 0);
    let ack = -1;
    for (let i = 0; i < 3; i++) ack = (await take(sb, v, ack)).sequence;
    const idle = poll(sb, v, ack);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    clock.advance(HOLD_SECONDS * 1000);
    expect((await idle).statusCode).toBe(204);
    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'm1' }, 2)).statusCode).toBe(200);
    await waitForEvents(sb, v, 4);
    const lost = await take(sb, v, ack); // the echo; its answer never arrives
    expect(lost.sequence).toBe(4);
    const again = await take(sb, v, ack);
    expect(again).toEqual(lost);
  });

  it('an ack the server never issued (987654) is ignored and drops nothing', async () => {
    const { sb } = await boot();
    const v = await chatWithEchoes(sb, 2);
    const got: Payload[] = [];
    for (let i = 0; i < 5; i++) got.push(await take(sb, v, 987654));
    expect(got.map((p) => p.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(got.slice(3).map((p) => p.messages[0]!.message.text)).toEqual(['m1', 'm2']);
  });

  it('an ack below the cursor that was never issued does not rewind', async () => {
    const { sb } = await boot({ messagesPerPayload: 3 });
    const v = await chatWithEchoes(sb, 3);
    const a = await take(sb, v); // [ChatRequestSuccess]
    const b = await take(sb, v, a.sequence); // [ChatEstablished, greeting, m1]
    expect(b.sequence).toBe(4);
    // 3 lies inside the last payload, but no payload ended at 3.
    const c = await take(sb, v, 3);
    expect(c.sequence).toBe(6);
    expect(c.messages.map((m) => m.message.text)).toEqual(['m2', 'm3']);
  });

  it.each(['abc', '', '1.5', '-1', '[1]'])('an unreadable ack %j is treated as none', async (ack) => {
    const { sb } = await boot();
    const v = await chatWithEchoes(sb, 0);
    expect((await take(sb, v, encodeURIComponent(ack))).sequence).toBe(1);
    expect((await take(sb, v, encodeURIComponent(ack))).sequence).toBe(2);
  });

  it('ignores extra query parameters', async () => {
    const { sb } = await boot();
    const v = await chatWithEchoes(sb, 0);
    const res = await sb.app.inject({ method: 'GET', url: '/chat/rest/System/Messages?pc=17&ack=-1&x=y', headers: headers(v) });
    expect(res.statusCode).toBe(200);
    expect(res.json<Payload>().sequence).toBe(1);
  });
});

describe('payloads with messagesPerPayload 3', () => {
  it('a state-changing message only ever opens a payload', async () => {
    const { sb } = await boot({ messagesPerPayload: 3 });
    const v = await newVisitor(sb);
    await init(sb, v);
    await waitForEvents(sb, v, 3);
    for (let i = 1; i <= 4; i++) expect((await post(sb, v, 'Chasitor/ChatMessage', { text: `m${i}` }, i + 1)).statusCode).toBe(200);
    await waitForEvents(sb, v, 7);
    sb.engine.agentActions.agentEnd(DEMO_IDS.botAgentId, v.id); // ChatEnded right after a run of chat messages
    await waitForEvents(sb, v, 8);

    const payloads: WireMessage[][] = [];
    for (;;) {
      const res = await poll(sb, v);
      if (res.statusCode !== 200) {
        expect(res.statusCode).toBe(403); // everything delivered, chat over
        break;
      }
      payloads.push(res.json<Payload>().messages);
      expect(payloads.length).toBeLessThan(10);
    }

    for (const p of payloads) {
      expect(p.length).toBeGreaterThanOrEqual(1);
      expect(p.length).toBeLessThanOrEqual(3);
      for (const m of p.slice(1)) expect(STATE_CHANGING_TYPES.has(m.type), `${m.type} after messages[0]`).toBe(false);
    }
    expect(payloads.map((p) => p.map((m) => m.type))).toEqual([
      ['ChatRequestSuccess'],
      ['ChatEstablished', 'ChatMessage', 'ChatMessage'],
      ['ChatMessage', 'ChatMessage', 'ChatMessage'],
      ['ChatEnded'],
    ]);
    const texts = payloads.flat().filter((m) => m.type === 'ChatMessage').map((m) => m.message.text);
    expect(texts.slice(1)).toEqual(['m1', 'm2', 'm3', 'm4']);
  });
});

describe('concurrent polls', () => {
  it('a second poll makes the first answer 409 and the second gets the message', async () => {
    const { sb, clock } = await boot();
    const v = await newVisitor(sb);
    await init(sb, v);
    for (let i = 0; i < 3; i++) await take(sb, v); // request success, established, greeting

    const first = poll(sb, v);
    await until('the first poll to be held', () => session(sb, v).heldPoll !== null);
    const held = session(sb, v).heldPoll;
    const second = poll(sb, v);
    const replaced = await first;
    expect(replaced.statusCode).toBe(409);
    expect(replaced.headers['content-type']).toMatch(/^text\/plain/);
    await until('the second poll to be held', () => session(sb, v).heldPoll !== null && session(sb, v).heldPoll !== held);

    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'only to the newer poll' }, 2)).statusCode).toBe(200);
    const res = await second;
    expect(res.statusCode).toBe(200);
    const payload = res.json<Payload>();
    expect(payload.messages).toHaveLength(1);
    expect(payload.messages[0]!.message.text).toBe('only to the newer poll');
    expect(payload.sequence).toBe(4);

    // Nothing is left over for a third poll: the message went out once.
    const third = poll(sb, v);
    await until('the third poll to be held', () => session(sb, v).heldPoll !== null);
    clock.advance(HOLD_SECONDS * 1000);
    expect((await third).statusCode).toBe(204);
  });
});

describe('the visitor ends its own session while a poll is held', () => {
  const ends: [string, (sb: Switchboard, v: Visitor) => ReturnType<typeof poll>][] = [
    ['ChatEnd', (sb, v) => post(sb, v, 'Chasitor/ChatEnd', { reason: 'client' }, 2)],
    ['DELETE System/SessionId/{key}', (sb, v) => sb.app.inject({ method: 'DELETE', url: `/chat/rest/System/SessionId/${encodeURIComponent(v.key)}`, headers: headers(v) })],
    ['MultiNoun [ChatMessage, ChatEnd]', (sb, v) => post(sb, v, 'System/MultiNoun', {
      nouns: [{ noun: 'ChatMessage', object: { text: 'bye' } }, { noun: 'ChatEnd', object: { reason: 'client' } }],
    }, 2)],
  ];

  it.each(ends)('%s: the held poll answers 204 at once (a normal close, not an error); a new poll is 403', async (_what, end) => {
    const { sb } = await boot();
    const v = await newVisitor(sb);
    await init(sb, v);
    for (let i = 0; i < 3; i++) await take(sb, v); // request success, established, greeting
    const held = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);

    expect((await end(sb, v)).statusCode).toBe(200);
    const res = await held; // the fake clock never moves: the end answered it, not the hold
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    const after = await poll(sb, v);
    expect(after.statusCode).toBe(403);
  });

  it('also before any chat: a poll held since before ChasitorInit answers 204 to the ChatEnd', async () => {
    const { sb } = await boot();
    const v = await newVisitor(sb);
    const held = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    expect((await post(sb, v, 'Chasitor/ChatEnd', {}, 1)).statusCode).toBe(200);
    expect((await held).statusCode).toBe(204);
    expect((await poll(sb, v)).statusCode).toBe(403);
  });

  it('a session that ends otherwise (the visitor timed out) still answers its held poll 403', async () => {
    const { sb } = await boot();
    const v = await newVisitor(sb);
    await init(sb, v);
    for (let i = 0; i < 3; i++) await take(sb, v);
    const held = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    sb.engine.visitorTimedOut(session(sb, v));
    expect((await held).statusCode).toBe(403);
  });
});

