/**
 * What the widget's live regions tell a screen reader (test/browser/live-regions.ts records it, in
 * the widget's shadow root too), in real Chromium against the real server:
 *
 * - the agent typing is told once when it starts ("Alex Agent is typing…", a polite status), not
 *   again for each AgentTyping the server sends while it goes on, nor when it stops;
 * - each new message is told once, its author apart from its text ("Alex Agent: …", "You: …");
 * - a reload (or another page of the site) fills the restored log in quietly: none of the history is
 *   told again, with the panel open or minimized and then opened; what comes after is told, once.
 *
 * Needs `npm run build` (server and widget builds).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, useOnlineAgents, type TestAgent } from './agent-api.js';
import { BOT_GREETING, browserConfig } from './browser-server.js';
import { recordSpokenFromStart, spoken, timesSpoken } from './live-regions.js';
import { useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

const suite = useWidgetSuite(browserConfig, { needsWidgetBuild: true });
const onlineAgent = useOnlineAgents(() => suite.server.baseUrl);
const AGENT = { username: 'agent', password: 'agent-demo' };

/** A new tab recording what is told from the start of every page it loads, on the demo page of `button`. */
async function demoPage(button: 'bot' | 'human'): Promise<{ page: Page; w: ReturnType<typeof widgetOf> }> {
  const page = await (await suite.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  await recordSpokenFromStart(page);
  await page.goto(`${suite.server.baseUrl}/?button=${button}`);
  const w = widgetOf(page);
  await waitForText(w.status, /We are online/, 10_000, 'attached');
  return { page, w };
}

/** Waits until `text` was told, then checks it was told once only. */
async function toldOnce(page: Page, text: string | RegExp): Promise<void> {
  await expect.poll(() => timesSpoken(page, text), { message: `"${String(text)}" told` }).toBeGreaterThan(0);
  await page.waitForTimeout(300); // room for a second telling
  expect(await timesSpoken(page, text), `"${String(text)}" told once; all told: ${JSON.stringify(await spoken(page))}`).toBe(1);
}

/** The visitor's page chatting with Alex Agent (the human button, played through the agent API). */
async function chattingWithAlex(name: string): Promise<{ page: Page; w: ReturnType<typeof widgetOf>; agent: TestAgent; chatId: string }> {
  const agent = await onlineAgent(AGENT);
  const { page, w } = await demoPage('human');
  await w.launcher.click();
  await w.host.getByLabel('Your name (required)').fill(name);
  await w.host.getByLabel('Email (required)').fill('visitor@example.com');
  await w.host.getByRole('button', { name: 'Start chat' }).click();
  const chat = await eventually(async () => (await agent.chats()).find((c) => c.visitorName === name), 10_000, 'the offer');
  await agent.accept(chat.chatId);
  await waitForText(w.status, /chatting with Alex Agent/);
  return { page, w, agent, chatId: chat.chatId };
}

describe('chat widget: what screen readers are told', () => {
  it('tells that the agent is typing once when it starts (a polite status), not for every AgentTyping, nor when it stops', async () => {
    const { page, w, agent, chatId } = await chattingWithAlex('Tess Typing');
    await agent.typing(chatId, true);
    await waitForText(w.typing, /Alex Agent is typing/);
    // The agent's console says so again while the agent goes on typing.
    await agent.typing(chatId, true);
    await agent.typing(chatId, true);
    await toldOnce(page, 'Alex Agent is typing…');
    expect((await spoken(page)).find((s) => s.text.includes('is typing'))?.politeness).toBe('polite');
    await agent.typing(chatId, false);
    await expect.poll(async () => (await w.typing.textContent())?.trim()).toBe('');
    await page.waitForTimeout(300);
    expect(await timesSpoken(page, /typing/), 'nothing more told when the typing stopped').toBe(1);

    // Typing again after it stopped, and again after the message that ended it: a new start each time.
    await agent.typing(chatId, true);
    await expect.poll(() => timesSpoken(page, 'Alex Agent is typing…')).toBe(2);
    await agent.send(chatId, 'Your order ships today.');
    await toldOnce(page, 'Your order ships today.');
    await expect.poll(async () => (await w.typing.textContent())?.trim()).toBe('');
    await agent.typing(chatId, true);
    await expect.poll(() => timesSpoken(page, 'Alex Agent is typing…')).toBe(3);
    await page.waitForTimeout(300);
    expect(await timesSpoken(page, /typing/)).toBe(3);
  });

  it('tells each new message once, its author apart from its text', async () => {
    const { page, w, agent, chatId } = await chattingWithAlex('Sam Separate');
    await agent.send(chatId, 'My order is late?');
    await toldOnce(page, 'My order is late?');
    await w.input.fill('It is.');
    await w.input.press('Enter');
    await toldOnce(page, 'It is.');
    // Minimized, a reply is told by the announcer outside the panel, as one sentence.
    await w.host.getByRole('button', { name: 'Minimize chat' }).click();
    await agent.send(chatId, 'Anything else?');
    await toldOnce(page, 'Anything else?');
    const told = (await spoken(page)).map((s) => s.text);
    expect(told).toContain('Alex Agent: My order is late?');
    expect(told).toContain('You: It is.');
    expect(told).toContain('New message from Alex Agent: Anything else?');
  });

  it('a reload fills the restored log in quietly: no history told again, with the panel open or opened later; what comes after is told once', async () => {
    const { page, w } = await demoPage('bot');
    await w.launcher.click();
    // A chat's first open: the greeting and each message told once.
    await toldOnce(page, BOT_GREETING);
    await w.input.fill('before the reload');
    await w.input.press('Enter');
    await waitForText(w.agentMessages, /before the reload$/);
    await expect.poll(() => timesSpoken(page, 'before the reload')).toBe(2); // the visitor's, the echo
    await page.waitForTimeout(300);
    expect(await timesSpoken(page, 'before the reload')).toBe(2);
    expect(await timesSpoken(page, BOT_GREETING)).toBe(1);

    // Reloaded with the panel open: the history comes back, none of it told.
    await page.reload();
    await w.panel.waitFor({ state: 'visible' });
    await waitForText(w.agentMessages, /before the reload$/);
    await expect.poll(() => w.log.getAttribute('aria-live')).toBe('polite');
    await page.waitForTimeout(300);
    expect(await timesSpoken(page, BOT_GREETING), `history told after the reload: ${JSON.stringify(await spoken(page))}`).toBe(0);
    expect(await timesSpoken(page, 'before the reload')).toBe(0);
    await w.input.fill('after the reload');
    await w.input.press('Enter');
    await expect.poll(() => timesSpoken(page, 'after the reload')).toBe(2);

    // Minimized, then reloaded, then opened: still nothing of the history.
    await w.host.getByRole('button', { name: 'Minimize chat' }).click();
    await page.reload();
    await waitForText(w.status, /chatting with Demo Bot/, 10_000, 'attached');
    await w.launcher.click();
    await w.panel.waitFor({ state: 'visible' });
    await page.waitForTimeout(300);
    expect(await timesSpoken(page, /reload/), `history told on the first open after the reload: ${JSON.stringify(await spoken(page))}`).toBe(0);
    await w.input.fill('once opened');
    await w.input.press('Enter');
    await expect.poll(() => timesSpoken(page, 'once opened')).toBe(2);
    await page.waitForTimeout(300);
    expect(await timesSpoken(page, 'once opened')).toBe(2);
  });
});
