/**
 * System/Messages, the long poll: payload shape, 204, one message per payload
 * by default and state changes at messages[0] when batching, every ack
 * style of the field, extra query parameters, concurrent and abandoned polls.
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, sleep, useServer } from './harness.js';
import { STATE_CHANGING, Visitor, expectOk, type AckMode, type PollResult } from './visitor.js';

/** Short hold (0.5 s): quick 204s. */
const server = useServer();
/** 5 s hold: long enough to tell "answered at once" or "replaced" from "hold ran out". */
const slow = useServer({ pollHoldSeconds: 5 });
/** Batching on. */
const batch = useServer({ messagesPerPayload: 3 });

describe.concurrent('payloads', () => {
  it('polling before ChasitorInit is held and answered 204 with an empty body, not 403', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const early = await v.poll();
    expect(early.status, early.text).toBe(204);
    expect(early.text).toBe('');
    expectOk(await v.init());
    const first = await v.poll();
    expect(first.status).toBe(200);
    expect(first.messages[0]?.type).toBe('ChatRequestSuccess');
  });

  it('with nothing to send the poll is held for the hold time, then 204 with an empty body', async () => {
    const v = new Visitor(server);
    await v.start();
    const res = await v.poll();
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers.get('content-length') ?? '0').toBe('0');
    if (OWNS_PROCESS) {
      expect(res.ms, `held about pollHoldSeconds (${server.pollHoldMs} ms)`).toBeGreaterThan(server.pollHoldMs * 0.8);
      expect(res.ms).toBeLessThan(server.pollHoldMs + 3000);
    }
  });

  it('a 200 is {"messages":[...],"sequence":N,"offset":M} as JSON', async () => {
    const v = new Visitor(server);
    await v.start();
    const p = v.payloads[0] as PollResult;
    expect(p.headers.get('content-type') ?? '').toMatch(/^application\/json/);
    const body = p.json as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['messages', 'sequence', 'offset']));
  });

  it('one message per payload by default', async () => {
    const v = new Visitor(server);
    await v.start();
    for (const t of ['one', 'two', 'three']) await v.say(t);
    await v.awaitEchoes(['one', 'two', 'three']);
    for (const p of v.payloads) expect(p.messages, p.text).toHaveLength(1);
  });

  it('the demo bot answers an empty message too (an agent cannot send an empty one), in order', async () => {
    const v = new Visitor(server);
    await v.start();
    for (const t of ['before', '', 'after']) await v.say(t);
    expect(await v.awaitEchoes(['before', '', 'after'])).toEqual(['before', '(empty message)', 'after']);
  });

  it('answers at once when events are already waiting', async () => {
    const v = new Visitor(slow);
    await v.start();
    await v.say('queued while no poll is held');
    await sleep(500);
    const res = await v.poll();
    expect(res.status).toBe(200);
    expect(res.messages.map((m) => m.message['text'])).toContain('queued while no poll is held');
    expect(res.ms).toBeLessThan(1500);
  });

  it('a held poll wakes up as soon as an event arrives', async () => {
    const v = new Visitor(slow);
    await v.start();
    const held = v.poll();
    await sleep(400);
    await v.say('wake up');
    const res = await held;
    expect(res.status, res.text).toBe(200);
    expect(res.messages[0]?.message['text']).toBe('wake up');
    expect(res.ms, 'answered long before the 5 s hold').toBeLessThan(3000);
  });

  it.skipIf(!OWNS_PROCESS)(needsProcess('with messagesPerPayload 3: batches of up to 3, state changes only at messages[0]'), async () => {
    const v = new Visitor(batch);
    await v.createSession();
    expectOk(await v.init());
    // Let ChatRequestSuccess, ChatEstablished and the greeting pile up, then queue echoes.
    await sleep(800);
    for (const t of ['b1', 'b2', 'b3', 'b4']) await v.say(t);
    await sleep(500);
    await v.awaitEchoes(['b1', 'b2', 'b3', 'b4']);
    expect(v.echoes()).toEqual(['b1', 'b2', 'b3', 'b4']);
    // messages[0]-only invariant is checked by every poll; here the batching itself:
    const first = v.payloads[0] as PollResult;
    expect(first.messages.map((m) => m.type), 'ChatEstablished must open the next payload').toEqual(['ChatRequestSuccess']);
    for (const p of v.payloads) expect(p.messages.length).toBeLessThanOrEqual(3);
    expect(v.payloads.some((p) => p.messages.length > 1), `some payload batches: ${v.payloads.map((p) => p.text).join('\n')}`).toBe(true);
    const est = v.payloads.find((p) => p.messages.some((m) => m.type === 'ChatEstablished'));
    expect(est?.messages[0]?.type).toBe('ChatEstablished');
    for (const p of v.payloads) {
      p.messages.forEach((m, i) => {
        if (i > 0) expect(STATE_CHANGING.has(m.type)).toBe(false);
      });
    }
  });
});

