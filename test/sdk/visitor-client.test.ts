/**
 * VisitorClient against a live server: a whole chat with the demo bot, and
 * recovery from an injected `503 Invalid Affinity Token` on a POST and on a
 * poll, with both recovery paths (ReconnectSession and the v34 ResyncSession); and a
 * rate limit's `429 Retry-After` (a proxy's) waited out on both lanes.
 */
import { describe, expect, it } from 'vitest';
import { SwitchboardClosedError, VisitorClient, type VisitorClientOptions } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { DEMO, FAST_RETRY, deadPort, recordVisitor, until } from './sdk-fixtures.js';

const server = useServer({}, { withConfig: false });

/**
 * A fetch that logs every request and, when armed, sends one request matching
 * `method path` with a wrong affinity token (as if it reached the wrong node).
 */
function affinityFault() {
  const requests: Array<{ method: string; path: string; sequence: string | undefined; status?: number }> = [];
  let armed: string | null = null;
  const f: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const path = url.pathname.replace('/chat/rest/', '');
    const headers = { ...(init?.headers as Record<string, string>) };
    if (armed === `${method} ${path}`) {
      armed = null;
      headers['X-LIVEAGENT-AFFINITY'] = 'deadbeef';
    }
    const entry: (typeof requests)[number] = { method, path, sequence: headers['X-LIVEAGENT-SEQUENCE'] };
    requests.push(entry);
    const res = await fetch(input, { ...init, headers });
    entry.status = res.status;
    return res;
  };
  return { fetch: f, requests, arm: (what: string) => void (armed = what), armed: () => armed };
}

/**
 * Wraps a fetch so that, after a ResyncSession, the server looks like one that numbers
 * the new session's payloads from 1 again (the guide's "new session"; Switchboard itself
 * goes on counting): Messages answers are renumbered and acks translated back.
 */
function restartsSequencesAfterResync(inner: typeof fetch): typeof fetch {
  let resynced = false;
  let base: number | null = null;
  return async (input, init) => {
    const url = new URL(String(input));
    const path = url.pathname.replace('/chat/rest/', '');
    const ack = Number(url.searchParams.get('ack'));
    if (path === 'System/Messages' && base !== null && ack >= 0) url.searchParams.set('ack', String(ack + base));
    const res = await inner(url.toString(), init);
    if (path === 'System/ResyncSession' && res.status === 200) resynced = true;
    if (path !== 'System/Messages' || res.status !== 200 || !resynced) return res;
    const body = (await res.json()) as { sequence: number };
    base ??= body.sequence - 1;
    return new Response(JSON.stringify({ ...body, sequence: body.sequence - base }), { status: 200, headers: res.headers });
  };
}

function visitor(extra: Partial<VisitorClientOptions> = {}): VisitorClient {
  return new VisitorClient({
    baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.botButtonId,
    visitorName: 'SDK Visitor', retry: FAST_RETRY, ...extra,
  });
}

