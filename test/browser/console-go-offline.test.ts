/**
 * Offline hands every chat the agent holds back to the queue: one click on the presence switch
 * does not do it unasked. "Go offline?" says how many chats go; Cancel or Escape keeps the
 * presence (the switch shows it, the keyboard is on it); "Go offline" does it, and the chats say
 * "(you went offline)", not "(you were disconnected)". Away, which keeps the chats, is not asked.
 */
import { describe, expect, it } from 'vitest';
import { chat, expectFocused, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { acceptedChat, PollingVisitor } from './console-visitor.js';

const server = new ConsoleTestServer();
let alex: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1 }, (c) => ({ alex } = c), { online: 'alex' });

async function newVisitor(name: string): Promise<PollingVisitor> {
  const v = new PollingVisitor(server, name);
  visitors.push(v);
  return acceptedChat(alex.page, v);
}

describe('console: going offline while holding chats', () => {
  it('asks first; Escape and Cancel keep the chats and the presence; Away is not asked', async () => {
    const page = alex.page;
    const v = await newVisitor('Olga Offline');
    await newVisitor('Otto Offline');
    const dialog = page.getByRole('dialog', { name: 'Go offline?' });

    await page.getByRole('radio', { name: 'Offline' }).check();
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Going offline returns 2 chats to the queue');
    await expectFocused(dialog.getByRole('button', { name: 'Cancel' }), 'the keyboard starts on Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('radio', { name: 'Online' }).isChecked()).toBe(true);
    await expectFocused(page.getByRole('radio', { name: 'Online' }), 'the keyboard is back on the presence kept');

    await page.getByRole('radio', { name: 'Offline' }).check();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('radio', { name: 'Online' }).isChecked()).toBe(true);
    expect(await chat(page, v.name).locator('.badge').textContent()).toBe('Active');
    expect(v.received.some((m) => m.type === 'AgentDisconnect')).toBe(false);

    // Away keeps the chats: no question.
    await setPresence(page, 'Away');
    expect(await dialog.count()).toBe(0);
    expect(await chat(page, v.name).locator('.badge').textContent()).toBe('Active');
    await setPresence(page, 'Online');
  });

  it('"Go offline" returns the chats to the queue, each saying "(you went offline)"', async () => {
    const page = alex.page;
    await page.getByRole('radio', { name: 'Offline' }).check();
    const dialog = page.getByRole('dialog', { name: 'Go offline?' });
    await dialog.getByRole('button', { name: 'Go offline' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
    expect(await page.getByRole('radio', { name: 'Offline' }).isChecked()).toBe(true);
    for (const name of ['Olga Offline', 'Otto Offline']) {
      await expect.poll(() => chat(page, name).locator('.badge').textContent()).toBe('Back in the queue (you went offline)');
    }
    const olga = visitors.find((x) => x.name === 'Olga Offline')!;
    await olga.waitForType('AgentDisconnect');
    // Nothing held now: Offline again later is not asked.
    await setPresence(page, 'Online');
    for (const v of visitors) await v.stop();
  });
});
