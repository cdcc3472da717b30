/**
 * What a reload of the console keeps besides the chats (ADR 0037): the text an agent wrote in a
 * chat and did not send, back in its message box (or kept read-only, as unsent, when the chat
 * ended meanwhile), and the count of visitor messages the agent has not seen yet, on "My chats"
 * and in the title, which keeps the agent's name.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chat, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { acceptedChat, PollingVisitor } from './console-visitor.js';

const server = new ConsoleTestServer();
let alex: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1 }, (c) => ({ alex } = c), { online: 'alex' });

async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.getByRole('group', { name: 'Presence' }).waitFor();
}

async function newVisitor(name: string): Promise<PollingVisitor> {
  const v = new PollingVisitor(server, name);
  visitors.push(v);
  return acceptedChat(alex.page, v);
}

describe('console: a reload keeps', () => {
  it('the unsent text of each chat, in its message box, not sent', async () => {
    const page = alex.page;
    const dana = await newVisitor('Dana Draft');
    const drew = await newVisitor('Drew Draft');
    await chat(page, dana.name).getByRole('textbox', { name: `Message to ${dana.name}` }).fill('Half an answer for Dana');
    await chat(page, drew.name).getByRole('textbox', { name: `Message to ${drew.name}` }).fill('Line one\nline two for Drew');
    await reload(page);
    const box = (name: string) => chat(page, name).getByRole('textbox', { name: `Message to ${name}` });
    await expect.poll(() => box(dana.name).inputValue()).toBe('Half an answer for Dana');
    expect(await box(drew.name).inputValue()).toBe('Line one\nline two for Drew');
    expect(dana.received.some((m) => m.type === 'ChatMessage')).toBe(false);

    // The chat ends while the page is away: the text is kept read-only, as unsent (as live).
    await chat(page, dana.name).getByRole('textbox', { name: `Message to ${dana.name}` }).fill('Still writing to Dana');
    await dana.post('Chasitor/ChatEnd', { reason: 'client' });
    await reload(page);
    await chat(page, dana.name).getByText('Ended by the visitor').waitFor();
    expect(await chat(page, dana.name).getByRole('textbox', { name: 'Not sent' }).inputValue()).toBe('Still writing to Dana');
    await chat(page, dana.name).getByRole('button', { name: 'Close' }).click();
    // Sent: nothing left to keep.
    await box(drew.name).press('Enter');
    await drew.waitFor('the message', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Line one\nline two for Drew');
    await reload(page);
    await chat(page, drew.name).getByRole('textbox', { name: `Message to ${drew.name}` }).waitFor();
    expect(await box(drew.name).inputValue()).toBe('');
  });

  it('the unread count on "My chats" and in the title, with the agent\'s name', async () => {
    const page = alex.page;
    const nav = page.getByRole('navigation', { name: 'Views' });
    const myChats = (name: string) => nav.getByRole('button', { name, exact: true });
    const v = await newVisitor('Ulla Unread');
    await nav.getByRole('button', { name: 'My past chats' }).click();
    await v.say('Anyone there?');
    await v.say('Hello?');
    await myChats('My chats, 2 unread').waitFor();
    expect(await page.title()).toBe(`(2) ${AGENT1.name} — Switchboard console`);

    await reload(page);
    await myChats('My chats, 2 unread').waitFor();
    expect(await myChats('My chats, 2 unread').locator('.unread').textContent()).toBe('2');
    expect(await page.title()).toBe(`(2) ${AGENT1.name} — Switchboard console`);
    await v.say('Still here');
    await myChats('My chats, 3 unread').waitFor();
    await myChats('My chats, 3 unread').click();
    await myChats('My chats').waitFor();
    expect(await page.title()).toBe(`${AGENT1.name} — Switchboard console`);
    await reload(page);
    expect(await myChats('My chats').locator('.unread').isVisible()).toBe(false);
  });
});
