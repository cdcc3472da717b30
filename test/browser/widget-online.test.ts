/**
 * The widget when the visitor's network comes back, in real Chromium against
 * the real server. The page reaches the server through a TCP proxy the test cuts
 * (cuttable-proxy.ts, ADR 0025) while Chromium is put offline, so the held poll
 * really ends and every retry really fails; the widget's poll backs off, as the
 * SDK does, until its next try is at least 7.5 s away. Then the network is back:
 *
 * - on the browser's `online` event the widget polls at once, and what the agent
 *   sent during the outage shows within 3 s, each message once and in order;
 * - a page shown again (`visibilitychange` to visible) while the connection is
 *   lost does the same;
 * - `online` replaces a poll in flight, never doubles it (the server would
 *   answer the older one 409, ADR 0006): a poll held on a connection the
 *   network change left silently dead (cuttable-proxy.ts `freeze()`: no reset,
 *   no answer ever) does not keep the visitor waiting for its 50 s timeout, and
 *   the message the server wrote into it shows at once, once (ADR 0027);
 * - `online` also sends again at once a visitor message in flight on a dead
 *   connection (cuttable-proxy.ts `freezeNext()`), under the same
 *   X-LIVEAGENT-SEQUENCE: the server applied it already and drops the repeat,
 *   so the agent has it once, before the message typed after it (ADR 0038);
 * - the widget's listeners go when the chat ends.
 *
 * Needs `npm run build` (server and widget builds).
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, TestAgent } from './agent-api.js';
import { browserConfig } from './browser-server.js';
import { isHeldPoll, lastRequest, type ProxiedConnection } from './cuttable-proxy.js';
import { listenerTypes, useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

/**
 * The SDK's default backoff (packages/sdk/src/backoff.ts, which the widget keeps): the
 * sleep after the n-th failure in a row is half of min(15 s, 0.5 s · 2^(n-1)) plus up to
 * as much again at random. From the sixth failure on it is 7.5–15 s.
 */
const FAILURES_TO_LONG_BACKOFF = 6;
const LONG_BACKOFF_AT_LEAST_MS = 7_500;
/** How soon after the network is back the agent's messages must show. */
const PROMPTLY_MS = 3_000;

const suite = useWidgetSuite(browserConfig, { proxy: true, needsWidgetBuild: true });
let agent: TestAgent | undefined;

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`--- connections ---\n${suite.proxy.describe()}`);
  suite.proxy.up();
  agent?.closeStream();
  await agent?.presence('offline').catch(() => undefined);
  agent = undefined;
});

/** What the page did with its long polls (`System/Messages`), as Chromium reports it. */
function watchPolls(page: Page) {
  const failedAt: number[] = [];
  const statuses: number[] = [];
  const isPoll = (url: string): boolean => url.includes('/chat/rest/System/Messages');
  page.on('requestfailed', (r) => { if (isPoll(r.url())) failedAt.push(Date.now()); });
  page.on('response', (r) => { if (isPoll(r.url())) statuses.push(r.status()); });
  return { failedAt, statuses };
}

const count = (types: string[], type: string): number => types.filter((t) => t === type).length;