describe.concurrent('ack', () => {
  it.each<[string, AckMode]>([
    ['no ack at all', 'none'],
    ['ack=-1 on every poll', 'minus-one'],
    ['its own counter (-1, 0, 1, ...)', 'counter'],
    ['its own count of answers with messages (one behind the sequence, the same again after a 204)', 'answers'],
    ['the previous sequence', 'sequence'],
  ])('a client that sends %s gets every message exactly once, in order, also after an empty answer', async (_label, mode) => {
    const v = new Visitor(server);
    v.ackMode = mode;
    await v.start();
    for (const t of ['m1', 'm2']) await v.say(t);
    await v.awaitEchoes(['m1', 'm2']);
    for (const t of ['m3', 'm4', 'm5']) await v.say(t);
    await sleep(300);
    await v.awaitEchoes(['m1', 'm2', 'm3', 'm4', 'm5']);
    await v.expectNoMore();
    // After the empty answer (204): what comes next is new, and nothing before it comes again.
    await v.say('m6');
    await v.awaitEchoes(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    const types = v.received.map((m) => m.type);
    expect(types.filter((t) => t === 'ChatRequestSuccess')).toHaveLength(1);
    expect(types.filter((t) => t === 'ChatEstablished')).toHaveLength(1);
  });

  it('re-sending an old ack (a lost response) gets the unacknowledged messages again', async () => {
    const v = new Visitor(server);
    await v.start();
    await v.say('a');
    await v.awaitEchoes(['a']);
    const ackA = v.lastSequence as number;
    await v.say('b');
    await v.awaitEchoes(['a', 'b']); // this response is "lost"
    const ackB = v.lastSequence as number;
    expect(ackB).toBeGreaterThan(ackA);

    const again = await v.poll({ ack: ackA, allowRewind: true });
    expect(again.status, `old ack ${ackA} re-delivers: ${again.text}`).toBe(200);
    expect(again.messages[0]?.type).toBe('ChatMessage');
    expect(again.messages[0]?.message['text']).toBe('b');

    // Acknowledging the re-delivery moves on: nothing else, and new messages flow once.
    v.lastSequence = again.sequence;
    await v.say('c');
    const next = await v.poll({ allowRewind: true });
    expect(next.status).toBe(200);
    expect(next.messages.map((m) => m.message['text'])).toEqual(['c']);
    await v.expectNoMore();
  });

  it('ack=-1 after messages were acknowledged is not a rewind', async () => {
    const v = new Visitor(server);
    await v.start();
    await v.say('x');
    await v.awaitEchoes(['x']);
    await v.expectNoMore(); // acknowledges x
    const res = await v.poll({ ack: -1 });
    expect(res.status, `ack=-1 must not re-deliver: ${res.text}`).toBe(204);
  });

  it('an ack the server never issued (987654) is ignored and drops nothing', async () => {
    const v = new Visitor(server);
    await v.start();
    for (const t of ['p1', 'p2', 'p3']) await v.say(t);
    await sleep(300);
    const deadline = Date.now() + 15_000;
    while (v.echoes().length < 3 && Date.now() < deadline) {
      const res = await v.poll({ ack: 987654 });
      expect([200, 204], `status ${res.status} ${res.text}`).toContain(res.status);
    }
    expect(v.echoes()).toEqual(['p1', 'p2', 'p3']);
  });

  it('ack=0 on every poll (a client whose unread sequence defaults to 0) gets every message once, in order', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const res = await v.init(v.initBody());
    expect(res.status, res.text).toBe(200);
    const deadline = Date.now() + 15_000;
    const types = () => v.received.map((m) => m.type);
    // ChatRequestSuccess, ChatEstablished, the greeting: each exactly once (a rewind to 0 would repeat the first).
    while (types().length < 3 && Date.now() < deadline) {
      const r = await v.poll({ ack: 0 });
      expect([200, 204], `status ${r.status} ${r.text}`).toContain(r.status);
    }
    await v.say('after zero');
    while (!v.echoes().includes('after zero') && Date.now() < deadline) await v.poll({ ack: 0 });
    expect(types().slice(0, 3)).toEqual(['ChatRequestSuccess', 'ChatEstablished', 'ChatMessage']);
    expect(v.echoes()).toEqual(['after zero']);
    expect(types().filter((t) => t === 'ChatRequestSuccess')).toHaveLength(1);
  });

  it.each([-1, 0, 1, 7, 987654, -5, '1.5', 'abc', '', '1e3', '99999999999999999999', 'null', 'undefined'])(
    'ack=%j is never 409 (nor any non-2xx)',
    async (ack) => {
      const v = new Visitor(server);
      await v.start();
      await v.say('odd ack');
      const res = await v.poll({ ack, allowRewind: true });
      expect([200, 204], `ack=${JSON.stringify(ack)} answered ${res.status} ${res.text}`).toContain(res.status);
    },
  );

  it('extra query parameters (pc, unknown) are ignored', async () => {
    const v = new Visitor(server);
    await v.start();
    await v.say('with pc');
    const deadline = Date.now() + 10_000;
    while (!v.echoes().includes('with pc') && Date.now() < deadline) {
      const res = await v.poll({ query: { pc: 17, 'Messages.foo': 'bar', _: Date.now() } });
      expect([200, 204], res.text).toContain(res.status);
    }
    expect(v.echoes()).toEqual(['with pc']);
  });
});

