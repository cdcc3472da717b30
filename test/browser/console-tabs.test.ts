/**
 * One agent in two console tabs of one browser, in a real browser against the
 * real server: the second tab shows the presence the agent has, a message sent
 * in one tab shows in the other, and a logout in one tab signs the other out.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chat, launchChromium, login, openConsole, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { PollingVisitor } from './console-visitor.js';

const server = new ConsoleTestServer();
let browser: Browser;
let tab1: ConsolePage;
let tab2: Page;
let vera: PollingVisitor | undefined;

/** The messages a tab shows in a chat, in order (sent ones only, not "sending…"). */
function messages(page: Page, visitorName: string): Promise<string[]> {
  return chat(page, visitorName).getByRole('log').locator('.msg:not(.pending) .text').allTextContents();
}

async function sendFrom(page: Page, visitorName: string, text: string): Promise<void> {
  const box = chat(page, visitorName).getByRole('textbox');
  await box.fill(text);
  await box.press('Enter');
}

/** Another tab of tab1's browser (same context: same origin storage and channels, own sessionStorage). */
async function secondTab(): Promise<Page> {
  const page = await tab1.context.newPage();
  page.on('pageerror', (err) => tab1.errors.push(`tab2 pageerror: ${err.message}`));
  await page.goto('/console/');
  await page.getByLabel('Username').waitFor();
  return page;
}

beforeAll(async () => {
  await server.start();
  browser = await launchChromium();
  tab1 = await openConsole(browser, server.baseUrl);
  await login(tab1.page, AGENT1.username, AGENT1.password);
}, 60_000);

afterAll(async () => {
  await vera?.stop();
  await browser?.close();
  await server.dispose();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const [who, p] of [['tab1', tab1?.page], ['tab2', tab2]] as const) {
    const text = await p?.locator('body').innerText().catch(() => '(no page)');
    console.error(`--- ${who} ---\n${text}`);
  }
  console.error(tab1?.errors.join('\n'));
});

describe('one agent in two console tabs', () => {
  it('a tab logged in while the agent is online in another shows Online and the capacity in force', async () => {
    await setPresence(tab1.page, 'Online');
    const capacity = tab1.page.getByLabel('Capacity');
    await capacity.fill('2');
    await capacity.press('Tab');
    await tab1.page.getByText('Load 0 / 2').waitFor();
    tab2 = await secondTab();
    await login(tab2, AGENT1.username, AGENT1.password);
    await expect.poll(() => tab2.getByRole('radio', { name: 'Online' }).isChecked()).toBe(true);
    expect(await tab2.getByLabel('Capacity').inputValue()).toBe('2');
    // Tab 1 did not change: asking is not telling.
    expect(await tab1.page.getByRole('radio', { name: 'Online' }).isChecked()).toBe(true);
  });

  it('a message sent in one tab shows in the other, in its place', async () => {
    vera = new PollingVisitor(server, 'Vera Visitor');
    await vera.request();
    await tab1.page.getByRole('article', { name: `Chat offer from ${vera.name}` }).getByRole('button', { name: 'Accept' }).click();
    await vera.waitForType('ChatEstablished');
    await chat(tab2, vera.name).waitFor();

    // Tab two's transcript reads: after the one that opened the chat, a gap is filled by reading what follows it only.
    const reads: URL[] = [];
    tab2.on('request', (r) => { if (r.url().includes('/transcript')) reads.push(new URL(r.url())); });
    await sendFrom(tab1.page, vera.name, 'Hello from tab one');
    await vera.waitFor('the message of tab one', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Hello from tab one');
    await vera.say('Thanks');
    await expect.poll(() => messages(tab2, vera!.name)).toEqual(['Hello from tab one', 'Thanks']);
    expect(reads.length, 'tab two read the transcript for the gap').toBeGreaterThan(0);
    expect(reads.map((u) => Number(u.searchParams.get('after'))), 'where the gap reads started').not.toContain(0);

    await sendFrom(tab2, vera.name, 'And hello from tab two');
    await vera.waitFor('the message of tab two', (m) => m.type === 'ChatMessage' && m.message['text'] === 'And hello from tab two');
    await vera.say('Got both');
    await expect.poll(() => messages(tab1.page, vera!.name)).toEqual(['Hello from tab one', 'Thanks', 'And hello from tab two', 'Got both']);
    // Each shows once in both tabs, also the one a tab sent itself.
    await expect.poll(() => messages(tab2, vera!.name)).toEqual(['Hello from tab one', 'Thanks', 'And hello from tab two', 'Got both']);
  });

  it('a chat longer than a transcript page shows whole in a tab that opens it', async () => {
    // 600 more visitor messages: with the 4 above, more than the 500 of a default page and of the first page a reload reads.
    for (let i = 1; i <= 600; i += 50) {
      await vera!.post('System/MultiNoun', { nouns: Array.from({ length: 50 }, (_, k) => ({ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: `Line ${i + k}` } })) });
    }
    await expect.poll(() => messages(tab2, vera!.name).then((m) => m.length), { timeout: 20_000 }).toBe(604);
    await tab2.reload();
    await chat(tab2, vera!.name).waitFor();
    await expect.poll(() => messages(tab2, vera!.name).then((m) => m.length), { timeout: 20_000 }).toBe(604);
    const shown = await messages(tab2, vera!.name);
    expect(shown.slice(0, 4)).toEqual(['Hello from tab one', 'Thanks', 'And hello from tab two', 'Got both']);
    expect(shown.slice(4)).toEqual(Array.from({ length: 600 }, (_, i) => `Line ${i + 1}`));
  });

  it('a logout in one tab shows the other the login form, saying it was signed out', async () => {
    await tab2.getByRole('button', { name: 'Log out' }).click();
    await tab2.getByLabel('Username').waitFor();
    // The server closed tab 1's stream as revoked (4401), and its refresh token is refused too.
    await tab1.page.getByRole('alert').filter({ hasText: 'You were signed out' }).waitFor();
    await expect.poll(() => tab1.page.getByLabel('Username').isVisible()).toBe(true);
    expect(await tab1.page.getByRole('group', { name: 'Presence' }).count()).toBe(0);
    // Signed out for good: a reload asks for the password, and logging in again works.
    await tab1.page.reload();
    await tab1.page.getByLabel('Username').waitFor();
    await login(tab1.page, AGENT1.username, AGENT1.password);
    await tab1.page.getByText('Connected', { exact: true }).waitFor();
    // The refused requests are logged by the browser itself (401): expected here, and only those.
    const unexpected = tab1.errors.splice(0).filter((e) => !/401/.test(e));
    expect(unexpected).toEqual([]);
  });
});
