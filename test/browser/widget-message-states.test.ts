/**
 * What became of each visitor message, in real Chromium against the real server
 * (settings.maxMessageLength 200):
 *
 * - the message box takes the server's limit from GET /widget/v1/config: a longer
 *   paste is kept whole (never cut), a line under the box says the limit (and is
 *   announced), and Enter does not send it;
 * - against a server that does not say its limit (the config endpoint answers 404,
 *   as another Live Agent server's would), a message the server refuses (400
 *   MESSAGE_TOO_LONG) is marked "Not sent" with the reason, which screen readers
 *   hear, and its text goes back into the box;
 * - a message sent during a network outage shows "Sending…"; when the chat ended
 *   meanwhile (the agent ended it), it says "Not delivered" once the network is back;
 * - while the browser is offline the status line never says the connection is back, even
 *   when a poll that was in flight as the network went ends well (Chromium lets it finish,
 *   ADR 0025); back online it does, and the message sent meanwhile goes out.
 *
 * Needs `npm run build` (server and widget builds).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, TestAgent } from './agent-api.js';
import { isHeldPoll } from './cuttable-proxy.js';
import { widgetConsoleConfig } from './widget-console-server.js';
import { recordAnnouncements, useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

const LIMIT = 200;
const suite = useWidgetSuite(() => {
  const config = widgetConsoleConfig() as { settings: object };
  config.settings = { ...config.settings, maxMessageLength: LIMIT };
  return config;
}, { proxy: true, needsWidgetBuild: true });
let agent: TestAgent | undefined;

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`--- connections ---\n${suite.proxy.describe()}`);
  suite.proxy.up();
  agent?.closeStream();
  await agent?.presence('offline').catch(() => undefined);
  agent = undefined;
});

/** A visitor page (through the proxy) chatting with Alex Agent; `configAnswers404`: the widget's config endpoint is missing. */
async function chatting(name: string, configAnswers404 = false) {
  agent = new TestAgent(suite.server.baseUrl);
  await agent.login('agent', 'agent-demo');
  await agent.openStream();
  await agent.presence('online');
  const page = await (await suite.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  if (configAnswers404) await page.route('**/widget/v1/config?*', (route) => route.fulfill({ status: 404, body: 'Not Found' }));
  await page.goto(`${suite.proxy.baseUrl}/?button=human`);
  const w = widgetOf(page);
  await waitForText(w.status, /We are online/, 10_000, 'attached');
  const heard = await recordAnnouncements(page);
  await w.launcher.click();
  await w.host.getByLabel('Your name (required)').fill(name);
  await w.host.getByLabel('Email (required)').fill('visitor@example.com');
  await w.host.getByRole('button', { name: 'Start chat' }).click();
  const a = agent;
  const chat = await eventually(async () => (await a.chats()).find((c) => c.visitorName === name), 10_000, 'the offer');
  await a.accept(chat.chatId);
  await waitForText(w.status, /chatting with Alex Agent/);
  const visitorTexts = async (): Promise<string[]> => (await a.events(chat.chatId)).filter((e) => e.type === 'ChasitorChatMessage').map((e) => String(e.data.text));
  return { page, w, heard, chatId: chat.chatId, agent: a, visitorTexts };
}

describe('the visitor’s messages: limit, refusal, outage', () => {
  it('keeps a paste longer than the server’s limit whole, says the limit and does not send it', async () => {
    const c = await chatting('Lena Long');
    const limitLine = c.w.host.locator('.limit');
    await c.w.input.fill('L'.repeat(300));
    expect((await c.w.input.inputValue()).length, 'the box cut the paste').toBe(300);
    await waitForText(limitLine, new RegExp(`^A message can have at most ${LIMIT} characters\\.$`));
    expect(await c.w.input.getAttribute('aria-invalid')).toBe('true');
    await c.w.input.press('Enter');
    await c.page.waitForTimeout(500);
    expect(await c.w.host.locator('.msg.me').count(), 'a message over the limit was shown as sent').toBe(0);
    expect((await c.w.input.inputValue()).length).toBe(300);
    expect(await c.heard()).toContain(`A message can have at most ${LIMIT} characters.`);

    await c.w.input.fill('Short enough now');
    await expect.poll(() => limitLine.isHidden()).toBe(true);
    await c.w.input.press('Enter');
    await eventually(async () => ((await c.visitorTexts()).includes('Short enough now') ? true : undefined), 5000, 'the short message');
    const mine = c.w.host.locator('.msg.me');
    await expect.poll(() => mine.textContent()).toBe('You: Short enough now');
  });

  it('marks a message the server refused as not sent, says why, and puts its text back', async () => {
    // As against a server without GET /widget/v1/config: the widget does not know the limit.
    const c = await chatting('Rolf Refused', true);
    const long = 'R'.repeat(300);
    await c.w.input.fill(long);
    await c.w.input.press('Enter');
    const mine = c.w.host.locator('.msg.me');
    const why = `Not sent. A message can have at most ${LIMIT} characters.`;
    await waitForText(mine.locator('.state'), new RegExp(`^${why.replace(/\./g, '\\.')}$`));
    expect(await mine.getAttribute('data-state')).toBe('failed');
    expect(await c.heard(), 'screen readers were not told').toContain(why);
    // Not lost: back in the box, and the limit the server named is the box's now.
    expect(await c.w.input.inputValue()).toBe(long);
    await waitForText(c.w.host.locator('.limit'), /at most 200 characters/);
    expect(await c.visitorTexts()).toEqual([]);
  });

  it('shows a message sent during an outage as sending, and as not delivered when the chat ended meanwhile', async () => {
    const c = await chatting('Otto Outage');
    await c.page.context().setOffline(true);
    suite.proxy.down();
    await waitForText(c.w.status, /Reconnecting/, 8000);
    await c.w.input.fill('Important: please refund order 555');
    await c.w.input.press('Enter');
    const mine = c.w.host.locator('.msg.me');
    await waitForText(mine.locator('.state'), /^Sending…$/, 5000);
    expect(await mine.getAttribute('data-state')).toBe('sending');

    await c.agent.end(c.chatId);
    await c.page.context().setOffline(false);
    suite.proxy.up();
    await waitForText(c.w.status, /The chat has ended/, 15_000);
    await waitForText(mine.locator('.state'), /^Not delivered: the chat had ended\.$/, 5000);
    expect(await mine.getAttribute('data-state')).toBe('failed');
    expect(await c.heard()).toContain('Not delivered: the chat had ended.');
    expect(await c.visitorTexts()).toEqual([]);
  });

  it('does not say the connection is back while the browser is offline, though a poll in flight ends well', async () => {
    const c = await chatting('Nina Network');
    await eventually(async () => (suite.proxy.open(isHeldPoll).length > 0 ? true : undefined), 5000, 'a held poll');
    const before = (await c.heard()).length;
    await c.page.context().setOffline(true);
    // Fails at once (offline); the held poll still ends well after it.
    await c.w.input.fill('Sent while offline');
    await c.w.input.press('Enter');
    await waitForText(c.w.status, /Reconnecting/, 5000);
    await c.page.waitForTimeout(3000);
    const whileOffline = (await c.heard()).slice(before);
    expect(whileOffline.filter((t) => t.startsWith('You are chatting')), `heard while offline: ${whileOffline.join(' | ')}`).toEqual([]);
    expect(await c.w.status.textContent()).toBe('Connection lost. Reconnecting…');

    await c.page.context().setOffline(false);
    await waitForText(c.w.status, /^You are chatting with Alex Agent\.$/, 5000);
    await eventually(async () => ((await c.visitorTexts()).includes('Sent while offline') ? true : undefined), 5000, 'the message sent while offline');
    await expect.poll(() => c.w.host.locator('.msg.me').getAttribute('data-state')).toBe(null);
  });
});