describe('VisitorClient with the demo bot', () => {
  it('a chat that cannot start rejects start() and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const refused: typeof fetch = () => Promise.resolve(new Response('Bad request', { status: 400 }));
      const v = visitor({ fetch: refused });
      await expect(v.start()).rejects.toThrow();
      expect(v.state).toBe('failed');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('end() while start() is still retrying System/SessionId ends the chat at once (ended/client, not failed/network)', async () => {
    const v = visitor({ baseUrl: `http://127.0.0.1:${await deadPort()}`, retry: { ...FAST_RETRY, giveUpAfterMs: 5_000 } });
    const rec = recordVisitor(v);
    const started = v.start().then(() => 'resolved', (err: unknown) => err);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(v.state).toBe('connecting');
    const t0 = Date.now();
    await v.end();
    expect(Date.now() - t0, 'end() waited for the SessionId retries').toBeLessThan(1_000);
    expect(v.state).toBe('ended');
    expect(rec.of('ended')).toEqual([{ reason: 'client' }]);
    expect(rec.of('failed')).toEqual([]);
    // start() learns that the chat it was starting is over.
    expect(await started).toBeInstanceOf(SwitchboardClosedError);
  });

  it('continues a chat in a new client from snapshot(): nothing repeated, nothing lost, the same session', async () => {
    const first = visitor();
    const r1 = recordVisitor(first);
    await first.start();
    await until(() => r1.texts().length >= 1, 'the greeting', 10_000, () => r1.log);
    await first.send('before the move');
    await until(() => r1.texts().includes('before the move'), 'the first echo', 10_000, () => r1.log);
    expect(visitor().snapshot()).toBeNull(); // nothing to continue before a chat starts

    // What a page keeps in sessionStorage: plain JSON.
    const snap = JSON.parse(JSON.stringify(first.detach())) as Parameters<VisitorClient['resume']>[0];
    expect(first.state).toBe('ended');
    expect(r1.of('ended')).toEqual([]); // the chat itself did not end
    await expect(first.send('too late')).rejects.toThrow(/over|detached/);

    const second = visitor();
    const r2 = recordVisitor(second);
    second.resume(snap);
    expect(second.state).toBe('chatting');
    expect(second.sessionId).toBe(first.sessionId);
    await second.send('after the move');
    await until(() => r2.texts().includes('after the move'), 'the echo in the new client', 10_000, () => r2.log);
    // The new client hears only what came after the snapshot: no greeting, no first echo again.
    expect(r2.texts()).toEqual(['after the move']);
    await second.end();
    expect(r2.of('ended')).toEqual([{ reason: 'client' }]);
  });

  it('runs a chat end to end: queue, established, greeting, echoes in order, end', async () => {
    const v = visitor();
    const rec = recordVisitor(v);
    expect(v.state).toBe('idle');
    await v.start();
    expect(v.sessionId).toMatch(/.+/);
    await until(() => rec.texts().length >= 1, 'the greeting', 10_000, () => rec.log);
    expect(v.state).toBe('chatting');
    expect(rec.of('queue')[0]).toMatchObject({ position: expect.any(Number), estimatedWaitTime: expect.any(Number) });
    expect(rec.of('established')[0]).toMatchObject({ name: 'Demo Bot', userId: expect.any(String), sneakPeekEnabled: true });
    expect(rec.rawTypes().slice(0, 2)).toEqual(['ChatRequestSuccess', 'ChatEstablished']);

    await v.typing(true);
    await v.sneakPeek('one');
    await Promise.all([v.send('one'), v.send('two'), v.send('three')]);
    await v.typing(false);
    await until(() => rec.texts().length >= 4, 'three echoes', 10_000, () => rec.texts());
    expect(rec.texts()).toEqual([DEMO.greeting, 'one', 'two', 'three']);

    await v.end();
    expect(v.state).toBe('ended');
    expect(rec.of('ended')).toEqual([{ reason: 'client' }]);
    expect(rec.of('connection').at(-1)).toBe('offline');
    await expect(v.send('too late')).rejects.toThrow(/over/);
  });
});

describe.concurrent('VisitorClient recovery after 503 Invalid Affinity Token', () => {
  for (const recovery of ['reconnect', 'resync'] as const) {
    it(`${recovery}: a ChasitorInit that hits the wrong node is recovered, and start() resolves`, async () => {
      const fault = affinityFault();
      fault.arm('POST Chasitor/ChasitorInit');
      const v = visitor({ fetch: fault.fetch, recovery });
      const rec = recordVisitor(v);
      await v.start();
      await until(() => rec.texts().length >= 1, 'the greeting', 10_000, () => fault.requests);
      await v.send('after init 503');
      await until(() => rec.texts().includes('after init 503'), 'the echo', 10_000, () => rec.log);
      expect(fault.requests.filter((r) => r.path === 'Chasitor/ChasitorInit').map((r) => r.status)).toEqual([503, 200]);
      expect(rec.texts()).toEqual([DEMO.greeting, 'after init 503']);
      await v.end();
    });
  }

  for (const recovery of ['reconnect', 'resync'] as const) {
    it(`${recovery}: a POST and a poll that hit the wrong node are recovered and re-sent once`, async () => {
      const fault = affinityFault();
      const v = visitor({ fetch: fault.fetch, recovery });
      const rec = recordVisitor(v);
      await v.start();
      await until(() => rec.texts().length >= 1, 'the greeting');
      await v.send('before');
      await until(() => rec.texts().length >= 2, 'echo of before');

      // A POST with a wrong token: 503, recovery, then the same sequence again.
      fault.arm('POST Chasitor/ChatMessage');
      await v.send('after post 503');
      await until(() => rec.texts().includes('after post 503'), 'echo after the POST 503', 10_000, () => rec.log);
      const posts = fault.requests.filter((r) => r.path === 'Chasitor/ChatMessage');
      expect(posts.map((r) => r.status)).toEqual([200, 503, 200]);
      expect(posts[2]?.sequence, 'the re-sent ChatMessage keeps its sequence').toBe(posts[1]?.sequence);

      // A poll with a wrong token: the echo of `wake` answers the held poll, the next poll gets the 503.
      const recoveryPath = recovery === 'resync' ? 'System/ResyncSession' : 'System/ReconnectSession';
      fault.arm('GET System/Messages');
      await v.send('wake');
      await until(() => fault.requests.filter((r) => r.path === recoveryPath && r.status === 200).length === 2, 'recovery after the poll 503', 10_000,
        () => fault.requests);
      await v.send('after poll 503');
      await until(() => rec.texts().includes('after poll 503'), 'echo after the poll 503', 10_000, () => rec.log);

      expect(fault.requests.filter((r) => r.path === recoveryPath).map((r) => r.status)).toEqual([200, 200]);
      expect(fault.requests.filter((r) => r.status === 503)).toHaveLength(2);
      if (recovery === 'resync') {
        expect(rec.rawTypes().filter((t) => t === 'ChasitorSessionData')).toHaveLength(2);
        // v34 order: ResyncSession, (poll: ChasitorSessionData), ChasitorResyncState, then the cancelled POST.
        const order = fault.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
        const resync = order.indexOf('GET System/ResyncSession 200');
        const state = order.indexOf('POST Chasitor/ChasitorResyncState 200');
        const resent = order.lastIndexOf('POST Chasitor/ChatMessage 200');
        expect(resync).toBeGreaterThan(-1);
        expect(state).toBeGreaterThan(resync);
        expect(resent).toBeGreaterThan(state);
      }
      // Nothing lost, nothing twice, in order.
      expect(rec.texts()).toEqual([DEMO.greeting, 'before', 'after post 503', 'wake', 'after poll 503']);
      expect(v.state).toBe('chatting');
      await v.end();
      expect(v.state).toBe('ended');
    });
  }

  it('resync: a server that numbers the new session from 1 again loses nothing (the old sequence is not kept)', async () => {
    const fault = affinityFault();
    const v = visitor({ fetch: restartsSequencesAfterResync(fault.fetch), recovery: 'resync' });
    const rec = recordVisitor(v);
    await v.start();
    for (const t of ['b1', 'b2', 'b3']) await v.send(t);
    await until(() => rec.texts().length >= 4, 'the greeting and three echoes', 10_000, () => rec.log);
    fault.arm('GET System/Messages');
    await v.send('wake');
    await until(() => fault.requests.some((r) => r.path === 'System/ResyncSession' && r.status === 200), 'the resync', 10_000, () => fault.requests);
    await v.send('after resync');
    await until(() => rec.texts().includes('after resync'), 'the echo after the resync', 5_000, () => ({ texts: rec.texts(), raw: rec.rawTypes() }));
    expect(rec.rawTypes()).toContain('ChasitorSessionData');
    expect(rec.texts()).toEqual([DEMO.greeting, 'b1', 'b2', 'b3', 'wake', 'after resync']);
    await v.end();
  });
});

/**
 * A fetch in front of the real server that answers the next `times` requests matching
 * `method path` itself, `429` with `Retry-After: 1`, as a rate-limiting proxy would, and
 * logs when each request of that kind went out.
 */
function rateLimitedOnce(what: string, times: number) {
  const sentAt: number[] = [];
  let left = times;
  const f: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname.replace('/chat/rest/', '');
    if (`${init?.method ?? 'GET'} ${path}` !== what) return fetch(input, init);
    sentAt.push(Date.now());
    if (left > 0) {
      left -= 1;
      return new Response('Too Many Requests', { status: 429, headers: { 'Retry-After': '1' } });
    }
    return fetch(input, init);
  };
  return { fetch: f, sentAt };
}

describe.concurrent('VisitorClient and a rate limit (429 Retry-After)', () => {
  for (const what of ['GET System/Messages', 'POST Chasitor/ChatMessage']) {
    it(`waits out Retry-After on ${what}, then goes on with nothing lost or twice`, async () => {
      const limited = rateLimitedOnce(what, 2);
      // Backoff steps of 25–100 ms here, and Retry-After (1 s) within the longest wait allowed (maxMs).
      const v = visitor({ fetch: limited.fetch, retry: { baseMs: 50, maxMs: 2_000 } });
      const rec = recordVisitor(v);
      await v.start();
      await v.send('through the limit');
      await until(() => rec.texts().includes('through the limit'), 'the echo after the 429s', 10_000, () => ({ log: rec.log, sentAt: limited.sentAt }));
      // Only Retry-After makes each retry wait about a second.
      const gaps = limited.sentAt.slice(1, 3).map((t, i) => t - limited.sentAt[i]!);
      expect(gaps).toHaveLength(2);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(950);
      expect(rec.texts()).toEqual([DEMO.greeting, 'through the limit']);
      await v.end();
    });
  }
});
