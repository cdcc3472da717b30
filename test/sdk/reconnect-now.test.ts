/**
 * VisitorClient.reconnectNow(), what a browser calls on `online`: a poll asleep
 * in its backoff after a network drop polls at once (the agent's messages sent
 * during the outage arrive right away, each once, in order), a poll in flight
 * is aborted and sent again (never doubled: the old one is gone before the new
 * one goes out), so one held on a silently dead connection does not keep the
 * visitor waiting for its timeout, and the backoff starts from its first step
 * again. The visitor reaches the server through a TCP proxy that cuts or freezes
 * its connections; the agent does not.
 */
import { describe, expect, it } from 'vitest';
import { VisitorClient } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { DEMO, humanChat, until } from './sdk-fixtures.js';
import { useProxy, type ProxiedRequest } from './tcp-proxy.js';

const server = useServer({}, { withConfig: false });
const proxy = useProxy(server);

/**
 * The real fetch, watched: each visitor long poll (`System/Messages`) with when it
 * started and how it ended, and the most polls that were ever in flight at once.
 * With `ignoreAbort` the polls are sent without the client's AbortSignal, as a fetch
 * that does not honour it would.
 */
function watchedFetch(o: { ignoreAbort?: boolean } = {}) {
  const polls: Array<{ startedAt: number; status?: number; failed?: boolean; aborted?: boolean }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    // Polls only: the HEAD the client sends beside a poll after a failure (a probe, answered at once) is no poll.
    if (!url.includes('/chat/rest/System/Messages') || (init?.method ?? 'GET') !== 'GET') return fetch(input, init);
    const poll: (typeof polls)[number] = { startedAt: Date.now() };
    polls.push(poll);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    try {
      const res = await fetch(input, o.ignoreAbort ? { ...init, signal: null } : init);
      poll.status = res.status;
      // The poll is over once its body is read (the SDK reads it at once).
      const body = await res.text();
      return new Response(res.status === 204 ? null : body, { status: res.status, headers: res.headers });
    } catch (err) {
      poll.failed = true;
      poll.aborted = err instanceof Error && err.name === 'AbortError';
      throw err;
    } finally {
      inFlight -= 1;
    }
  };
  return { fetchImpl, polls, maxInFlight: () => maxInFlight, inFlight: () => inFlight };
}

/** Picks the connection that carries the visitor's long poll, held at the server now. */
function heldPollOf(v: VisitorClient): (c: ProxiedRequest) => boolean {
  const key = v.snapshot()?.key;
  return (c) => c.sessionKey === key && c.lastRequest.endsWith('/System/Messages') && c.awaitingAnswer;
}