describe.concurrent('concurrent and abandoned polls', () => {
  it('a second concurrent poll answers the older one (409 or 204) and the newer gets the message', async () => {
    const v = new Visitor(slow);
    await v.start();
    let olderDone = false;
    const older = v.poll().then((r) => {
      olderDone = true;
      return r;
    });
    await sleep(300);
    const startedNewer = performance.now();
    let newerDone = false;
    const newer = v.poll().then((r) => {
      newerDone = true;
      return r;
    });
    const o = await older;
    expect([204, 409], `older poll answered ${o.status} ${o.text}`).toContain(o.status);
    expect(o.messages).toHaveLength(0);
    expect(performance.now() - startedNewer, 'older poll answered when the newer one arrived, not at the end of its hold').toBeLessThan(2500);
    expect(olderDone).toBe(true);
    expect(newerDone, 'the newer poll is still held').toBe(false);

    await v.say('for the newer poll');
    const n = await newer;
    expect(n.status, n.text).toBe(200);
    expect(n.messages[0]?.message['text']).toBe('for the newer poll');
    expect(v.echoes()).toEqual(['for the newer poll']);
  });

  it('an abandoned poll (socket closed) loses no message sent after it', async () => {
    const v = new Visitor(slow);
    await v.start();
    const ac = new AbortController();
    const abandoned = v.poll({ signal: ac.signal }).then(
      () => 'answered',
      () => 'aborted',
    );
    await sleep(300);
    ac.abort();
    expect(await abandoned).toBe('aborted');
    await sleep(300);
    await v.say('after abandon');
    const res = await v.poll();
    expect(res.status, res.text).toBe(200);
    expect(res.messages[0]?.message['text']).toBe('after abandon');
    expect(res.ms, 'delivered at once to the new poll').toBeLessThan(2500);
  });

  it('an abandoned poll racing a message: re-polling with the same ack still gets it', async () => {
    const v = new Visitor(slow);
    await v.start();
    const ackBefore = v.lastSequence;
    const ac = new AbortController();
    const abandoned = v.poll({ signal: ac.signal }).then(
      () => 'answered',
      () => 'aborted',
    );
    await sleep(300);
    const said = v.say('racing the abort');
    ac.abort();
    await said;
    expect(await abandoned).toBe('aborted');
    v.lastSequence = ackBefore;
    await v.pollUntil((all) => all.some((m) => m.message['text'] === 'racing the abort'), 'the message raced with the abort');
    expect(v.echoes()).toEqual(['racing the abort']);
  });

  it('polls of two sessions do not steal from each other', async () => {
    const a = new Visitor(slow);
    const b = new Visitor(slow);
    await a.start();
    await b.start();
    const pa = a.poll();
    const pb = b.poll();
    await sleep(200);
    await a.say('only for a');
    const ra = await pa;
    expect(ra.messages[0]?.message['text']).toBe('only for a');
    await b.say('only for b');
    const rb = await pb;
    expect(rb.messages[0]?.message['text']).toBe('only for b');
  });
});
