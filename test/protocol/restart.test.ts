/**
 * Sessions and chats survive a restart of the process on the same data dir:
 * a client that keeps polling with the same key and affinity token resumes
 * with no loss and no duplicate, after SIGTERM and after kill -9.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, sleep, useServer } from './harness.js';
import { Visitor, expectOk, type AckMode } from './visitor.js';

const server = useServer();
/** Long hold, so that a poll is surely held when SIGTERM arrives. */
const longHold = useServer({ pollHoldSeconds: 20 });

describe.skipIf(!OWNS_PROCESS)(needsProcess('restart'), () => {
  /** One visitor per ack style: the guide's (previous sequence) and none (server-side cursor). */
  function visitors(): Visitor[] {
    return (['sequence', 'none'] as AckMode[]).map((mode) => {
      const v = new Visitor(server);
      v.ackMode = mode;
      return v;
    });
  }

  it('SIGTERM and start again: clients keep polling with the same key, no loss, no duplicate', async () => {
    const vs = visitors();
    await Promise.all(
      vs.map(async (v) => {
        await v.start();
        await v.say('before 1');
        await v.awaitEchoes(['before 1']);
        await v.say('before 2');
      }),
    );
    await sleep(300); // the echoes of "before 2" are pending, not yet delivered

    const exit = await server.restart();
    expect(exit.ms, 'exits within 10 s of SIGTERM').toBeLessThan(10_000);
    expect(exit.code, `graceful exit code\n${server.logTail}`).toBe(0);

    await Promise.all(
      vs.map(async (v) => {
        await v.awaitEchoes(['before 1', 'before 2']);
        await v.say('after');
        await v.awaitEchoes(['before 1', 'before 2', 'after']);
        await v.expectNoMore();
        expect(v.echoes(), `ack mode ${v.ackMode}`).toEqual(['before 1', 'before 2', 'after']);
        expect(v.received.filter((m) => m.type === 'ChatEstablished')).toHaveLength(1);
      }),
    );
  });

  it('kill -9 right after a 200: the message is echoed exactly once after restart, a retry is not applied twice', async () => {
    const vs = visitors();
    await Promise.all(
      vs.map(async (v) => {
        await v.start();
        await v.say('k1');
        await v.awaitEchoes(['k1']);
      }),
    );
    const seqs = await Promise.all(
      vs.map(async (v) => {
        const seq = v.sentSequence + 1;
        expectOk(await v.post('Chasitor/ChatMessage', { text: 'k2' }, { sequence: seq }), 'ChatMessage k2');
        return seq;
      }),
    );
    await server.kill9();
    await server.start();

    await Promise.all(
      vs.map(async (v, i) => {
        // A client that missed the 200 retries with the same sequence: still applied once.
        expectOk(await v.post('Chasitor/ChatMessage', { text: 'k2' }, { sequence: seqs[i] }), 'retried k2 after restart');
        await v.awaitEchoes(['k1', 'k2']);
        await v.say('k3');
        await v.awaitEchoes(['k1', 'k2', 'k3']);
        await v.expectNoMore();
        expect(v.echoes(), `ack mode ${v.ackMode}`).toEqual(['k1', 'k2', 'k3']);
      }),
    );
  });

  it('kill -9 after a 200, with no retry: the message and its undelivered answer are there after restart, once', async () => {
    const vs = visitors();
    await Promise.all(
      vs.map(async (v) => {
        await v.start();
        await v.say('n1');
        await v.awaitEchoes(['n1']);
        // Accepted, then never sent again: only the store can bring it back.
        expectOk(await v.post('Chasitor/ChatMessage', { text: 'n2' }), 'ChatMessage n2');
      }),
    );
    await sleep(300); // the bot has answered n2; the answer waits, unpolled, in the log
    await server.kill9();
    await server.start();

    await Promise.all(
      vs.map(async (v) => {
        await v.awaitEchoes(['n1', 'n2']);
        await v.say('n3');
        await v.awaitEchoes(['n1', 'n2', 'n3']);
        await v.expectNoMore();
        expect(v.echoes(), `ack mode ${v.ackMode}`).toEqual(['n1', 'n2', 'n3']);
      }),
    );
  });

  it('kill -9 after a ChatEnd or DELETE got 200: its retry (the answer was lost) is 200 after restart too, anything else 403', async () => {
    const ender = new Visitor(server);
    await ender.start();
    await ender.say('e1');
    const endSeq = ender.sentSequence + 1;
    expectOk(await ender.post('Chasitor/ChatEnd', { reason: 'client' }, { sequence: endSeq }), 'ChatEnd');
    const deleter = new Visitor(server);
    await deleter.start();
    const del = () => server.req('DELETE', `System/SessionId/${encodeURIComponent(deleter.key)}`, { headers: deleter.headers() });
    expect((await del()).status).toBe(200);
    await server.kill9();
    await server.start();

    const retried = await ender.post('Chasitor/ChatEnd', { reason: 'client' }, { sequence: endSeq });
    expect([retried.status, retried.text], 'the retried ChatEnd').toEqual([200, 'OK']);
    expect((await del()).status, 'the retried DELETE').toBe(200);
    expect((await ender.post('Chasitor/ChatMessage', { text: 'too late' })).status, 'a new request on the ended session').toBe(403);
    expect((await ender.post('Chasitor/ChatMessage', { text: 'too late' }, { sequence: endSeq })).status, "a ChatMessage under the ChatEnd's number (ADR 0050)").toBe(403);
    const forged = ender.key.slice(0, ender.key.lastIndexOf('!') + 1) + 'x'.repeat(8);
    const other = await server.req('POST', 'Chasitor/ChatEnd', { headers: ender.headers({ 'X-LIVEAGENT-SESSION-KEY': forged, 'X-LIVEAGENT-SEQUENCE': String(endSeq) }), body: {} });
    expect(other.status, 'the right id with a wrong key').toBe(403);
  });

  it('a client that numbers from 1 again after a ResyncSession loses nothing, also across a restart in between', async () => {
    const v = new Visitor(server);
    await v.start();
    for (const t of ['s1', 's2', 's3']) await v.say(t);
    await v.awaitEchoes(['s1', 's2', 's3']);
    await v.resyncAfter503();
    await server.kill9();
    await server.start();
    v.sentSequence = 0;
    await v.say('after restart 1');
    await v.say('after restart 2');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'after restart 2'), 'the echo of the second message of the new count');
    await v.expectNoMore();
    expect(v.texts().filter((t) => t.startsWith('after restart'))).toEqual(['after restart 1', 'after restart 2']);
  });

  it('kill -9 during a held poll: the client re-polls after restart and misses nothing', async () => {
    const v = new Visitor(server);
    await v.start();
    const held = v.poll().then(
      (r) => r.status,
      () => -1,
    );
    await sleep(200);
    await server.kill9();
    expect([-1, 204]).toContain(await held);
    await server.start();
    await v.say('after crash');
    await v.awaitEchoes(['after crash']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['after crash']);
  });

  it('a poll the shutdown answers tells its client to close the connection', async () => {
    const v = new Visitor(longHold);
    await v.start();
    const agent = new http.Agent({ keepAlive: true });
    const answered = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = http.request(new URL(`${longHold.baseUrl}/chat/rest/System/Messages`), { headers: v.headers(), agent }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
      });
      req.on('error', reject);
      req.end();
    });
    await sleep(300);
    await longHold.stop();
    const res = await answered;
    agent.destroy();
    expect([200, 204]).toContain(res.status);
    expect(res.connection).toBe('close');
    await longHold.start();
  });

  it('SIGTERM answers a held poll (204 or 200) and the process exits within 10 s', async () => {
    const v = new Visitor(longHold);
    await v.start();
    const held = v.poll().then(
      (r) => ({ status: r.status, text: r.text, at: performance.now() }),
      (err: unknown) => ({ status: -1, text: String(err), at: performance.now() }),
    );
    await sleep(300);
    const sent = performance.now();
    const exit = await longHold.stop();
    const res = await held;
    expect([200, 204], `held poll answered ${res.status} ${res.text}`).toContain(res.status);
    expect(res.at - sent, 'held poll answered promptly, not at the end of the 20 s hold').toBeLessThan(10_000);
    expect(exit.ms, 'exit within 10 s of SIGTERM').toBeLessThan(10_000);
    expect(exit.code).toBe(0);

    // And the chat is still there after the restart.
    await longHold.start();
    await v.say('after SIGTERM');
    await v.awaitEchoes(['after SIGTERM']);
    expect(v.echoes()).toEqual(['after SIGTERM']);
  });
});
