/**
 * The widget in the visitor's language (ADR 0053), in Debian's Chromium against the
 * real server: `data-lang="de"` on an English page (launcher, pre-chat form, queue
 * line, chat controls, offline note, the root's `lang`), `<html lang>` and the
 * browser's languages when there is no `data-lang`, and a site's `data-texts`
 * overrides — inserted as text, never as HTML; unknown keys and wrong types warned
 * about and left out. axe-core checks each page as the other widget tests do.
 *
 * Needs `npm run build` (widget/dist/widget.js).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TestAgent } from './agent-api.js';
import { browserConfig, IDS } from './browser-server.js';
import { axeWidget, openSitePage, serious, useWidgetSuite, waitForText } from './widget-page.js';

const suite = useWidgetSuite(browserConfig);

interface HostPage {
  /** `<html lang>`; none when absent. */
  htmlLang?: string;
  button: string;
  /** The script tag's data attributes besides org, deployment and button. */
  data?: Record<string, string>;
  /** The browser's language (navigator.languages). */
  locale?: string;
}

/** A site's page on the server's origin (served by the browser's router) with the widget's script tag. */
async function openPage(p: HostPage): Promise<{ page: Page; warnings: string[] }> {
  const page = await (await suite.newContext(p.locale ? { locale: p.locale } : {})).newPage();
  const warnings: string[] = [];
  page.on('pageerror', (err) => console.error('[page error]', err));
  page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text()); });
  const data = { org: IDS.org, deployment: IDS.deployment, button: p.button, ...p.data };
  await openSitePage(page, suite.server.baseUrl, { data, ...(p.htmlLang ? { html: `lang="${p.htmlLang}"` } : {}) });
  return { page, warnings };
}

function widget(page: Page) {
  const host = page.locator('switchboard-chat');
  return { host, launcher: host.locator('button.launch'), panel: host.locator('.panel'), status: host.locator('.status') };
}

