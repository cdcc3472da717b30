/**
 * What the console's live regions tell a screen reader, each thing once (test/browser/live-regions.ts
 * records it): a message is told with its author, time and text apart; the agent's own message is
 * told once, not once "sending…" and again sent; the load is told when it changes, not after every event nor 0 in between on an accept; a chat that
 * opens (accepted, after a reload, monitored) does not read its history aloud, only what comes after;
 * a flag is told to a supervisor once (not by the toast and the announcer both), by the name of the
 * agent who raised it also before the supervisor opened the Supervisor view; a second tab of the
 * agent is told once that an offer was accepted in another window, and its load stays as it was; a
 * message that comes while the agent is on another view is counted on "My chats" (its name and badge)
 * and in the page's title, and told once, politely, until the agent is back on My chats.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chat, login, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer, SUPERVISOR } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { acceptedChat, PollingVisitor } from './console-visitor.js';
import { clearSpoken, recordSpoken, recordSpokenFromStart, spoken, timesSpoken } from './live-regions.js';

const server = new ConsoleTestServer();
let alex: ConsolePage;
let sam: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, sam: SUPERVISOR }, (c) => ({ alex, sam } = c), { online: 'alex' });

/** What the load indicator told. */
async function loadTold(page: Page): Promise<string[]> {
  return (await spoken(page)).filter((s) => s.region.includes('load')).map((s) => s.text);
}

/** Waits until `text` was told once, then checks it was told once only (a second telling comes with the first's change). */
async function toldOnce(page: Page, text: string): Promise<void> {
  await expect.poll(() => timesSpoken(page, text), { message: `"${text}" told` }).toBeGreaterThan(0);
  expect(await timesSpoken(page, text), `"${text}" told once`).toBe(1);
}

/** A chat `name` the agent accepted (the only agent online), its history shown: what comes now is told. */
async function accepted(name: string): Promise<PollingVisitor> {
  const v = new PollingVisitor(server, name);
  visitors.push(v);
  await acceptedChat(alex.page, v);
  await shown(alex.page, name);
  return v;
}

