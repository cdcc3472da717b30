/**
 * The widget right to left (ADR 0053, note "right to left"), in Debian's Chromium against the
 * real server: `data-lang="ar"` on an English page gives an Arabic widget with `dir="rtl"` that
 * mirrors (launcher and panel on the left, the visitor's bubbles on the panel's left edge, the
 * agent's on its right), the pre-chat label the button's config gives in Arabic, the visitor's
 * English text still left to right in its bubble (`dir="auto"`), and the page itself untouched.
 * A Hebrew page gets a Hebrew widget, right to left; `data-lang="en"` on it a left-to-right one.
 *
 * Needs `npm run build` (widget/dist/widget.js).
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserConfig, IDS } from './browser-server.js';
import { axeWidget, openSitePage, serious, useWidgetSuite, waitForText } from './widget-page.js';

/** A bot button with a pre-chat form whose name field has an Arabic label and whose order field has none. */
const FORM_BUTTON = '573000000000004';
const VIEWPORT = { width: 1000, height: 760 };

function config(): object {
  const c = browserConfig() as { orgs: { deployments: { buttons: object[] }[] }[] };
  c.orgs[0]?.deployments[0]?.buttons.push({
    id: FORM_BUTTON, type: 'Standard', skills: ['demo-bot'], queueSizeLimit: 0, sneakPeekEnabled: true,
    prechatForm: [
      { label: 'Your name', name: 'name', type: 'text', required: true, labels: { ar: 'اسمك', de: 'Ihr Name' } },
      { label: 'Order number', name: 'order', type: 'text', required: false, labels: { de: 'Bestellnummer' } },
    ],
  });
  return c;
}

const suite = useWidgetSuite(config);

/** A page on the server's origin with the widget's script tag; `html`: the `<html>` element's attributes. */
async function openPage(html: string, data: Record<string, string>, button = FORM_BUTTON): Promise<Page> {
  const page = await (await suite.newContext({ viewport: VIEWPORT })).newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  await openSitePage(page, suite.server.baseUrl, { html, data: { org: IDS.org, deployment: IDS.deployment, button, ...data }, main: '<h1>A site</h1><p>Some text.</p>' });
  return page;
}

async function box(loc: Locator): Promise<{ left: number; right: number }> {
  const b = await loc.boundingBox();
  if (!b) throw new Error('no box: the element is not shown');
  return { left: b.x, right: b.x + b.width };
}

/** What the widget could change about the page around it. */
function pageState(page: Page): Promise<unknown> {
  return page.evaluate(`(() => ({
    htmlDir: document.documentElement.getAttribute('dir'), htmlLang: document.documentElement.getAttribute('lang'),
    bodyDir: document.body.getAttribute('dir'), direction: getComputedStyle(document.body).direction,
    main: document.querySelector('main').outerHTML,
  }))()`);
}