describe('VisitorClient.reconnectNow()', () => {
  it('returns false before start() and after the chat is over', async () => {
    const idle = new VisitorClient({ baseUrl: proxy.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId });
    expect(idle.reconnectNow()).toBe(false);
    const watch = watchedFetch();
    const { agent, v, chatId } = await humanChat({ agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Reconnect States', visitor: { fetch: watch.fetchImpl } });
    expect(v.reconnectNow()).toBe(true);
    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    expect(v.reconnectNow()).toBe(false);
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('cuts the backoff short after a drop: what the agent sent meanwhile arrives at once, once, in order', async () => {
    // Every backoff sleep is 6–12 s: a poll left asleep is plain to see.
    const watch = watchedFetch();
    const { agent, v, vr, chatId } = await humanChat({
      agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Reconnect Now', visitor: { retry: { baseMs: 12_000, maxMs: 12_000 }, fetch: watch.fetchImpl },
    });
    await agent.send(chatId, 'before');
    await until(() => vr.texts().includes('before'), 'the first agent message');

    // The held poll is cut, the network is back 300 ms later, and the poll sleeps its backoff.
    proxy.drop(300);
    await until(() => vr.of('connection').at(-1) === 'reconnecting', 'reconnecting');
    const asleepSince = Date.now();
    await agent.send(chatId, 'during 1');
    await agent.send(chatId, 'during 2');
    await new Promise((r) => setTimeout(r, 600));
    const pollsBefore = watch.polls.length;
    // The backoff is what the test says: no poll since the failed one, and the next is ≥ 6 s after it.
    expect(watch.polls.at(-1)?.failed, 'the last poll is the one the drop cut').toBe(true);
    expect(vr.texts()).toEqual(['before']);

    const wokenAt = Date.now();
    expect(v.reconnectNow()).toBe(true);
    await until(() => vr.texts().includes('during 2'), 'the messages sent during the outage', 15_000, () => vr.log);
    const tookMs = Date.now() - wokenAt;
    expect(tookMs, 'the poll slept on through reconnectNow()').toBeLessThan(1_500);
    expect(Date.now() - asleepSince, 'came before the backoff would have let the poll run').toBeLessThan(6_000);
    expect(watch.polls.length).toBeGreaterThan(pollsBefore);
    expect(vr.of('connection').at(-1)).toBe('online');

    // Room for a re-delivery to show up (wrongly) twice.
    await new Promise((r) => setTimeout(r, 500));
    expect(vr.texts()).toEqual(['before', 'during 1', 'during 2']);
    expect(watch.polls.filter((p) => p.status === 409), 'a poll was replaced by a second one of ours').toEqual([]);
    expect(watch.maxInFlight()).toBe(1);

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('replaces a poll in flight: the old one is aborted before the new one goes out, nothing is lost or repeated', async () => {
    const watch = watchedFetch();
    const { agent, v, vr, chatId } = await humanChat({ agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Reconnect Held', visitor: { fetch: watch.fetchImpl } });
    // Called over and over while polls are held (the server holds them 25 s) and answered.
    for (let i = 0; i < 20; i++) {
      if (i === 10) await agent.send(chatId, 'while replacing');
      expect(v.reconnectNow()).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    await agent.send(chatId, 'after replacing');
    await until(() => vr.texts().includes('after replacing'), 'the agent message', 5_000, () => vr.log);
    await new Promise((r) => setTimeout(r, 300)); // room for a re-delivery to (wrongly) show twice
    expect(vr.texts()).toEqual(['while replacing', 'after replacing']);
    expect(watch.polls.filter((p) => p.aborted).length, 'held polls were replaced').toBeGreaterThanOrEqual(15);
    expect(watch.maxInFlight(), 'two polls of ours were in flight at once').toBe(1);
    // The server answered each replaced poll 409 (ADR 0006), on a request the client had dropped.
    expect(watch.polls.filter((p) => p.status === 409)).toEqual([]);
    expect(vr.of('connection').includes('reconnecting'), 'a replaced poll is not a failure').toBe(false);

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('replaces a poll held on a silently dead connection: the answer the dead one swallowed arrives at once, once', async () => {
    proxy.drop(0); // no connection left over from the tests before
    const watch = watchedFetch();
    const { agent, v, vr, chatId } = await humanChat({ agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Reconnect Dead', visitor: { fetch: watch.fetchImpl } });
    await agent.send(chatId, 'before');
    await until(() => vr.texts().includes('before'), 'the first agent message');
    await until(() => watch.inFlight() === 1, 'the next poll');
    await new Promise((r) => setTimeout(r, 200)); // the poll is held at the server
    // The network changed under the held poll: it stays open on both sides, and nothing passes.
    expect(proxy.freeze(heldPollOf(v)), 'the held poll froze').toBe(1);
    await agent.send(chatId, 'swallowed');
    await until(() => proxy.heldBack() > 0, 'the server answering the dead poll');
    await new Promise((r) => setTimeout(r, 300));
    expect(vr.texts()).toEqual(['before']);

    const wokenAt = Date.now();
    expect(v.reconnectNow()).toBe(true);
    await until(() => vr.texts().includes('swallowed'), 'the message the dead poll swallowed', 5_000, () => vr.log);
    expect(Date.now() - wokenAt, 'the poll waited for its own timeout').toBeLessThan(1_500);
    await agent.send(chatId, 'after');
    await until(() => vr.texts().includes('after'), 'the next agent message');
    await new Promise((r) => setTimeout(r, 300));
    expect(vr.texts()).toEqual(['before', 'swallowed', 'after']);
    expect(watch.maxInFlight()).toBe(1);
    expect(vr.of('connection').includes('reconnecting')).toBe(false);

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('drops the late answer of a replaced poll, with a fetch that ignores the abort', async () => {
    proxy.drop(0);
    // Some fetch implementations (polyfills, some runtimes) do not honour the AbortSignal:
    // the replaced poll's request goes on, and its answer comes after the new poll's.
    const watch = watchedFetch({ ignoreAbort: true });
    const { agent, v, vr, chatId } = await humanChat({ agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Reconnect Late', visitor: { fetch: watch.fetchImpl } });
    await agent.send(chatId, 'before');
    await until(() => vr.texts().includes('before'), 'the first agent message');
    await until(() => watch.inFlight() === 1, 'the next poll');
    await new Promise((r) => setTimeout(r, 200));
    expect(proxy.freeze(heldPollOf(v))).toBe(1);
    await agent.send(chatId, 'held back');
    await until(() => proxy.heldBack() > 0, 'the server answering the frozen poll');

    const wokenAt = Date.now();
    v.reconnectNow();
    await until(() => vr.texts().includes('held back'), 'the message, through the new poll', 5_000, () => vr.log);
    expect(Date.now() - wokenAt, 'the client waited for the request it had dropped').toBeLessThan(1_500);
    // The old request's answer comes after all, late: the client must not take it.
    const answeredBefore = watch.polls.filter((p) => p.status === 200).length;
    proxy.thaw();
    await until(() => watch.polls.filter((p) => p.status === 200).length > answeredBefore, 'the late answer reaching fetch');
    await agent.send(chatId, 'after');
    await until(() => vr.texts().includes('after'), 'the next agent message');
    await new Promise((r) => setTimeout(r, 300));
    expect(vr.texts()).toEqual(['before', 'held back', 'after']);

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('starts the backoff from its first step again when the server is still out of reach', async () => {
    // Steps of 0.5–1, 1–2, 2–4, 4–8 s: after the third failure the poll sleeps 2–4 s, and
    // without a fresh count the attempt after reconnectNow() would be followed by 4–8 s.
    const watch = watchedFetch();
    const { agent, v, vr, chatId } = await humanChat({
      agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Reconnect Count', visitor: { retry: { baseMs: 1_000, maxMs: 16_000 }, fetch: watch.fetchImpl },
    });
    const failures = () => watch.polls.filter((p) => p.failed).length;
    proxy.drop(60_000);
    await until(() => failures() === 3, 'three failed polls', 15_000);
    const wokenAt = Date.now();
    v.reconnectNow();
    // The attempt at once fails (still out of reach); the next follows the first step (≤ 1 s).
    await until(() => failures() >= 5, 'two attempts after reconnectNow()', 2_500, () => watch.polls.map((p) => p.startedAt - wokenAt));
    expect(watch.maxInFlight()).toBe(1);

    proxy.drop(0); // the server is reachable again
    v.reconnectNow();
    await agent.send(chatId, 'back');
    await until(() => vr.texts().includes('back'), 'the agent message after the outage', 5_000);
    expect(vr.texts()).toEqual(['back']);

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });
});