describe('chat widget in the visitor’s language', () => {
  it('data-lang="de" on an English page: German words, lang="de" on the widget, the pre-chat form and the queue line in German', async () => {
    const agent = new TestAgent(suite.server.baseUrl);
    await agent.login('agent', 'agent-demo');
    await agent.presence('online');
    try {
      const { page } = await openPage({ htmlLang: 'en', button: IDS.humanButton, data: { lang: 'de' } });
      const w = widget(page);
      await waitForText(w.status, /Wir sind online\./, 10_000, 'attached');
      expect(await w.host.getAttribute('lang')).toBe('de');
      expect(await w.launcher.getAttribute('lang')).toBe('de');
      expect(await w.panel.getAttribute('lang')).toBe('de');
      expect(await w.launcher.textContent()).toBe('Chatten Sie mit uns');

      await w.launcher.click();
      await w.panel.waitFor({ state: 'visible' });
      await waitForText(w.host.locator('form.pre p'), /Erzählen Sie uns kurz etwas über sich/);
      await w.host.getByRole('button', { name: 'Chat starten' }).click();
      await waitForText(w.host.getByRole('alert'), /Bitte füllen Sie die Pflichtfelder aus\./);
      expect(serious(await axeWidget(page))).toEqual([]);

      await w.host.getByLabel('Your name (Pflichtfeld)').fill('Greta Gast');
      await w.host.getByLabel('Email (Pflichtfeld)').fill('greta@example.com');
      await w.host.getByRole('button', { name: 'Chat starten' }).click();
      // Offered to the agent, not accepted: first in line.
      await waitForText(w.status, /^Sie sind als Nächstes an der Reihe \(Position 1\)\./);
      expect(await w.host.getByRole('button', { name: 'Chat beenden' }).isVisible()).toBe(true);
      expect(await w.host.getByRole('button', { name: 'Chat minimieren' }).isVisible()).toBe(true);
      expect(await w.host.getByLabel('Nachricht', { exact: true }).getAttribute('placeholder')).toBe('Nachricht eingeben…');
      expect(await w.host.getByRole('log').getAttribute('aria-label')).toBe('Chatnachrichten');
      expect(serious(await axeWidget(page))).toEqual([]);

      await w.host.getByRole('button', { name: 'Chat beenden' }).click();
      // The question in German too.
      await w.host.getByRole('group', { name: 'Diesen Chat beenden?' }).waitFor({ state: 'visible' });
      expect(await w.host.getByRole('button', { name: 'Weiter chatten' }).isVisible()).toBe(true);
      await w.host.getByRole('button', { name: 'Beenden', exact: true }).click();
      await waitForText(w.status, /Sie haben den Chat beendet\./);
      expect(await w.host.getByRole('button', { name: 'Neuen Chat starten' }).isVisible()).toBe(true);
    } finally {
      await agent.presence('offline').catch(() => undefined);
    }
  });

  it('the offline note and launcher in German; a bot chat says who the visitor chats with', async () => {
    const offline = await openPage({ button: IDS.emptyButton, data: { lang: 'de-AT' } });
    let w = widget(offline.page);
    await waitForText(w.status, /Wir sind offline\./, 10_000, 'attached');
    expect(await w.launcher.textContent()).toBe('Chatten Sie mit uns (offline)');
    await w.launcher.click();
    await waitForText(w.host.locator('p'), /Gerade ist niemand für einen Chat erreichbar/);
    expect(serious(await axeWidget(offline.page))).toEqual([]);
    await suite.closeContext();

    const bot = await openPage({ button: IDS.botButton, data: { lang: 'de' } });
    w = widget(bot.page);
    await waitForText(w.status, /Wir sind online\./, 10_000, 'attached');
    await w.launcher.click();
    await waitForText(w.status, /Sie chatten mit Demo Bot\./);
    await waitForText(w.host.locator('.msg.sys'), /Demo Bot ist dem Chat beigetreten/);
  });

  it('without data-lang: the page’s <html lang>, else the browser’s languages, else English', async () => {
    let p = await openPage({ htmlLang: 'fr-CA', button: IDS.emptyButton, locale: 'de-DE' });
    await waitForText(widget(p.page).status, /Nous sommes hors ligne\./, 10_000, 'attached');
    expect(await widget(p.page).host.getAttribute('lang')).toBe('fr');
    await suite.closeContext();

    p = await openPage({ button: IDS.emptyButton, locale: 'pt-BR' });
    await waitForText(widget(p.page).status, /Estamos offline\./, 10_000, 'attached');
    expect(await widget(p.page).host.getAttribute('lang')).toBe('pt-BR');
    expect(await widget(p.page).launcher.textContent()).toBe('Fale com a gente (offline)');
    await suite.closeContext();

    p = await openPage({ htmlLang: 'it', button: IDS.emptyButton, locale: 'nl-NL' });
    await waitForText(widget(p.page).status, /We are offline\./, 10_000, 'attached');
    expect(await widget(p.page).host.getAttribute('lang')).toBe('en');
  });

  it('data-texts replaces texts as text, never HTML; unknown keys and wrong types are warned about and left out', async () => {
    const texts = {
      title: '<img src=x onerror="window.__xss=1">Hilfe & Rat',
      endChat: 'Fertig',
      aboutMinutes: { one: 'rund {n} Minute', other: 'rund {n} Minuten' },
      titel: 'typo',
      send: 5,
    };
    const { page, warnings } = await openPage({ button: IDS.botButton, data: { lang: 'de', texts: JSON.stringify(texts) } });
    const w = widget(page);
    await waitForText(w.status, /Wir sind online\./, 10_000, 'attached');
    expect(await w.launcher.textContent()).toBe('<img src=x onerror="window.__xss=1">Hilfe & Rat');
    await w.launcher.click();
    await waitForText(w.status, /Sie chatten mit Demo Bot\./);
    expect(await w.host.getByRole('heading', { level: 2 }).textContent()).toBe('<img src=x onerror="window.__xss=1">Hilfe & Rat');
    expect(await w.host.getByRole('button', { name: 'Fertig' }).isVisible()).toBe(true);
    // The wrong type left the bundled German in place.
    expect(await w.host.getByRole('button', { name: 'Senden' }).isVisible()).toBe(true);
    expect(await page.evaluate('document.querySelector("switchboard-chat").shadowRoot.querySelectorAll("img").length')).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(warnings).toContain('[switchboard] data-texts: unknown key "titel" ignored');
    expect(warnings).toContain('[switchboard] data-texts: "send" must be a string; ignored');
    expect(serious(await axeWidget(page))).toEqual([]);
  });

  it('data-texts that is not JSON is ignored with a warning; the widget still works', async () => {
    const { page, warnings } = await openPage({ button: IDS.botButton, data: { texts: '{title: oops' } });
    const w = widget(page);
    await waitForText(w.status, /We are online\./, 10_000, 'attached');
    expect(await w.launcher.textContent()).toBe('Chat with us');
    expect(warnings).toContain('[switchboard] data-texts is not JSON; it is ignored');
  });
});
