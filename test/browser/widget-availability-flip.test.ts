/**
 * Availability changing under a visitor who is filling in a form, in real Chromium against the
 * real server (the human button takes offline messages, ADR 0063):
 *
 * - half-way through "leave a message", an agent comes online: the pre-chat form shows, the
 *   focus stays in the panel (on its first field, not on the page's <body>), and when nobody can
 *   chat again the message form comes back with everything the visitor had typed;
 * - half-way through the pre-chat form, the agent goes offline: the focus stays in the panel too,
 *   and the pre-chat answers are still there when the agent is back.
 *
 * The availability check runs every 30 s and when the page is shown again; the test plays the
 * latter (`visibilitychange`), as widget-online.test.ts does.
 *
 * Needs `npm run build` (server and widget builds).
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { TestAgent } from './agent-api.js';
import { browserConfig, IDS } from './browser-server.js';
import { focusedInWidget, openSitePage, useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

const suite = useWidgetSuite(() => {
  const config = browserConfig() as { orgs: { deployments: { buttons: { id: string; offlineMessages?: boolean }[] }[] }[] };
  const human = config.orgs[0]?.deployments[0]?.buttons.find((b) => b.id === IDS.humanButton);
  if (!human) throw new Error('no human button');
  human.offlineMessages = true;
  return config;
}, { needsWidgetBuild: true });
let agent: TestAgent | undefined;

afterEach(async () => {
  agent?.closeStream();
  await agent?.presence('offline').catch(() => undefined);
  agent = undefined;
});

/** Alex Agent goes online or offline, and the page checks availability again (as when it is shown again). */
async function flip(page: Page, to: 'online' | 'offline'): Promise<void> {
  await agent?.presence(to);
  await page.evaluate(`document.dispatchEvent(new Event('visibilitychange'))`);
}

describe('the widget when availability flips under a form', () => {
  it('keeps a half-written offline message and the focus when an agent comes online and goes again', async () => {
    agent = new TestAgent(suite.server.baseUrl);
    await agent.login('agent', 'agent-demo');
    await agent.openStream();
    await agent.presence('offline');
    const page = await (await suite.newContext()).newPage();
    await openSitePage(page, suite.server.baseUrl, { data: { org: IDS.org, deployment: IDS.deployment, button: IDS.humanButton } });
    const w = widgetOf(page);
    await w.launcher.click();
    // The pre-chat form (hidden) and the message form have fields of the same names: each is asked for within its form.
    const prechat = w.host.locator('form.pre').nth(0);
    const leave = w.host.locator('form.pre').nth(1);
    await waitForText(leave, /Leave us a message/);
    await leave.getByLabel('Your name (required)').fill('Fay Visitor');
    await leave.getByLabel('Email (required)').fill('fay@example.com');
    await leave.getByLabel('Subject', { exact: true }).fill('Refund');
    const message = leave.getByLabel('Message (required)');
    await message.fill('I was charged twice for order 1234');
    await message.focus();

    await flip(page, 'online');
    await waitForText(w.status, /^We are online\.$/);
    await expect.poll(() => page.evaluate(`document.querySelector('switchboard-chat').shadowRoot.activeElement?.id ?? 'none'`), { timeout: 3000 })
      .toBe(await prechat.getByLabel('Your name (required)').getAttribute('id'));
    expect(await prechat.isVisible()).toBe(true);

    await flip(page, 'offline');
    await waitForText(w.status, /^We are offline\.$/);
    await waitForText(leave, /Leave us a message/);
    expect(await leave.getByLabel('Your name (required)').inputValue()).toBe('Fay Visitor');
    expect(await leave.getByLabel('Email (required)').inputValue()).toBe('fay@example.com');
    expect(await leave.getByLabel('Subject', { exact: true }).inputValue()).toBe('Refund');
    expect(await leave.getByLabel('Message (required)').inputValue()).toBe('I was charged twice for order 1234');
    await expect.poll(() => focusedInWidget(page), { timeout: 3000 }).toMatch(/^input/);
  });

  it('keeps the focus in the panel, and the pre-chat answers, when the agent goes offline and comes back', async () => {
    agent = new TestAgent(suite.server.baseUrl);
    await agent.login('agent', 'agent-demo');
    await agent.openStream();
    await agent.presence('online');
    const page = await (await suite.newContext()).newPage();
    await openSitePage(page, suite.server.baseUrl, { data: { org: IDS.org, deployment: IDS.deployment, button: IDS.humanButton } });
    const w = widgetOf(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    const name = w.host.locator('form.pre').nth(0).getByLabel('Your name (required)');
    await name.fill('Half Typed');
    await name.focus();

    await flip(page, 'offline');
    await waitForText(w.status, /^We are offline\.$/);
    await waitForText(w.host.locator('form.pre').nth(1), /Leave us a message/);
    await expect.poll(() => focusedInWidget(page), { timeout: 3000 }).toMatch(/^input/);

    await flip(page, 'online');
    await waitForText(w.status, /^We are online\.$/);
    expect(await name.inputValue()).toBe('Half Typed');
    await expect.poll(() => focusedInWidget(page), { timeout: 3000 }).toMatch(/^input/);
  });
});
