/**
 * The widget on small viewports, in Debian's Chromium against the real server:
 *
 * - at 640 × 430 (a 1280 × 860 window at 200 % zoom) the open panel covers most of the page, so it
 *   is full-screen and modal as on a phone: Tab and Shift+Tab never put the focus on a page element
 *   the panel hides (WCAG 2.4.11), and the page behind it is inert;
 * - at 320 px the panel's title breaks between words: a word too long to fit beside the header's
 *   buttons moves them to a second row (never out of the panel), and is broken only when it is
 *   longer than the whole row.
 *
 * Needs `npm run build` (server and widget builds).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BOT_GREETING, browserConfig, IDS } from './browser-server.js';
import { openSitePage, useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

const suite = useWidgetSuite(browserConfig, { needsWidgetBuild: true });

/** A page of 16 links in a 4 × 4 grid over the whole viewport: wherever the panel is, some are under it. */
const LINK_GRID = `<h1>A site</h1><nav style="position:fixed;inset:0;display:grid;grid-template:repeat(4,1fr)/repeat(4,1fr)">${
  Array.from({ length: 16 }, (_, i) => `<a href="#p${i + 1}">Page ${i + 1}</a>`).join('')}</nav>`;

/** A bot chat open on a page of `viewport`; `data`: more of the script tag's attributes. */
async function openChat(viewport: { width: number; height: number }, main: string, data: Record<string, string> = {}): Promise<Page> {
  const page = await (await suite.newContext({ viewport })).newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  await openSitePage(page, suite.server.baseUrl, { data: { org: IDS.org, deployment: IDS.deployment, button: IDS.botButton, ...data }, main });
  const w = widgetOf(page);
  await w.launcher.click();
  await waitForText(w.host.locator('.msg.agent'), new RegExp(BOT_GREETING.slice(0, 20)));
  return page;
}

/** The page element with the focus when nothing of it shows (the panel is over all of it), else null. */
function focusHiddenByPanel(page: Page): Promise<string | null> {
  return page.evaluate(`(() => {
    const a = document.activeElement;
    if (!a || a === document.body || a.tagName === 'SWITCHBOARD-CHAT') return null;
    const r = a.getBoundingClientRect();
    const points = [[r.left + 1, r.top + 1], [r.right - 1, r.top + 1], [r.left + 1, r.bottom - 1], [r.right - 1, r.bottom - 1], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
    const shows = points.some(([x, y]) => { const e = document.elementFromPoint(x, y); return e !== null && (e === a || a.contains(e)); });
    return shows ? null : a.textContent;
  })()`);
}

describe('chat widget on small viewports', () => {
  it('at 640 × 430 (200 % zoom) the open panel is modal: the focus never lands on a page element it hides', async () => {
    const page = await openChat({ width: 640, height: 430 }, LINK_GRID);
    const w = widgetOf(page);
    const hidden: string[] = [];
    for (const key of ['Tab', 'Shift+Tab']) {
      await w.input.focus();
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press(key);
        const name = await focusHiddenByPanel(page);
        if (name !== null) hidden.push(`${key}: ${name}`);
      }
    }
    expect(hidden, 'page elements focused behind the panel').toEqual([]);
    expect(await w.panel.getAttribute('aria-modal')).toBe('true');
    expect(await page.evaluate(`document.querySelector('main').inert`)).toBe(true);
    await w.host.getByRole('button', { name: 'Minimize chat' }).click();
    expect(await page.evaluate(`document.querySelector('main').inert`)).toBe(false);
  });

  it('at 320 px the title breaks between words, and a long word moves the header buttons to a second row, not out of the panel', async () => {
    const page = await openChat({ width: 320, height: 640 }, '<h1>A site</h1>', { lang: 'de', title: 'Besucherservicechat Visitor' });
    const w = widgetOf(page);
    const panel = await w.panel.boundingBox();
    for (const name of ['Chatverlauf herunterladen', 'Chat beenden', 'Chat minimieren']) {
      const b = await w.host.getByRole('button', { name }).boundingBox();
      expect(b && panel && b.x >= panel.x && b.x + b.width <= panel.x + panel.width + 0.5, `${name} inside the panel`).toBe(true);
    }
    // Each word of the title on one line: the lines of its text, word by word.
    const linesPerWord = await page.evaluate(`(() => {
      const h2 = document.querySelector('switchboard-chat').shadowRoot.querySelector('.head h2');
      const text = h2.firstChild;
      const out = {};
      let at = 0;
      for (const word of text.data.split(' ')) {
        const range = document.createRange();
        range.setStart(text, at);
        range.setEnd(text, at + word.length);
        out[word] = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        at += word.length + 1;
      }
      return out;
    })()`);
    expect(linesPerWord).toEqual({ Besucherservicechat: 1, Visitor: 1 });
  });
});
