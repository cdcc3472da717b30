/**
 * The chat widget in a real browser (Debian's Chromium via playwright-core)
 * against the real server: the demo page, a chat with the demo bot, the offline
 * note, a chat with a human agent played through the agent API (pre-chat form,
 * queue position, typing both ways, sneak peek, network drops cut for real by
 * a TCP proxy between page and server (cuttable-proxy.ts), agent end),
 * a reload while chatting and while queued,
 * accessibility (axe-core), a 360 px phone screen and the bundle budget.
 * Screenshots go to docs/screenshots/widget-*.png.
 *
 * Needs `npm run build` and `npx vite build --config widget/vite.config.ts`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, TestAgent } from './agent-api.js';
import { BOT_GREETING, browserConfig, REPO_ROOT, startServer, type RunningServer } from './browser-server.js';
import { CuttableProxy, isHeldPoll, isVisitorPoll, lastRequest } from './cuttable-proxy.js';
import { axeWidget, focusedInWidget, launchChromium, serious, waitForText, widgetOf } from './widget-page.js';

const WIDGET_JS = join(REPO_ROOT, 'widget', 'dist', 'widget.js');
const SHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const BUDGET_GZIP_BYTES = 32 * 1024;

let server: RunningServer;
let proxy: CuttableProxy;
let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!existsSync(WIDGET_JS)) throw new Error(`${WIDGET_JS} not found: run \`npx vite build --config widget/vite.config.ts\``);
  mkdirSync(SHOTS, { recursive: true });
  [server, browser] = await Promise.all([startServer(browserConfig()), launchChromium()]);
  proxy = await CuttableProxy.start(server.baseUrl);
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await server?.dispose();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function newPage(viewport = { width: 1000, height: 760 }): Promise<Page> {
  context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.warn('[page console]', m.text()); });
  return page;
}

/** The links Chromium's accessibility tree exposes (not ignored), by name (Playwright's ariaSnapshot does not heed `inert`). */
async function pageLinksInAccessibilityTree(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    return nodes.filter((n) => !n.ignored && n.role?.value === 'link').map((n) => String(n.name?.value ?? ''));
  } finally {
    await cdp.detach();
  }
}

/** `via`: the origin the page (and so the widget) talks to: the server's, or the proxy's. */
async function openDemo(page: Page, button: 'bot' | 'human' | 'nobody', via = server.baseUrl): Promise<ReturnType<typeof widgetOf>> {
  await page.goto(`${via}/?button=${button}`);
  const w = widgetOf(page);
  await w.launcher.waitFor({ state: 'visible' });
  // The launcher renders before Visitor/Settings answers; wait for the settled state.
  await waitForText(w.status, /We are (online|offline)/, 10_000, 'attached');
  return w;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `widget-${name}.png`) });