describe('chat widget right to left', () => {
  it('data-lang="ar" on an English page: dir=rtl, Arabic words and pre-chat label, mirrored launcher, panel and bubbles; the page unchanged', async () => {
    const page = await openPage('lang="en"', { lang: 'ar' });
    const before = await pageState(page);
    const host = page.locator('switchboard-chat');
    const launcher = host.locator('button.launch');
    const panel = host.locator('.panel');
    const status = host.locator('.status');
    await waitForText(status, /نحن متصلون الآن\./, 10_000, 'attached');
    expect(await host.getAttribute('dir')).toBe('rtl');
    expect(await host.getAttribute('lang')).toBe('ar');
    expect(await launcher.getAttribute('dir')).toBe('rtl');
    expect(await panel.getAttribute('dir')).toBe('rtl');
    expect(await launcher.textContent()).toBe('تحدّث معنا');
    // The launcher sits at the bottom left, 16 px in (the end side of a right-to-left line).
    expect((await box(launcher)).left).toBeCloseTo(16, 0);

    await launcher.click();
    await panel.waitFor({ state: 'visible' });
    const p = await box(panel);
    expect(p.left).toBeCloseTo(16, 0);
    expect(p.right).toBeLessThan(VIEWPORT.width / 2);
    await waitForText(host.locator('form.pre p'), /أخبرنا قليلًا عن نفسك لبدء المحادثة\./);
    // The name field's Arabic label from the button's config; the order field has none in Arabic: its `label`.
    expect(await host.getByLabel('اسمك (مطلوب)').isVisible()).toBe(true);
    expect(await host.getByLabel('Order number').isVisible()).toBe(true);
    await host.getByRole('button', { name: 'بدء المحادثة' }).click();
    await waitForText(host.getByRole('alert'), /يُرجى ملء الحقول المطلوبة\./);
    expect(serious(await axeWidget(page))).toEqual([]);

    await host.getByLabel('اسمك (مطلوب)').fill('Layla');
    await host.getByRole('button', { name: 'بدء المحادثة' }).click();
    await waitForText(status, /المحادثة جارية مع Demo Bot\./);
    const input = host.getByLabel('الرسالة', { exact: true });
    expect(await input.getAttribute('placeholder')).toBe('اكتب رسالة…');
    await input.fill('Hello, order 42');
    await host.getByRole('button', { name: 'إرسال' }).click();
    const mine = host.locator('.msg.me').filter({ hasText: 'Hello, order 42' });
    const echo = host.locator('.msg.agent').filter({ hasText: 'Hello, order 42' });
    await echo.waitFor();

    // Mirrored: the visitor's bubble on the panel's left edge (the end side), the agent's on its right.
    const me = await box(mine);
    const agent = await box(echo);
    expect(me.left - p.left).toBeLessThan(24);
    expect(p.right - me.right).toBeGreaterThan(80);
    expect(p.right - agent.right).toBeLessThan(24);
    // The composer mirrors too: Send on the left of the message box.
    expect((await box(host.getByRole('button', { name: 'إرسال' }))).right).toBeLessThan((await box(input)).left + 1);
    // English in an Arabic widget reads left to right inside its bubble.
    const direction = (selector: string): Promise<unknown> =>
      page.evaluate(`getComputedStyle(document.querySelector('switchboard-chat').shadowRoot.querySelector(${JSON.stringify(selector)})).direction`);
    expect(await direction('.msg.me > div[dir=auto]')).toBe('ltr');
    expect(await direction('.msg.me')).toBe('rtl');
    expect(serious(await axeWidget(page))).toEqual([]);
    expect(await pageState(page)).toEqual(before);
  });

  it('a Hebrew page gets a Hebrew widget, right to left; data-lang="en" on it stays left to right', async () => {
    let page = await openPage('lang="he" dir="rtl"', {}, IDS.emptyButton);
    let host = page.locator('switchboard-chat');
    await waitForText(host.locator('.status'), /אנחנו לא מחוברים\./, 10_000, 'attached');
    expect(await host.getAttribute('dir')).toBe('rtl');
    expect(await host.locator('button.launch').textContent()).toBe('דברו איתנו (לא מחובר)');
    expect((await box(host.locator('button.launch'))).left).toBeCloseTo(16, 0);
    await suite.closeContext();

    page = await openPage('lang="he" dir="rtl"', { lang: 'en' }, IDS.emptyButton);
    host = page.locator('switchboard-chat');
    await waitForText(host.locator('.status'), /We are offline\./, 10_000, 'attached');
    expect(await host.getAttribute('dir')).toBe('ltr');
    expect(await host.locator('.panel').getAttribute('dir')).toBe('ltr');
    // On the right, as on any left-to-right page, though the page around it is right to left.
    expect(VIEWPORT.width - (await box(host.locator('button.launch'))).right).toBeCloseTo(16, 0);
    expect(await page.evaluate('document.documentElement.getAttribute("dir")')).toBe('rtl');
  });
});
