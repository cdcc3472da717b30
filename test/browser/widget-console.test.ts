/**
 * Widget and console together, both in real Chromium (Debian's, via
 * playwright-core) against the real server: a visitor on the demo page
 * (/?button=human, pre-chat form) chats with agents logged in to the console in
 * two other browser contexts. Queue position while the offer is open, accept,
 * messages and typing both ways, the sneak peek, a transfer from agent 1 to
 * agent 2 through the console's dialog (after a conference of the two, ADR 0051), a network drop on the visitor page (cut
 * for real: the page reaches the server through a TCP proxy, cuttable-proxy.ts)
 * and the agent's end. Screenshot: docs/screenshots/widget-and-console.png.
 *
 * Needs `npm run build` (server, widget and console builds).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './agent-api.js';
import { REPO_ROOT, startServer, type RunningServer } from './browser-server.js';
import { isNetworkFailure, login, openConsole, SCREENSHOTS, setPresence, type ConsolePage } from './console-browser.js';
import { CuttableProxy, isHeldPoll } from './cuttable-proxy.js';
import { AGENT1, AGENT2, logPages, openVisitorPage, widgetConsoleConfig } from './widget-console-server.js';
import { launchChromium, waitForText, widgetOf } from './widget-page.js';

const WIDGET_JS = join(REPO_ROOT, 'widget', 'dist', 'widget.js');
const CONSOLE_INDEX = join(REPO_ROOT, 'console', 'dist', 'index.html');
const VISITOR = 'Robin Visitor';

let server: RunningServer;
/** Between the visitor's page and the server. */
let proxy: CuttableProxy;
let browser: Browser;
let visitorPage: Page;
const visitorErrors: string[] = [];
let w: ReturnType<typeof widgetOf>;
let alex: ConsolePage;
let blair: ConsolePage;

function chat(page: Page): Locator {
  return page.locator('section.chat').filter({ has: page.getByRole('heading', { name: VISITOR }) });
}

function transcript(page: Page): Locator {
  return chat(page).getByRole('log');
}

function composer(page: Page): Locator {
  return chat(page).getByRole('textbox', { name: `Message to ${VISITOR}` });
}

/** One picture of both sides: the widget page and a console page side by side. */
async function sideBySide(widgetPage: Page, consolePage: Page, path: string): Promise<void> {
  const [left, right] = await Promise.all([widgetPage.screenshot(), consolePage.screenshot()]);
  const page = await browser.newPage({ viewport: { width: 2300, height: 880 } });
  try {
    await page.setContent(`<body style="margin:0;display:flex;gap:20px;background:#d0d4da;padding:10px;align-items:flex-start">
      <img alt="" style="width:1000px;border:1px solid #888" src="data:image/png;base64,${left.toString('base64')}">
      <img alt="" style="width:1260px;border:1px solid #888" src="data:image/png;base64,${right.toString('base64')}"></body>`);
    await page.waitForFunction('Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0)');
    await page.screenshot({ path, fullPage: true });
  } finally {
    await page.close();
  }
}

beforeAll(async () => {
  for (const [file, fix] of [[WIDGET_JS, 'npm run build'], [CONSOLE_INDEX, 'npm run build']] as const) {
    if (!existsSync(file)) throw new Error(`${file} not found: run \`${fix}\` first`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  [server, browser] = await Promise.all([startServer(widgetConsoleConfig()), launchChromium()]);
  proxy = await CuttableProxy.start(server.baseUrl);
  [alex, blair] = await Promise.all([openConsole(browser, server.baseUrl), openConsole(browser, server.baseUrl)]);
  visitorPage = await openVisitorPage(browser, visitorErrors);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await server?.dispose();
});

// On a failure, show what each page showed: a browser test is hard to debug blind.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  await logPages(w, visitorErrors, { alex, blair });
  console.error(`--- visitor's connections ---\n${proxy?.describe()}`);
  console.error(`--- server log (tail) ---\n${server?.log().slice(-4000)}`);
});