describe('chat widget in Chromium', () => {
  it('the demo page loads, links to the console, and the launcher shows the bot as available', async () => {
    const page = await newPage();
    const w = await openDemo(page, 'bot');
    expect(await page.title()).toBe('Switchboard demo');
    expect(await page.locator('a[href="/console"]').count()).toBeGreaterThan(0);
    expect(await w.launcher.textContent()).toBe('Chat with us');
    expect(await w.launcher.getAttribute('data-offline')).toBeNull();
    expect(await w.launcher.getAttribute('aria-expanded')).toBe('false');
    expect(serious(await axeWidget(page))).toEqual([]);
    await shot(page, 'launcher');
  });

  it('has a full chat with the demo bot: greeting, echo, transcript download, end, keyboard focus', async () => {
    const page = await newPage();
    const w = await openDemo(page, 'bot');
    await w.launcher.focus();
    await page.keyboard.press('Enter');
    await w.panel.waitFor({ state: 'visible' });
    expect(await w.launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await focusedInWidget(page)).toMatch(/^textarea/);
    await waitForText(w.agentMessages, new RegExp(BOT_GREETING.slice(0, 20)));
    await waitForText(w.status, /chatting with Demo Bot/);

    await page.keyboard.type('hello bot');
    await page.keyboard.press('Enter');
    await waitForText(w.agentMessages, /^Demo Bot:?\s*hello bot$/);
    expect(await w.input.inputValue()).toBe('');
    // A line separator inside a message must not forge a timestamped line in the transcript file.
    await w.input.fill('real\u2028[00:00:00] You: forged\rsecond');
    await page.keyboard.press('Enter');
    await waitForText(w.agentMessages, /forged/);
    expect(serious(await axeWidget(page))).toEqual([]);
    await shot(page, 'chat-bot');

    const [download] = await Promise.all([page.waitForEvent('download'), w.saveButton.click()]);
    expect(download.suggestedFilename()).toMatch(/^chat-transcript-\d{4}-\d{2}-\d{2}\.txt$/);
    const text = readFileSync(await download.path(), 'utf8');
    expect(text).toContain(`Demo Bot: ${BOT_GREETING}`);
    expect(text).toContain('You: hello bot');
    expect(text).toContain('Demo Bot: hello bot');
    const viewerLines = text.split(/\r\n|[\r\n\u0085\u2028\u2029]/);
    expect(viewerLines.filter((l) => l.startsWith('[00:00:00]')), text).toEqual([]);
    expect(viewerLines.filter((l) => l.trim().startsWith('[00:00:00] You: forged'))).toHaveLength(2); // the visitor's and the echo, indented

    // End chat asks first; Escape there (or Keep chatting) keeps the chat and the panel open.
    await w.endButton.click();
    await w.endQuestion.waitFor({ state: 'visible' });
    expect(await w.endButton.getAttribute('aria-expanded')).toBe('true');
    expect(await focusedInWidget(page)).toMatch(/Keep chatting/);
    expect(serious(await axeWidget(page))).toEqual([]);
    await page.keyboard.press('Escape');
    await w.endQuestion.waitFor({ state: 'hidden' });
    expect(await w.panel.isVisible()).toBe(true);
    expect(await focusedInWidget(page)).toMatch(/End chat/);
    await w.endButton.click();
    await w.keepChatting.click();
    await w.endQuestion.waitFor({ state: 'hidden' });
    expect(await w.input.isVisible()).toBe(true);
    await w.input.fill('still chatting');
    await w.input.press('Enter');
    await waitForText(w.agentMessages, /still chatting$/);

    await w.endButton.click();
    await w.endYes.click();
    await waitForText(w.status, /You ended the chat/);
    expect(await w.input.isVisible()).toBe(false);
    expect(await w.endQuestion.isVisible()).toBe(false);
    expect(await focusedInWidget(page)).toMatch(/Download transcript/);
    await shot(page, 'ended');

    await page.keyboard.press('Escape');
    await w.panel.waitFor({ state: 'hidden' });
    expect(await focusedInWidget(page)).toMatch(/^button\.launch/);
  });

  it('a reload continues the chat: the same log, the same session, nothing repeated or lost', async () => {
    const page = await newPage();
    let w = await openDemo(page, 'bot');
    await w.launcher.click();
    await waitForText(w.agentMessages, new RegExp(BOT_GREETING.slice(0, 20)));
    await w.input.fill('before the reload');
    await w.input.press('Enter');
    await waitForText(w.agentMessages, /before the reload$/);

    await page.reload();
    w = widgetOf(page);
    // The panel comes back open, with the log as it was and the chat running.
    await w.panel.waitFor({ state: 'visible' });
    await waitForText(w.status, /chatting with Demo Bot/);
    expect(await w.agentMessages.filter({ hasText: /before the reload$/ }).count()).toBe(1);
    expect(await w.agentMessages.filter({ hasText: BOT_GREETING.slice(0, 20) }).count()).toBe(1);
    await w.input.fill('after the reload');
    await w.input.press('Enter');
    await waitForText(w.agentMessages, /after the reload$/);
    await page.waitForTimeout(500); // room for a duplicate to show up
    expect(await w.agentMessages.filter({ hasText: /after the reload$/ }).count()).toBe(1);
    expect(await w.agentMessages.filter({ hasText: /before the reload$/ }).count()).toBe(1);
    expect(await w.host.locator('.msg.me').filter({ hasText: 'after the reload' }).count()).toBe(1);

    // An ended chat is not brought back.
    await w.endButton.click();
    await w.endYes.click();
    await waitForText(w.status, /You ended the chat/);
    await page.reload();
    w = widgetOf(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    expect(await w.panel.isVisible()).toBe(false);
  });

  it('a reload while queued keeps the queue position (the server does not repeat an unchanged QueueUpdate)', async () => {
    const agent = new TestAgent(server.baseUrl);
    await agent.login('agent', 'agent-demo');
    await agent.presence('online');
    const page = await newPage();
    let w = await openDemo(page, 'human');
    await w.launcher.click();
    await w.host.getByLabel('Your name (required)').fill('Quinn Queued');
    await w.host.getByLabel('Email (required)').fill('quinn@example.com');
    await w.host.getByRole('button', { name: 'Start chat' }).click();
    // Offered to the agent, not accepted: first in line.
    await waitForText(w.status, /You are next in line \(position 1\)\./);
    const queued = await w.status.textContent();

    await page.reload();
    w = widgetOf(page);
    await w.panel.waitFor({ state: 'visible' });
    await waitForText(w.status, /next in line/);
    expect(await w.status.textContent()).toBe(queued);

    await w.endButton.click();
    await w.endYes.click();
    await waitForText(w.status, /You ended the chat/);
    await agent.presence('offline');
  });

  it('a duplicated tab (a copy of sessionStorage) leaves the chat to the first tab, which chats on', async () => {
    const page = await newPage();
    const w = await openDemo(page, 'bot');
    await w.launcher.click();
    await waitForText(w.agentMessages, new RegExp(BOT_GREETING.slice(0, 20)));
    await w.input.fill('from the first tab');
    await w.input.press('Enter');
    await waitForText(w.agentMessages, /from the first tab$/);

    // "Duplicate tab": a second page of the same browser starting with a copy of the first's sessionStorage.
    // (In the page: the root tsconfig has no DOM types, hence the casts.)
    type PageStorage = { sessionStorage: Record<string, string> & { setItem(k: string, v: string): void } };
    const stored = await page.evaluate(() => JSON.stringify(Object.entries((globalThis as unknown as PageStorage).sessionStorage)));
    const duplicate = await context!.newPage();
    await duplicate.addInitScript((entries: string) => {
      for (const [k, v] of JSON.parse(entries) as [string, string][]) (globalThis as unknown as PageStorage).sessionStorage.setItem(k, v);
    }, stored);
    const w2 = await openDemo(duplicate, 'bot');
    expect(await w2.panel.isVisible()).toBe(false);
    expect(await w2.agentMessages.count()).toBe(0);

    // The first tab's chat goes on, nothing lost to the duplicate.
    await w.input.fill('still the first tab');
    await w.input.press('Enter');
    await waitForText(w.agentMessages, /still the first tab$/);
    await page.waitForTimeout(500); // room for a duplicate to show up
    expect(await w.agentMessages.filter({ hasText: /still the first tab$/ }).count()).toBe(1);
  });

  it('shows the offline note when nobody can take the button', async () => {
    const page = await newPage();
    const w = await openDemo(page, 'nobody');
    expect(await w.launcher.textContent()).toMatch(/offline/);
    await w.launcher.click();
    await w.offlineNote.waitFor({ state: 'visible' });
    expect(await w.input.isVisible()).toBe(false);
    expect(serious(await axeWidget(page))).toEqual([]);
    await shot(page, 'offline');
  });

  it('a server unreachable at page load: says so, retries, and then shows the required form instead of skipping it', async () => {
    const agent = new TestAgent(server.baseUrl);
    await agent.login('agent', 'agent-demo');
    await agent.presence('online');
    const page = await newPage();
    await page.route('**/chat/rest/Visitor/**', (route) => route.abort());
    await page.goto(`${server.baseUrl}/?button=human`);
    const w = widgetOf(page);
    await w.launcher.waitFor({ state: 'visible' });
    await waitForText(w.status, /Connecting to the chat service/, 10_000, 'attached');
    await w.launcher.click();
    await waitForText(w.host.locator('.body p').first(), /cannot be reached/);
    expect(await w.input.isVisible()).toBe(false);
    await page.unroute('**/chat/rest/Visitor/**');
    // Retried within seconds (not the 30 s availability refresh), and no chat was started meanwhile.
    const name = w.host.getByLabel('Your name (required)');
    await name.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await w.input.isVisible()).toBe(false);

    // Keys typed in the widget stay in the widget: a host page's "/" shortcut does not fire.
    await page.evaluate("window.__hostKeys = []; document.addEventListener('keydown', (e) => window.__hostKeys.push(e.key))");
    await name.pressSequentially('Ann/Lee');
    expect(await name.inputValue()).toBe('Ann/Lee');
    expect(await page.evaluate('window.__hostKeys')).toEqual([]);
    await agent.presence('offline');
  });

  it('chats with a human agent: pre-chat form, queue position, typing both ways, sneak peek, network drops, agent end', async () => {
    const agent = new TestAgent(server.baseUrl);
    await agent.login('agent', 'agent-demo');
    await agent.presence('online');
    const page = await newPage();
    // The page reaches the server through the proxy (the agent does not): its drops are the widget's.
    const w = await openDemo(page, 'human', proxy.baseUrl);
    await w.launcher.click();

    // Pre-chat form from the button's config; required fields are checked before anything is sent.
    const name = w.host.getByLabel('Your name (required)');
    await name.waitFor({ state: 'visible' });
    expect(await focusedInWidget(page)).toMatch(/^input/);
    await w.host.getByRole('button', { name: 'Start chat' }).click();
    await waitForText(w.host.getByRole('alert'), /required/);
    expect(serious(await axeWidget(page))).toEqual([]);
    await shot(page, 'prechat');
    await name.fill('Robin Visitor');
    await w.host.getByLabel('Email (required)').fill('robin@example.com');
    await w.host.getByLabel('Question').fill('Where is my order?');
    await w.host.getByRole('button', { name: 'Start chat' }).click();

    // Offered to the agent but not accepted yet: the visitor waits in the queue.
    await waitForText(w.status, /(next|number \d+) in line/);
    expect(await focusedInWidget(page)).toMatch(/^textarea/);
    await shot(page, 'queue');
    const chat = await eventually(async () => (await agent.chats()).find((c) => c.visitorName === 'Robin Visitor'), 10_000, 'the offer');
    const details = await agent.details(chat.chatId);
    expect(details.prechatDetails.map((d) => [d.label, d.value])).toEqual([
      ['Your name', 'Robin Visitor'], ['Email', 'robin@example.com'], ['Question', 'Where is my order?'],
    ]);
    await agent.accept(chat.chatId);
    await waitForText(w.status, /chatting with Alex Agent/);

    // Visitor typing: ChasitorTyping and the sneak peek reach the agent.
    await w.input.pressSequentially('Is it shipped', { delay: 40 });
    await eventually(async () => ((await agent.events(chat.chatId)).some((e) => e.type === 'ChasitorTyping') ? true : undefined), 5000, 'ChasitorTyping');
    await eventually(async () => ((await agent.details(chat.chatId)).sneakPeek?.text === 'Is it shipped' ? true : undefined), 5000, 'the sneak peek');

    // Agent typing shows in the widget, and goes away with the message.
    await agent.typing(chat.chatId, true);
    await waitForText(w.typing, /Alex Agent is typing/);
    await shot(page, 'typing');
    await agent.send(chat.chatId, 'Let me check that for you.');
    await waitForText(w.agentMessages, /Let me check that for you\./);
    expect((await w.typing.textContent())?.trim()).toBe('');

    await page.keyboard.press('Enter');
    await eventually(async () => {
      const events = await agent.events(chat.chatId);
      return events.some((e) => e.type === 'ChasitorChatMessage' && e.data.text === 'Is it shipped') && events.some((e) => e.type === 'ChasitorNotTyping') ? true : undefined;
    }, 5000, 'the visitor message and NotTyping');

    // Network drop, for real: the proxy cuts the page's connections, the held poll among them, and
    // refuses new ones for about 2 s; the agent writes once the widget noticed. (Chromium's offline
    // mode would leave a held poll running to its end.) The message arrives after recovery, once.
    await eventually(async () => (proxy.open(isHeldPoll).length > 0 ? true : undefined), 5000, 'a held poll');
    const droppedAt = Date.now();
    expect(proxy.down().filter(isHeldPoll), 'the held poll was cut').toHaveLength(1);
    await waitForText(w.status, /Reconnecting/, 6000);
    await shot(page, 'reconnecting');
    await agent.send(chat.chatId, 'It shipped yesterday.');
    await page.waitForTimeout(Math.max(500, droppedAt + 2000 - Date.now()));
    expect(await w.agentMessages.filter({ hasText: 'It shipped yesterday.' }).count()).toBe(0);
    proxy.up();
    await waitForText(w.agentMessages, /It shipped yesterday\./, 20_000);
    await waitForText(w.status, /chatting with Alex Agent/, 10_000);
    await page.waitForTimeout(1500);
    expect(await w.agentMessages.filter({ hasText: 'It shipped yesterday.' }).count()).toBe(1);

    // A poll's answer lost on the wire: the server answers with the agent's message and the
    // connection dies before it reaches the browser. The next poll acks only what arrived, so
    // the server sends the message again: it shows once.
    const lostPoll = proxy.cutWhenServerSends((c, chunk) => isVisitorPoll(c) && chunk.includes('Is there anything'));
    await agent.send(chat.chatId, 'Is there anything I can add?');
    await lostPoll;
    await waitForText(w.agentMessages, /Is there anything I can add\?/, 20_000);
    await page.waitForTimeout(1500);
    expect(await w.agentMessages.filter({ hasText: 'Is there anything I can add?' }).count()).toBe(1);

    // The answer to the visitor's message lost on the wire: it is sent again under the same
    // X-LIVEAGENT-SEQUENCE, and the server keeps one.
    const lostAnswer = proxy.cutWhenServerSends((c) => /\/Chasitor\/ChatMessage$/.test(lastRequest(c)));
    await w.input.fill('No, that is all');
    await w.input.press('Enter');
    await lostAnswer;
    const sent = async () => (await agent.events(chat.chatId)).filter((e) => e.type === 'ChasitorChatMessage' && e.data.text === 'No, that is all').length;
    await eventually(async () => ((await sent()) > 0 ? true : undefined), 10_000, 'the visitor message');
    await waitForText(w.status, /chatting with Alex Agent/, 10_000);
    await page.waitForTimeout(1500);
    expect(await sent()).toBe(1);

    // Minimized: a reply is announced outside the hidden panel and counted on the launcher.
    await w.host.getByRole('button', { name: 'Minimize chat' }).click();
    await w.panel.waitFor({ state: 'hidden' });
    await agent.send(chat.chatId, 'Anything else?');
    await waitForText(w.host.locator('.unread'), /^1 new$/);
    expect(await w.launcher.textContent()).toMatch(/1 new$/);
    await waitForText(w.host.locator('[role=status]:not(.status)'), /New message from Alex Agent: Anything else\?/, 10_000, 'attached');
    expect(serious(await axeWidget(page))).toEqual([]);
    await w.launcher.click();
    await w.panel.waitFor({ state: 'visible' });
    expect(await w.host.locator('.unread').isVisible()).toBe(false);
    await waitForText(w.agentMessages, /Anything else\?/);

    await agent.end(chat.chatId);
    await waitForText(w.status, /The chat has ended/);
    expect(await w.input.isVisible()).toBe(false);
    await agent.presence('offline');
  });

  it('works on a 360 px wide phone screen', async () => {
    const page = await newPage({ width: 360, height: 740 });
    const w = await openDemo(page, 'bot');
    await w.launcher.click();
    await waitForText(w.agentMessages, new RegExp(BOT_GREETING.slice(0, 20)));
    const box = await w.panel.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await w.input.fill('small screen');
    await w.input.press('Enter');
    await waitForText(w.agentMessages, /small screen/);
    expect(await w.host.getByRole('button', { name: 'Minimize chat' }).isVisible()).toBe(true);
    // It covers the page: modal to screen readers too (aria-modal, and the page behind it inert, so
    // nothing of the page is left in the accessibility tree), and given back as it was when minimized.
    expect(await w.panel.getAttribute('aria-modal')).toBe('true');
    expect(await page.evaluate(`document.querySelector('main').inert`)).toBe(true);
    expect(await pageLinksInAccessibilityTree(page), 'the page behind the panel is still reachable').toEqual([]);
    await w.host.getByRole('button', { name: 'Minimize chat' }).click();
    expect(await page.evaluate(`document.querySelector('main').inert`)).toBe(false);
    expect(await pageLinksInAccessibilityTree(page)).toContain('Chat with the demo bot');
    await w.launcher.click();
    expect(serious(await axeWidget(page))).toEqual([]);
    await shot(page, 'mobile-360');
    // Wider than a phone the panel is a corner of the page again: not modal.
    await page.setViewportSize({ width: 1000, height: 740 });
    await expect.poll(() => w.panel.getAttribute('aria-modal')).toBe(null);
    expect(await page.evaluate(`document.querySelector('main').inert`)).toBe(false);
  });

  it(`stays within the bundle budget (${BUDGET_GZIP_BYTES} bytes gzip)`, () => {
    const raw = readFileSync(WIDGET_JS);
    const gz = gzipSync(raw, { level: 9 }).length;
    console.info(`widget.js: ${raw.length} bytes, ${gz} bytes gzip (budget ${BUDGET_GZIP_BYTES})`);
    expect(gz).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });
});