/** The chat's history is shown in `page`: its log tells what comes from now on. */
async function shown(page: Page, name: string): Promise<void> {
  await expect.poll(() => chat(page, name).getByRole('log').getAttribute('aria-live')).toBe('polite');
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
    // Author, time and text apart, not "Sid Sender 07:49:56 AMThe visitor again".
    expect((await spoken(page)).find((s) => s.text.includes('The visitor again'))?.text).toMatch(/^Sid Sender, \d.*\d( [AP]M)?: The visitor again$/);
    expect(await timesSpoken(page, 'The agent answers'), 'the agent\'s own message told').toBe(1);
    expect(await panel.getByRole('log').locator('.msg.agent .text').allTextContents()).toEqual(['The agent answers']);
    await done(v);
  });

  it('the load is told when it changes, once: not again after each event, nor 0 between the offer and its chat', async () => {
    const page = alex.page;
    const sid = await accepted('Sid Second');
    await recordSpoken(page);
    await clearSpoken(page);
    const v = new PollingVisitor(server, 'Lou Load');
    visitors.push(v);
    await v.request();
    const card = page.getByRole('article', { name: `Chat offer from ${v.name}` });
    await card.waitFor();
    await expect.poll(() => loadTold(page)).toEqual(['Load 2 / 3']);
    await clearSpoken(page);
    await card.getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    await shown(page, v.name);
    await v.say('Hello from Lou');
    await sid.say('Hello from Sid');
    await toldOnce(page, 'Hello from Lou');
    await toldOnce(page, 'Hello from Sid');
    // The offer became the chat: still 2 of 3, nothing to tell.
    expect(await loadTold(page)).toEqual([]);
    await done(sid);
    await expect.poll(() => loadTold(page)).toEqual(['Load 1 / 3']);
    await done(v);
  });

  // Before any test opens sam's Supervisor view: the flag must be named without it.
  it('a flag is told to a supervisor once, naming the agent, also before the Supervisor view was opened', async () => {
    const v = await accepted('Fay Flagged');
    await recordSpoken(sam.page);
    const panel = chat(alex.page, v.name);
    await panel.getByRole('button', { name: 'Raise flag…' }).click();
    const dialog = alex.page.getByRole('dialog', { name: 'Ask a supervisor for help' });
    await dialog.getByRole('textbox', { name: /Message for the supervisor/ }).fill('Refund over my limit');
    await dialog.getByRole('button', { name: 'Raise flag' }).click();
    const text = 'Alex Agent raised a flag in the chat with Fay Flagged: Refund over my limit';
    await sam.page.locator('.toast', { hasText: text }).waitFor();
    await toldOnce(sam.page, 'raised a flag');
    expect((await spoken(sam.page)).filter((s) => s.text.includes('raised a flag'))).toEqual([{ region: expect.stringContaining('sr-only') as unknown, politeness: 'assertive', text }]);
    await done(v);
  });

  it('a chat that opens does not read its history aloud, accepted, after a reload or monitored: only what comes after', async () => {
    const page = alex.page;
    await recordSpoken(page);
    const v = new PollingVisitor(server, 'Hal History');
    visitors.push(v);
    await v.request();
    const card = page.getByRole('article', { name: `Chat offer from ${v.name}` });
    await card.waitFor();
    await v.say('Queued line one');
    await v.say('Queued line two');
    await card.getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    await chat(page, v.name).getByRole('log').getByText('Queued line two').waitFor();
    await shown(page, v.name);
    await v.say('A line after the accept');
    await toldOnce(page, 'A line after the accept');
    expect(await timesSpoken(page, 'Queued line'), 'the history read out on the accept').toBe(0);

    await recordSpokenFromStart(page);
    await page.reload();
    await chat(page, v.name).getByRole('log').getByText('A line after the accept').waitFor();
    await shown(page, v.name);
    await v.say('A line after the reload');
    await toldOnce(page, 'A line after the reload');
    expect(await timesSpoken(page, /Queued line|A line after the accept/), 'the history read out after the reload').toBe(0);

    await recordSpoken(sam.page);
    await sam.page.getByRole('button', { name: 'Supervisor' }).click();
    await sam.page.getByRole('button', { name: `Open chat with ${v.name} read-only` }).click();
    await chat(sam.page, v.name).getByRole('log').getByText('A line after the reload').waitFor();
    await shown(sam.page, v.name);
    await v.say('A line the supervisor watches');
    await toldOnce(sam.page, 'A line the supervisor watches');
    expect(await timesSpoken(sam.page, /Queued line|A line after/), 'the history read out in the monitor').toBe(0);
    await done(v);
  });

  it('a second tab of the agent is told once that the offer was accepted in another window, and nothing else', async () => {
    const tab2 = await alex.context.newPage();
    await tab2.goto('/console/');
    await login(tab2, AGENT1.username, AGENT1.password);
    await expect.poll(() => tab2.getByRole('radio', { name: 'Online' }).isChecked()).toBe(true);
    await recordSpoken(tab2);
    const v = new PollingVisitor(server, 'Tess Tabs');
    visitors.push(v);
    await v.request();
    await tab2.getByRole('article', { name: `Chat offer from ${v.name}` }).waitFor();
    await expect.poll(() => loadTold(tab2)).toEqual(['Load 1 / 3']);
    await clearSpoken(tab2);
    await alex.page.getByRole('article', { name: `Chat offer from ${v.name}` }).getByRole('button', { name: 'Accept' }).click();
    await chat(tab2, v.name).getByRole('textbox').waitFor();
    await toldOnce(tab2, 'accepted in another window');
    // Said once, and nothing else: the offer became a chat of the agent's, the load is 1 all along.
    expect(await spoken(tab2)).toEqual([{ region: expect.stringContaining('sr-only') as unknown, politeness: 'assertive', text: `Offer from ${v.name} accepted in another window` }]);
    await tab2.close();
    await done(v);
  });

  it('a visitor who writes while the agent is on another view: counted on "My chats" and in the title, told once per message', async () => {
    const page = alex.page;
    const nav = page.getByRole('navigation', { name: 'Views' });
    const myChats = (name: string) => nav.getByRole('button', { name, exact: true });
    await page.getByText('No chats yet. You are online: waiting for chat offers.').waitFor();
    const v = await accepted('Una Unread');
    // Under the "My chats" heading (h2), each chat's is one level down.
    expect(await page.getByRole('region', { name: 'My chats' }).getByRole('heading', { name: v.name, level: 3 }).count()).toBe(1);
    await recordSpoken(page);
    await clearSpoken(page);
    await nav.getByRole('button', { name: 'My past chats' }).click();
    await v.say('Are you there?');
    await myChats('My chats, 1 unread').waitFor();
    expect(await myChats('My chats, 1 unread').locator('.unread').textContent()).toBe('1');
    // The agent's name stays in the title, the count before it.
    expect(await page.title()).toBe(`(1) ${AGENT1.name} — Switchboard console`);
    await v.say('Hello?');
    await myChats('My chats, 2 unread').waitFor();
    expect(await page.title()).toBe(`(2) ${AGENT1.name} — Switchboard console`);
    const told = `New message from ${v.name} in My chats`;
    await expect.poll(() => timesSpoken(page, told)).toBe(2);
    expect((await spoken(page)).filter((s) => s.text === told).map((s) => s.politeness)).toEqual(['polite', 'polite']);
    // The hidden chat's log says nothing itself: the count and the one notice are all.
    expect(await timesSpoken(page, /Are you there\?|Hello\?/)).toBe(0);

    await myChats('My chats, 2 unread').click();
    await myChats('My chats').waitFor();
    expect(await myChats('My chats').locator('.unread').isVisible()).toBe(false);
    expect(await page.title()).toBe(`${AGENT1.name} — Switchboard console`);
    // Looking at the chat: its log tells the message, nothing else does, nothing is counted.
    await clearSpoken(page);
    await v.say('Back on My chats');
    await toldOnce(page, 'Back on My chats');
    expect(await timesSpoken(page, 'New message from')).toBe(0);
    expect(await myChats('My chats').count()).toBe(1);
    await done(v);
  });
});
