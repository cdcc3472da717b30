/**
 * The widget taken out of the page, in real Chromium against the real server
 * (through the cuttable proxy, to see every connection): a host page that
 * removes `<switchboard-chat>` (a single-page app re-rendering its body, say),
 * or calls `SwitchboardWidget.destroy()`, ends the widget for good:
 *
 * - its listeners on `window` and `document` (`pagehide`, `visibilitychange`,
 *   `online`) and its availability timer go;
 * - the held poll is let go of and no request follows, not even while the
 *   widget was still restoring a saved chat when it was removed;
 * - the chat itself is not ended: it is saved as on `pagehide`, and a widget
 *   added to the tab again continues it (the removed one no longer claims it).
 *
 * Needs `npm run build` (server and widget builds).
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from './agent-api.js';
import { BOT_GREETING, browserConfig, IDS } from './browser-server.js';
import { isHeldPoll } from './cuttable-proxy.js';
import { listenerTypes, useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

/** Longer than the server's hold (2 s): a widget still polling would have polled again. */
const QUIET_MS = 3_500;
const GREETING = new RegExp(BOT_GREETING.slice(0, 20));
/** The widget's global listeners, and the page's own (none of these types on the demo page). */
const GLOBAL_TYPES = ['pagehide', 'visibilitychange', 'online'];

const suite = useWidgetSuite(browserConfig, { proxy: true, needsWidgetBuild: true });

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`--- connections ---\n${suite.proxy.describe()}`);
});

/**
 * A page of the demo site, through the proxy, with every request it sends to the server
 * recorded and the intervals it keeps running counted (`setInterval` watched from the start).
 */
async function newPage() {
  const context = await suite.newContext();
  await context.addInitScript(`(() => {
    const running = new Set(), set = window.setInterval.bind(window), clear = window.clearInterval.bind(window);
    window.setInterval = (...a) => { const id = set(...a); running.add(id); return id; };
    window.clearInterval = (id) => { running.delete(id); clear(id); };
    window.__intervals = () => running.size;
  })()`);
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  const requests: Array<{ url: string; at: number }> = [];
  page.on('request', (r) => { if (r.url().startsWith(suite.proxy.baseUrl) && r.url().includes('/chat/rest/')) requests.push({ url: r.url(), at: Date.now() }); });
  return { page, requests, since: (t: number) => requests.filter((r) => r.at >= t).map((r) => r.url.replace(/^.*\/chat\/rest\//, '')) };
}

/** How many listeners of the widget's global types are on `window` and `document`. */
async function globalListeners(page: Page): Promise<Record<string, number>> {
  const types = [...(await listenerTypes(page, 'window')), ...(await listenerTypes(page, 'document'))];
  return Object.fromEntries(GLOBAL_TYPES.map((t) => [t, types.filter((x) => x === t).length]));
}

const NONE = Object.fromEntries(GLOBAL_TYPES.map((t) => [t, 0]));

/** Adds the widget's script to the page again, as the demo page does. */
function addWidget(page: Page): Promise<void> {
  return page.evaluate(`(() => {
    const s = document.createElement('script');
    s.src = '/widget.js';
    Object.assign(s.dataset, { org: '${IDS.org}', deployment: '${IDS.deployment}', button: '${IDS.botButton}', title: 'Chat with us' });
    document.body.appendChild(s);
  })()`);
}

/** A chat with the demo bot in a new page, one message echoed. */
async function chatWithBot(text: string) {
  const p = await newPage();
  await p.page.goto(`${suite.proxy.baseUrl}/?button=bot`);
  const w = widgetOf(p.page);
  await waitForText(w.status, /We are online/, 10_000, 'attached');
  await w.launcher.click();
  await waitForText(w.agentMessages, GREETING);
  await w.input.fill(text);
  await w.input.press('Enter');
  await waitForText(w.agentMessages, new RegExp(`${text}$`));
  return { ...p, w };
}

describe('chat widget taken out of the page', () => {
  it('removing it ends the widget: no listener, timer or request is left; a widget added again continues the chat', async () => {
    const { page, w, since } = await chatWithBot('before the removal');
    // While the chat runs, the widget listens on the page (and the chat for `online`).
    const running = await globalListeners(page);
    expect(running['pagehide']).toBeGreaterThan(0);
    expect(running['online']).toBeGreaterThan(0);
    expect(await page.evaluate('window.__intervals()')).toBeGreaterThan(0);
    await eventually(async () => (suite.proxy.open(isHeldPoll).length > 0 ? true : undefined), 5000, 'a held poll');
    const [held] = suite.proxy.open(isHeldPoll);

    const removedAt = Date.now();
    await page.evaluate(`document.querySelector('switchboard-chat').remove()`);
    expect(await globalListeners(page)).toEqual(NONE);
    expect(await page.evaluate('window.__intervals()'), 'the availability timer runs on').toBe(0);
    await eventually(async () => (held?.closedBy === 'browser' ? true : undefined), 2000, 'the held poll let go of');
    await page.waitForTimeout(QUIET_MS);
    expect(since(removedAt), 'requests of the removed widget').toEqual([]);

    // The chat was not ended: a widget added to the tab again goes on with it.
    const addedAt = Date.now();
    await addWidget(page);
    await waitForText(w.status, /chatting with Demo Bot/);
    expect(await w.agentMessages.filter({ hasText: /before the removal$/ }).count()).toBe(1);
    expect(since(addedAt).filter((u) => u.startsWith('System/SessionId')), 'a new session').toEqual([]);
    await w.input.fill('after the removal');
    await w.input.press('Enter');
    await waitForText(w.agentMessages, /after the removal$/);
    await page.waitForTimeout(500); // room for a duplicate to show up
    expect(await w.agentMessages.filter({ hasText: /after the removal$/ }).count()).toBe(1);
    expect(await w.agentMessages.filter({ hasText: GREETING }).count()).toBe(1);

    // The page's own way to end it: SwitchboardWidget.destroy() takes the element out too.
    const destroyedAt = Date.now();
    await page.evaluate('SwitchboardWidget.destroy()');
    expect(await page.locator('switchboard-chat').count()).toBe(0);
    expect(await globalListeners(page)).toEqual(NONE);
    expect(await page.evaluate('window.__intervals()')).toBe(0);
    await page.waitForTimeout(QUIET_MS);
    expect(since(destroyedAt)).toEqual([]);
  });

  it('a widget removed while it restores a saved chat never polls', async () => {
    const { page, since } = await chatWithBot('before the reload');
    // On the next load the widget is taken out as soon as it is in the page: it is then
    // still reading the button's settings, before it resumes the saved chat.
    await page.context().addInitScript(`new MutationObserver((records, observer) => {
      const host = document.querySelector('switchboard-chat');
      if (!host) return;
      observer.disconnect();
      host.remove();
    }).observe(document, { childList: true, subtree: true })`);
    const reloadedAt = Date.now();
    await page.reload();
    await page.waitForTimeout(QUIET_MS);
    expect(await page.locator('switchboard-chat').count()).toBe(0);
    expect(since(reloadedAt).filter((u) => u.startsWith('System/Messages')), 'polls of the removed widget').toEqual([]);
    expect(await globalListeners(page)).toEqual(NONE);
    expect(await page.evaluate('window.__intervals()')).toBe(0);
    // The chat is still saved for a widget that comes back.
    expect(await page.evaluate(`sessionStorage.getItem('switchboard-chat:${IDS.org}:${IDS.deployment}:${IDS.botButton}')`)).not.toBeNull();
  });
});