describe('widget and console in Chromium', () => {
  it('agent 1 goes online in the console; the visitor fills the pre-chat form and waits in the queue while the offer is open', async () => {
    await Promise.all([login(alex.page, AGENT1.username, AGENT1.password), login(blair.page, AGENT2.username, AGENT2.password)]);
    await setPresence(alex.page, 'Online');

    await visitorPage.goto(`${proxy.baseUrl}/?button=human`);
    w = widgetOf(visitorPage);
    await w.launcher.waitFor({ state: 'visible' });
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    await w.host.getByLabel('Your name (required)').fill(VISITOR);
    await w.host.getByLabel('Email (required)').fill('robin@example.com');
    await w.host.getByLabel('Question').fill('Where is my order?');
    await w.host.getByRole('button', { name: 'Start chat' }).click();

    const offer = alex.page.getByRole('article', { name: `Chat offer from ${VISITOR}` });
    await offer.waitFor();
    await expect(offer.textContent()).resolves.toContain('robin@example.com');
    // The offer is open and not accepted: the widget shows the queue position.
    await waitForText(w.status, /(next|number \d+) in line/);
    expect(await offer.isVisible()).toBe(true);
    expect(await blair.page.getByRole('article').count(), 'agent 2 is offline: no offer').toBe(0);
  });

  it('agent 1 accepts in the console; messages go both ways', async () => {
    await alex.page.getByRole('article', { name: `Chat offer from ${VISITOR}` }).getByRole('button', { name: 'Accept' }).click();
    await chat(alex.page).waitFor();
    await waitForText(w.status, /chatting with Alex Agent/);
    await waitForText(w.log.locator('.msg.sys'), /Alex Agent joined the chat/);

    await w.input.fill('Hello, I need help with an order');
    await w.input.press('Enter');
    await transcript(alex.page).locator('.msg.visitor').getByText('Hello, I need help with an order').waitFor();

    await composer(alex.page).fill('Happy to help. Which order?');
    await composer(alex.page).press('Enter');
    await waitForText(w.agentMessages, /Happy to help\. Which order\?/);
    await transcript(alex.page).locator('.msg.agent:not(.pending)').getByText('Happy to help. Which order?').waitFor();
  });

  it('shows typing in both UIs and the visitor’s sneak peek in the console', async () => {
    // Visitor typing: the console shows the indicator and the text typed so far.
    await w.input.pressSequentially('It is A-1042', { delay: 40 });
    await chat(alex.page).locator('.peek-label').filter({ hasText: /Visitor is typing/ }).waitFor();
    await chat(alex.page).locator('.peek-text').getByText('It is A-1042').waitFor();

    // Agent typing: the widget shows it, and it goes away with the message.
    await composer(alex.page).pressSequentially('Let me look', { delay: 30 });
    await waitForText(w.typing, /Alex Agent is typing/);
    await composer(alex.page).press('Enter');
    await waitForText(w.agentMessages, /Let me look/);
    await expect.poll(async () => (await w.typing.textContent())?.trim()).toBe('');

    // The visitor sends what the console already peeked at; the peek goes away.
    await w.input.press('Enter');
    await transcript(alex.page).locator('.msg.visitor').getByText('It is A-1042').waitFor();
    await chat(alex.page).locator('.peek-text').waitFor({ state: 'hidden' });
  });

  it('agent 1 invites agent 2 into a conference; the widget says who joined and left, agent 2 talks and leaves', async () => {
    await setPresence(blair.page, 'Online');
    await chat(alex.page).getByRole('button', { name: 'Invite to conference…' }).click();
    const dialog = alex.page.getByRole('dialog', { name: `Invite an agent into the chat with ${VISITOR}` });
    await dialog.getByRole('combobox', { name: 'Agent' }).selectOption(AGENT2.id);
    await dialog.getByRole('button', { name: 'Invite' }).click();
    await dialog.waitFor({ state: 'detached' });

    const invitation = blair.page.getByRole('article', { name: `Conference invitation from ${AGENT1.name}` });
    await invitation.getByRole('heading', { name: `Conference with ${AGENT1.name}: ${VISITOR}` }).waitFor();
    await invitation.getByRole('button', { name: 'Accept' }).click();
    await waitForText(w.log.locator('.msg.sys'), /Blair Agent joined the chat/);
    await chat(blair.page).locator('.badge').getByText('Conference (participant)').waitFor();
    await transcript(alex.page).getByText('Blair Agent joined the chat').waitFor();
    // A participant has the transcript, talks, and has none of the holder's actions.
    await transcript(blair.page).getByText('Happy to help. Which order?').waitFor();
    expect(await chat(blair.page).getByRole('button', { name: 'End chat' }).count()).toBe(0);
    // Typing says who types (ADR 0051 note): the participant's own name, not the holder's; both at once, neutral.
    await composer(blair.page).pressSequentially('Blair from shipping,', { delay: 30 });
    await waitForText(w.typing, /^Blair Agent is typing/);
    await composer(alex.page).pressSequentially('One moment', { delay: 30 });
    await waitForText(w.typing, /^Several agents are typing/);
    await composer(alex.page).fill('');
    await composer(blair.page).fill('Blair from shipping, listening in.');
    await composer(blair.page).press('Enter');
    await waitForText(w.agentMessages, /Blair Agent.*Blair from shipping, listening in\./);
    await transcript(alex.page).getByText('Blair from shipping, listening in.').waitFor();
    await w.input.fill('Hi both');
    await w.input.press('Enter');
    await transcript(alex.page).locator('.msg.visitor').getByText('Hi both').waitFor();
    await transcript(blair.page).locator('.msg.visitor').getByText('Hi both').waitFor();

    await chat(blair.page).getByRole('button', { name: 'Leave conference' }).click();
    await waitForText(w.log.locator('.msg.sys'), /Blair Agent left the chat/);
    await chat(blair.page).locator('.badge').getByText('Left the conference').waitFor();
    await transcript(alex.page).getByText('Blair Agent left the chat').waitFor();
  });

  it('agent 1 transfers to agent 2 in the dialog; the widget shows the transfer and agent 2 has the whole transcript', async () => {
    await chat(alex.page).getByRole('button', { name: 'Transfer…' }).click();
    const dialog = alex.page.getByRole('dialog', { name: `Transfer chat with ${VISITOR}` });
    await dialog.waitFor();
    await dialog.getByRole('combobox', { name: 'Agent id' }).fill(AGENT2.id);
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await dialog.waitFor({ state: 'detached' });
    await chat(alex.page).getByText('Transferred', { exact: true }).waitFor();

    const offer = blair.page.getByRole('article', { name: `Transfer offer: chat with ${VISITOR}` });
    await offer.getByRole('heading', { name: `Transfer: ${VISITOR}` }).waitFor();
    await offer.getByRole('button', { name: 'Accept' }).click();
    await waitForText(w.log.locator('.msg.sys'), /Chat transferred to Blair Agent/);
    await waitForText(w.status, /chatting with Blair Agent/);

    const log = transcript(blair.page);
    for (const text of ['Hello, I need help with an order', 'Happy to help. Which order?', 'It is A-1042', 'Let me look']) {
      await log.getByText(text).first().waitFor();
      expect(await log.getByText(text).count(), text).toBe(1);
    }
    await composer(blair.page).fill('Hi, Blair here. I have your order open.');
    await composer(blair.page).press('Enter');
    await waitForText(w.agentMessages, /Blair Agent.*Hi, Blair here/);
    await w.input.fill('Thanks Blair');
    await w.input.press('Enter');
    await transcript(blair.page).locator('.msg.visitor').getByText('Thanks Blair').waitFor();
    await sideBySide(visitorPage, blair.page, join(SCREENSHOTS, 'widget-and-console.png'));
  });

  it('survives a network drop on the visitor page: a message sent during the drop arrives exactly once', async () => {
    const text = 'It shipped yesterday.';
    // The proxy cuts the page's connections (its held poll among them) and refuses new ones.
    // (Chromium's offline mode would leave a held poll running to its end.)
    await eventually(async () => (proxy.open(isHeldPoll).length > 0 ? true : undefined), 5000, 'a held poll');
    const droppedAt = Date.now();
    expect(proxy.down().filter(isHeldPoll), 'the held poll was cut').toHaveLength(1);
    await waitForText(w.status, /Reconnecting/, 6000);
    await composer(blair.page).fill(text);
    await composer(blair.page).press('Enter');
    await transcript(blair.page).locator('.msg.agent:not(.pending)').getByText(text).waitFor();
    await visitorPage.waitForTimeout(Math.max(500, droppedAt + 2000 - Date.now()));
    // The drop is real: nothing reaches the widget while it is cut off.
    expect(await w.agentMessages.filter({ hasText: text }).count()).toBe(0);
    proxy.up();
    await waitForText(w.agentMessages, /It shipped yesterday\./, 20_000);
    await waitForText(w.status, /chatting with Blair Agent/);
    // Give a replay time to (wrongly) add a copy.
    await visitorPage.waitForTimeout(1500);
    expect(await w.agentMessages.filter({ hasText: text }).count()).toBe(1);

    // And the visitor can still talk.
    await w.input.fill('Great, thank you');
    await w.input.press('Enter');
    await transcript(blair.page).locator('.msg.visitor').getByText('Great, thank you').waitFor();
  });

  it('agent 2 ends the chat; the widget shows it ended', async () => {
    await chat(blair.page).getByRole('button', { name: 'End chat' }).click();
    await chat(blair.page).locator('.badge').getByText('Ended').waitFor();
    await waitForText(w.status, /The chat has ended/);
    await waitForText(w.log.locator('.msg.sys'), /The chat has ended/);
    expect(await w.input.isVisible()).toBe(false);
    const real = (e: string) => !isNetworkFailure(e);
    expect(visitorErrors.filter(real), 'widget page errors').toEqual([]);
    for (const p of [alex, blair]) expect(p.errors.filter(real), 'console errors').toEqual([]);
  });
});
