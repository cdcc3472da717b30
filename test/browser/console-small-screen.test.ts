/**
 * The console on a phone-sized screen (375 x 812): no view scrolls the whole page sideways. A wide
 * table scrolls inside its own box; nothing in it (a screen-reader-only caption or label, which is
 * absolutely positioned) may escape that box and widen the page.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, AdminConsoleTestServer } from './console-admin-server.js';
import { type ConsolePage } from './console-browser.js';
import { consoleSuite } from './console-suite.js';

const server = new AdminConsoleTestServer();
let ada: ConsolePage;
consoleSuite(server, { ada: ADMIN }, (c) => ({ ada } = c));

/** How far the page scrolls sideways (0: not at all). */
function sideways(page: Page): Promise<number> {
  // A string: the test's own TypeScript has no DOM types.
  return page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>;
}

describe('console at 375 px', () => {
  it('no view scrolls the page sideways', async () => {
    const page = ada.page;
    await page.setViewportSize({ width: 375, height: 812 });
    const nav = page.getByRole('navigation', { name: 'Views' });
    const views: [string, () => Promise<void>][] = [
      ['My chats', () => page.getByText('No chats yet').waitFor()],
      ['My past chats', () => page.getByRole('region', { name: 'My past chats' }).waitFor()],
      ['Supervisor', () => page.getByRole('region', { name: 'Supervisor' }).locator('table').first().waitFor()],
      ['Team', () => page.getByRole('region', { name: 'Team' }).locator('table').first().waitFor()],
    ];
    for (const [name, loaded] of views) {
      await nav.getByRole('button', { name, exact: true }).click();
      await loaded();
      // Tables fill in after their reads: measured once the page settles.
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await expect.poll(() => sideways(page), { message: `${name} scrolls the page sideways` }).toBe(0);
    }
  });
});
