/**
 * Over-long agent messages, in a real browser. The composer takes at most the
 * server's `maxMessageLength` (here a server configured with 100; the agent API
 * tells it with the login), and a message the server refuses with a 4xx is
 * shown as not sent with the server's reason and no Retry: sending it again
 * could never succeed.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chat, launchChromium, login, openConsole, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { PollingVisitor } from './console-visitor.js';

const LIMIT = 100;
const server = new ConsoleTestServer({ maxMessageLength: LIMIT });
let browser: Browser;
let alex: ConsolePage;
let v: PollingVisitor;

beforeAll(async () => {
  await server.start();
  browser = await launchChromium();
  alex = await openConsole(browser, server.baseUrl);
  await login(alex.page, AGENT1.username, AGENT1.password);
  v = new PollingVisitor(server, 'Lena Long');
}, 60_000);

afterAll(async () => {
  await v?.stop();
  await browser?.close();
  await server.dispose();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  const text = await alex?.page.locator('body').innerText().catch(() => '(no page)');
  console.error(`--- alex console ---\n${text}\n${alex?.errors.join('\n') ?? ''}`);
});

describe('agent messages and the length limit', () => {
  it('the composer stops at the server\'s limit; a message the server refuses offers no Retry', async () => {
    await setPresence(alex.page, 'Online');
    await v.request();
    await alex.page.getByRole('article', { name: `Chat offer from ${v.name}` }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    const panel = chat(alex.page, v.name);
    const box = panel.getByRole('textbox');
    expect(await box.getAttribute('maxlength')).toBe(String(LIMIT));
    await box.fill('x'.repeat(5000));
    expect((await box.inputValue()).length).toBe(LIMIT);
    await box.press('Enter');
    await v.waitFor('the message at the limit', (m) => m.type === 'ChatMessage' && m.message['text'] === 'x'.repeat(LIMIT));

    // The server decides, whatever the page lets through (here the box without its limit).
    await box.evaluate((el) => el.removeAttribute('maxlength'));
    await box.fill('y'.repeat(LIMIT + 50));
    await box.press('Enter');
    const failed = panel.getByRole('log').locator('.msg.failed');
    await failed.waitFor();
    expect(await failed.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    await alex.page.getByRole('status').filter({ hasText: `Message not sent: Message text too long: ${LIMIT + 50} > ${LIMIT}` }).waitFor();
    // The chat goes on: a message within the limit arrives.
    await box.fill('A shorter answer');
    await box.press('Enter');
    await v.waitFor('the shorter message', (m) => m.type === 'ChatMessage' && m.message['text'] === 'A shorter answer');
    // Refused at the 400: nothing of the long message reached the visitor.
    expect(v.received.some((m) => m.type === 'ChatMessage' && String(m.message['text']).startsWith('yyy'))).toBe(false);
    // A reload signs in again from the saved session: the limit comes with it.
    await alex.page.reload();
    const again = chat(alex.page, v.name).getByRole('textbox');
    await again.waitFor();
    expect(await again.getAttribute('maxlength')).toBe(String(LIMIT));
  });
});