/** A visitor page chatting with Alex Agent (played through the agent API), the page reaching the server through the proxy. */
async function chatting(name: string) {
  agent = new TestAgent(suite.server.baseUrl);
  await agent.login('agent', 'agent-demo');
  await agent.openStream();
  await agent.presence('online');
  const page = await (await suite.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  const polls = watchPolls(page);
  await page.goto(`${suite.proxy.baseUrl}/?button=human`);
  const w = widgetOf(page);
  await waitForText(w.status, /We are online/, 10_000, 'attached');
  const idle = { window: await listenerTypes(page, 'window'), document: await listenerTypes(page, 'document') };
  await w.launcher.click();
  await w.host.getByLabel('Your name (required)').fill(name);
  await w.host.getByLabel('Email (required)').fill('visitor@example.com');
  await w.host.getByRole('button', { name: 'Start chat' }).click();
  const a = agent;
  const chat = await eventually(async () => (await a.chats()).find((c) => c.visitorName === name), 10_000, 'the offer');
  await a.accept(chat.chatId);
  await waitForText(w.status, /chatting with Alex Agent/);
  return { page, w, polls, chatId: chat.chatId, agent: a, idle };
}

/**
 * The network goes for real (Chromium offline, every connection of the page cut, new ones
 * refused) while the agent writes; resolves once the widget's poll has failed often enough
 * that its next try is at least LONG_BACKOFF_AT_LEAST_MS away, with when that last failure was.
 */
async function outageUntilLongBackoff(c: Awaited<ReturnType<typeof chatting>>, offline: boolean, during: string[]): Promise<number> {
  await eventually(async () => (suite.proxy.open(isHeldPoll).length > 0 ? true : undefined), 5000, 'a held poll');
  const failedBefore = c.polls.failedAt.length;
  if (offline) await c.page.context().setOffline(true);
  expect(suite.proxy.down().filter(isHeldPoll), 'the held poll was cut').toHaveLength(1);
  await waitForText(c.w.status, /Reconnecting/, 6000);
  for (const text of during) await c.agent.send(c.chatId, text);
  const failures = () => c.polls.failedAt.length - failedBefore;
  await eventually(async () => (failures() >= FAILURES_TO_LONG_BACKOFF ? true : undefined), 30_000, `${FAILURES_TO_LONG_BACKOFF} failed polls`);
  // Nothing came through the outage: the drop is real.
  expect(await c.w.agentMessages.filter({ hasText: during[0] ?? '' }).count()).toBe(0);
  return c.polls.failedAt.at(-1) ?? 0;
}

/** The agent's messages shown in the widget, in order. */
async function agentTexts(c: Awaited<ReturnType<typeof chatting>>): Promise<string[]> {
  return (await c.w.agentMessages.allTextContents()).map((t) => t.trim().replace(/^Alex Agent: /, ''));
}

describe('chat widget when the network comes back', () => {
  it('polls at once on `online`: what the agent sent during the outage shows within 3 s, once, in order; no poll is doubled; the listeners go with the chat', async () => {
    const c = await chatting('Olive Online');
    await c.agent.send(c.chatId, 'Before the outage.');
    await waitForText(c.w.agentMessages, /Before the outage\./);

    // `online` while a poll is held (Chromium's offline mode leaves it running): it is
    // replaced, never doubled (no 409 reaches the page).
    await eventually(async () => (suite.proxy.open(isHeldPoll).length > 0 ? true : undefined), 5000, 'a held poll');
    await c.page.context().setOffline(true);
    await c.page.context().setOffline(false);
    await c.page.waitForTimeout(1500);

    const lastFailure = await outageUntilLongBackoff(c, true, ['Sent during the outage.', 'And a second one.']);
    // The network is back, and the browser says so.
    suite.proxy.up();
    const onlineAt = Date.now();
    await c.page.context().setOffline(false);
    expect(onlineAt - lastFailure, 'the backoff had barely started: its next try is still ≥ 6.5 s away').toBeLessThan(1_000);
    await waitForText(c.w.agentMessages, /And a second one\./, 20_000);
    const tookMs = Date.now() - onlineAt;
    expect(tookMs, `shown ${tookMs} ms after online (the backoff's next try was ≥ ${LONG_BACKOFF_AT_LEAST_MS - (onlineAt - lastFailure)} ms away)`).toBeLessThan(PROMPTLY_MS);
    await waitForText(c.w.status, /chatting with Alex Agent/, 5_000);

    await c.agent.send(c.chatId, 'After the outage.');
    await waitForText(c.w.agentMessages, /After the outage\./);
    await c.page.waitForTimeout(1500); // room for a re-delivery to (wrongly) show twice
    expect(await agentTexts(c)).toEqual(['Before the outage.', 'Sent during the outage.', 'And a second one.', 'After the outage.']);
    expect(c.polls.statuses.filter((s) => s === 409), 'two polls of the page were open at once').toEqual([]);

    // While the chat runs the widget listens for `online`; once it ends, no longer (nor for the page's visibility).
    expect(count(await listenerTypes(c.page, 'window'), 'online')).toBe(count(c.idle.window, 'online') + 1);
    await c.agent.end(c.chatId);
    await waitForText(c.w.status, /The chat has ended/);
    expect(count(await listenerTypes(c.page, 'window'), 'online')).toBe(count(c.idle.window, 'online'));
    expect(count(await listenerTypes(c.page, 'document'), 'visibilitychange')).toBe(count(c.idle.document, 'visibilitychange'));
  });

  it('polls at once when the page is shown again while the connection is lost', async () => {
    const c = await chatting('Vic Visible');
    // Only the wire is cut here: Chromium stays online, and no `online` event comes.
    const lastFailure = await outageUntilLongBackoff(c, false, ['Sent while you were away.']);
    suite.proxy.up();
    // Headless Chromium never hides a page, so the tab switch is played by the page itself:
    // the document says hidden, then visible, each time with its event.
    const shownAt = Date.now();
    await c.page.evaluate(`(() => {
      for (const state of ['hidden', 'visible']) {
        Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }
    })()`);
    expect(shownAt - lastFailure).toBeLessThan(1_000);
    await waitForText(c.w.agentMessages, /Sent while you were away\./, 20_000);
    const tookMs = Date.now() - shownAt;
    expect(tookMs, `shown ${tookMs} ms after the page was shown again`).toBeLessThan(PROMPTLY_MS);
    await c.page.waitForTimeout(1500);
    expect(await agentTexts(c)).toEqual(['Sent while you were away.']);
    expect(c.polls.statuses.filter((s) => s === 409)).toEqual([]);
    // While the chat runs, the widget listens for the page's visibility once more than before it.
    expect(count(await listenerTypes(c.page, 'document'), 'visibilitychange')).toBe(count(c.idle.document, 'visibilitychange') + 1);
    await c.agent.end(c.chatId);
    await waitForText(c.w.status, /The chat has ended/);
  });

  it('replaces a poll held on a silently dead connection on `online`: the message it swallowed shows at once, once', async () => {
    const c = await chatting('Dana Dead');
    await c.agent.send(c.chatId, 'Before the change.');
    await waitForText(c.w.agentMessages, /Before the change\./);
    // A poll just sent, so the server holds it (2 s) while the agent writes.
    const fresh = (x: ProxiedConnection): boolean => isHeldPoll(x) && Date.now() - x.lastRequestAt < 1_000;
    await eventually(async () => (suite.proxy.open(fresh).length > 0 ? true : undefined), 5000, 'a fresh held poll');
    // The network changes under it with no reset: the connection is silently dead.
    const [dead] = suite.proxy.freeze(fresh);
    expect(dead, 'the held poll froze').toBeDefined();
    await c.agent.send(c.chatId, 'Swallowed by the dead connection.');
    await eventually(async () => (dead?.swallowed.includes('Swallowed by the dead connection.') ? true : undefined), 5000, 'the server answering the dead poll');
    await c.page.waitForTimeout(500);
    expect(await agentTexts(c)).toEqual(['Before the change.']);

    // The browser reports the network back (a new address, say).
    await c.page.context().setOffline(true);
    const onlineAt = Date.now();
    await c.page.context().setOffline(false);
    await waitForText(c.w.agentMessages, /Swallowed by the dead connection\./, 10_000);
    const tookMs = Date.now() - onlineAt;
    expect(tookMs, `shown ${tookMs} ms after online (the dead poll's own timeout is 50 s)`).toBeLessThan(PROMPTLY_MS);
    expect(dead?.closedBy, 'the page let go of the dead poll').toBe('browser');

    await c.agent.send(c.chatId, 'After the change.');
    await waitForText(c.w.agentMessages, /After the change\./);
    await c.page.waitForTimeout(1500); // room for a re-delivery to (wrongly) show twice
    expect(await agentTexts(c)).toEqual(['Before the change.', 'Swallowed by the dead connection.', 'After the change.']);
    expect(c.polls.statuses.filter((st) => st === 409), 'two polls of the page were open at once').toEqual([]);
    await waitForText(c.w.status, /chatting with Alex Agent/, 1_000);
    suite.proxy.cut((x) => x === dead);
    await c.agent.end(c.chatId);
    await waitForText(c.w.status, /The chat has ended/);
  });

  it('sends a message in flight on a dead connection again on `online`: the agent has it once, in order', async () => {
    const c = await chatting('Seb Send');
    const visitorTexts = async (): Promise<string[]> =>
      (await c.agent.events(c.chatId)).filter((e) => e.type === 'ChasitorChatMessage').map((e) => String(e.data['text']));
    // The network changes under the visitor's next message once the server has it: the
    // server applies it and answers into a connection the browser no longer hears.
    const frozen = suite.proxy.freezeNext((x) => /\/Chasitor\/ChatMessage$/.test(lastRequest(x)), { reachServer: true });
    await c.w.input.fill('Sent as the network changed');
    await c.w.input.press('Enter');
    const dead = await frozen;
    await c.w.input.fill('Typed after it');
    await c.w.input.press('Enter');
    await eventually(async () => (dead.swallowed.startsWith('HTTP/1.1 200') ? true : undefined), 5000, 'the server answering the dead send');
    await c.page.waitForTimeout(500);
    // The outbox sends one at a time: the second message waits behind the dead one.
    expect(await visitorTexts()).toEqual(['Sent as the network changed']);

    await c.page.context().setOffline(true);
    const onlineAt = Date.now();
    await c.page.context().setOffline(false);
    await eventually(async () => ((await visitorTexts()).includes('Typed after it') ? true : undefined), 10_000, 'the message typed after it');
    const tookMs = Date.now() - onlineAt;
    expect(tookMs, `sent ${tookMs} ms after online (the dead send's own limit is 30 s)`).toBeLessThan(PROMPTLY_MS);
    expect(dead.closedBy, 'the page let go of the dead send').toBe('browser');
    await c.page.waitForTimeout(1500); // room for a repeat to (wrongly) be applied
    expect(await visitorTexts()).toEqual(['Sent as the network changed', 'Typed after it']);
    await waitForText(c.w.status, /chatting with Alex Agent/, 1_000);
    suite.proxy.cut((x) => x === dead);
    await c.agent.end(c.chatId);
    await waitForText(c.w.status, /The chat has ended/);
  });
});
