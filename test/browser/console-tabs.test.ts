/**
 * One agent in two console tabs of one browser, in a real browser against the
 * real server: the second tab shows the presence the agent has, a message sent
 * in one tab shows in the other, and a logout in one tab signs the other out.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, login, openConsole, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';

const server = new ConsoleTestServer();
let browser: Browser;
let tab1: ConsolePage;
let tab2: Page;

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
});
