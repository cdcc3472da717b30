/**
 * What the console's live regions tell a screen reader, each thing once (test/browser/live-regions.ts
 * records it): the agent's own message is told once, not once "sending…" and again sent.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chat, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { acceptedChat, PollingVisitor } from './console-visitor.js';
import { recordSpoken, timesSpoken } from './live-regions.js';

const server = new ConsoleTestServer();
let alex: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1 }, (c) => ({ alex } = c), { online: 'alex' });

/** Waits until `text` was told once, then checks it was told once only (a second telling comes with the first's change). */
async function toldOnce(page: Page, text: string): Promise<void> {
  await expect.poll(() => timesSpoken(page, text), { message: `"${text}" told` }).toBeGreaterThan(0);
  expect(await timesSpoken(page, text), `"${text}" told once`).toBe(1);
}

/** A chat `name` the agent accepted (the only agent online). */
async function accepted(name: string): Promise<PollingVisitor> {
  const v = new PollingVisitor(server, name);
  visitors.push(v);
  await acceptedChat(alex.page, v);
  return v;
}

/** The visitor ends the chat and the agent closes its panel: the next test starts at load 0. */
async function done(v: PollingVisitor): Promise<void> {
  await v.post('Chasitor/ChatEnd', { reason: 'client' });
  const panel = chat(alex.page, v.name);
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect.poll(() => panel.count()).toBe(0);
}

describe('console: what screen readers are told', () => {
  it('the agent\'s own message is told once, not once "sending…" and again once sent', async () => {
    const page = alex.page;
    const v = await accepted('Sid Sender');
    await recordSpoken(page);
    const panel = chat(page, v.name);
    const box = panel.getByRole('textbox', { name: `Message to ${v.name}` });
    await box.fill('The agent answers');
    await box.press('Enter');
    await v.waitFor('the agent\'s answer', (m) => m.type === 'ChatMessage' && m.message['text'] === 'The agent answers');
    await expect.poll(() => panel.getByRole('log').locator('.pending').count()).toBe(0);
    await v.say('The visitor again');
    await toldOnce(page, 'The visitor again');
    expect(await timesSpoken(page, 'The agent answers'), 'the agent\'s own message told').toBe(1);
    expect(await panel.getByRole('log').locator('.msg.agent .text').allTextContents()).toEqual(['The agent answers']);
    await done(v);
  });
});
