/**
 * Browser plumbing for the widget suite: Debian's Chromium through
 * playwright-core (never a downloaded browser), locators into the widget's
 * shadow root, and the axe-core check.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Locators of one page's widget (Playwright's CSS and role locators pierce open shadow roots). */
export function widgetOf(page: Page) {
  const host = page.locator('switchboard-chat');
  return {
    host,
    launcher: host.locator('button.launch'),
    panel: host.getByRole('dialog'),
    status: host.locator('.status'),
    log: host.getByRole('log'),
    agentMessages: host.locator('.msg.agent'),
    input: host.getByLabel('Message', { exact: true }),
    typing: host.locator('.typing'),
    endButton: host.getByRole('button', { name: 'End chat' }),
    saveButton: host.getByRole('button', { name: 'Download transcript' }),
    offlineNote: host.getByText('Nobody is available to chat right now'),
  };
}

/** The types of the listeners on `window` or `document`, read through the DevTools protocol. */
export async function listenerTypes(page: Page, target: 'window' | 'document'): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { result } = await cdp.send('Runtime.evaluate', { expression: target });
    const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId ?? '' });
    return listeners.map((l) => l.type);
  } finally {
    await cdp.detach();
  }
}

/** Waits until the locator's text matches (`attached` for elements in a closed panel). */
export async function waitForText(loc: Locator, pattern: RegExp, timeout = 10_000, state: 'visible' | 'attached' = 'visible'): Promise<void> {
  await loc.filter({ hasText: pattern }).first().waitFor({ state, timeout });
}

/** The tag (and class) of the element focused inside the widget's shadow root. */
export function focusedInWidget(page: Page): Promise<string> {
  return page.evaluate(`(() => { const a = document.querySelector('switchboard-chat').shadowRoot.activeElement;
    return a ? a.tagName.toLowerCase() + (a.className ? '.' + a.className : '') + (a.textContent ? ' ' + a.textContent.trim() : '') : 'none'; })()`);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the widget host, shadow DOM included. */
export async function axeWidget(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(`(async () => {
    const r = await axe.run({ include: [['switchboard-chat']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  })()`);
}

/** Only what the suite fails on: serious and critical violations. */
export function serious(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
