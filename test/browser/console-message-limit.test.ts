/**
 * Over-long agent messages, in a real browser. The composer takes at most the
 * documented default `maxMessageLength` (4000; the console cannot read the
 * server's setting), and a message the server refuses with a 4xx (here a
 * server configured with a lower limit) is shown as not sent with the server's
 * reason and no Retry: sending it again could never succeed.
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
  it('the composer stops at 4000 characters; a message the server refuses offers no Retry', async () => {
    await setPresence(alex.page, 'Online');
    await v.request();
    await alex.page.getByRole('article', { name: `Chat offer from ${v.name}` }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    const panel = chat(alex.page, v.name);
    const box = panel.getByRole('textbox');
    expect(await box.getAttribute('maxlength')).toBe('4000');
    await box.fill('x'.repeat(5000));
    expect((await box.inputValue()).length).toBe(4000);

    // This server allows 100: the 4000 characters are refused with a 400.
    await box.press('Enter');
    const failed = panel.getByRole('log').locator('.msg.failed');
    await failed.waitFor();
    expect(await failed.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    await alex.page.getByRole('status').filter({ hasText: `Message not sent: Message text too long: 4000 > ${LIMIT}` }).waitFor();
    // The chat goes on: a message within the limit arrives.
    await box.fill('A shorter answer');
    await box.press('Enter');
    await v.waitFor('the shorter message', (m) => m.type === 'ChatMessage' && m.message['text'] === 'A shorter answer');
    // Refused at the 400: nothing of the long message reached the visitor.
    expect(v.received.some((m) => m.type === 'ChatMessage' && String(m.message['text']).startsWith('xxx'))).toBe(false);
  });
});
