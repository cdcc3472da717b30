/**
 * An agent's own message under sensitive data rules (ADR 0052), in a real browser: the console shows
 * the text as stored (masked), as the visitor and the transcript get it, as soon as the send is
 * answered, not the text as typed until a reload.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chat, launchChromium, login, openConsole, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { PollingVisitor } from './console-visitor.js';

const CARD = '4111 1111 1111 1111';
const MASKED = `Card on file: ${'*'.repeat(CARD.length)}, thanks`;
const server = new ConsoleTestServer({}, { sensitiveDataRules: [{ name: 'card-number', pattern: '\\b(?:\\d[ -]?){12,18}\\d\\b', appliesTo: 'agent' }] });
let browser: Browser;
let alex: ConsolePage;
let v: PollingVisitor;

beforeAll(async () => {
  await server.start();
  browser = await launchChromium();
  alex = await openConsole(browser, server.baseUrl);
  await login(alex.page, AGENT1.username, AGENT1.password);
  v = new PollingVisitor(server, 'Mia Masked');
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

describe('the agent\'s own message under a sensitive data rule', () => {
  it('shows masked in the console once sent, as the visitor gets it', async () => {
    await setPresence(alex.page, 'Online');
    await v.request();
    await alex.page.getByRole('article', { name: `Chat offer from ${v.name}` }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    const panel = chat(alex.page, v.name);
    const box = panel.getByRole('textbox');
    await box.fill(`Card on file: ${CARD}, thanks`);
    await box.press('Enter');
    await v.waitFor('the masked message', (m) => m.type === 'ChatMessage' && m.message['text'] === MASKED);
    const log = panel.getByRole('log');
    await log.locator('.msg:not(.pending)').filter({ hasText: MASKED }).waitFor();
    expect(await log.locator('.pending').count()).toBe(0);
    expect(await log.innerText()).not.toContain(CARD);
  });
});
