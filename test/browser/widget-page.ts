/**
 * Browser plumbing for the widget suite: Debian's Chromium through
 * playwright-core (never a downloaded browser), locators into the widget's
 * shadow root, the axe-core check, and the server, browser and host page a
 * widget test file starts ({@link useWidgetSuite}, {@link openSitePage}).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { REPO_ROOT, startServer, type RunningServer } from './browser-server.js';
import { CuttableProxy } from './cuttable-proxy.js';

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
    /** "End this chat?": its End and Keep chatting (End chat asks first). */
    endQuestion: host.getByRole('group', { name: 'End this chat?' }),
    endYes: host.getByRole('button', { name: 'End', exact: true }),
    keepChatting: host.getByRole('button', { name: 'Keep chatting' }),
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

export const WIDGET_JS = join(REPO_ROOT, 'widget', 'dist', 'widget.js');

/** What {@link useWidgetSuite} starts for a test file; the fields are set once its `beforeAll` ran. */
export interface WidgetSuite {
  readonly server: RunningServer;
  readonly browser: Browser;
  /** A {@link CuttableProxy} in front of the server (with `proxy: true` only). */
  readonly proxy: CuttableProxy;
  /** A new browser context (1000 × 760 unless `options` say otherwise), closed after the test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Closes the last context {@link newContext} opened, before the test's end. */
  closeContext(): Promise<void>;
}

/**
 * The real server (started with `config()`) and Chromium for this test file, with
 * a {@link CuttableProxy} in front of the server when `proxy`: started in
 * `beforeAll` (after checking, with `needsWidgetBuild`, that the widget was built:
 * `buildHint` says how), closed in `afterAll`; the test's browser context is
 * closed after each test.
 */
export function useWidgetSuite(config: () => object, opts: { proxy?: boolean; needsWidgetBuild?: boolean; buildHint?: string } = {}): WidgetSuite {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let proxy: CuttableProxy | undefined;
  let context: BrowserContext | undefined;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} not started: useWidgetSuite's beforeAll has not run`);
    return value;
  };
  beforeAll(async () => {
    if (opts.needsWidgetBuild && !existsSync(WIDGET_JS)) throw new Error(`${WIDGET_JS} not found: run \`${opts.buildHint ?? 'npm run build'}\``);
    [server, browser] = await Promise.all([startServer(config()), launchChromium()]);
    if (opts.proxy) proxy = await CuttableProxy.start(server.baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.dispose();
  });
  const closeContext = async (): Promise<void> => {
    await context?.close();
    context = undefined;
  };
  afterEach(closeContext);
  return {
    get server() { return started(server, 'the server'); },
    get browser() { return started(browser, 'Chromium'); },
    get proxy() { return started(proxy, 'the proxy'); },
    async newContext(options = {}) {
      context = await started(browser, 'Chromium').newContext({ viewport: { width: 1000, height: 760 }, ...options });
      return context;
    },
    closeContext,
  };
}

/** `value` as the content of a double-quoted HTML attribute. */
function attributeValue(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Opens in `page` a site's page at `<baseUrl>/site.html` (answered by the browser's
 * router, so on the server's origin) with the widget's script tag, and resolves once
 * the launcher shows. `data`: the script tag's `data-*` attributes; `html`: the
 * `<html>` element's attributes; `main`: what the page's `<main>` holds.
 */
export async function openSitePage(page: Page, baseUrl: string, site: { data: Record<string, string>; html?: string; main?: string }): Promise<void> {
  const tag = `<script src="/widget.js" ${Object.entries(site.data).map(([k, v]) => `data-${k}="${attributeValue(v)}"`).join(' ')}></script>`;
  const body = `<!doctype html><html${site.html ? ` ${site.html}` : ''}><head><meta charset="utf-8"><title>A site</title></head><body><main>${site.main ?? '<h1>A site</h1>'}</main>${tag}</body></html>`;
  await page.route(`${baseUrl}/site.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }));
  await page.goto(`${baseUrl}/site.html`);
  await page.locator('switchboard-chat button.launch').waitFor({ state: 'visible' });
}

/**
 * Starts recording what the widget's live regions say (the log, the status lines, the announcer):
 * text added to a region that is not hidden, leaving out what is `aria-hidden`. Call once the
 * widget is on the page; the function returned reads what was heard so far.
 */
export async function recordAnnouncements(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(`(() => {
    const root = document.querySelector('switchboard-chat').shadowRoot;
    const heard = window.__sbHeard = [];
    const regionOf = (node) => {
      for (let el = node && node.nodeType === 1 ? node : node && node.parentElement; el; el = el.parentElement) {
        if (el.getAttribute('aria-hidden') === 'true') return null;
        const live = el.getAttribute('aria-live');
        if (live === 'off') return null;
        if (live || ['log', 'status', 'alert'].includes(el.getAttribute('role'))) return el;
      }
      return null;
    };
    new MutationObserver((mutations) => {
      for (const m of mutations) {
        const region = regionOf(m.target);
        if (!region || region.closest('[hidden]')) continue;
        const added = m.type === 'characterData' ? [m.target] : [...m.addedNodes].filter((n) => !(n.nodeType === 1 && n.closest('[aria-hidden=true]')));
        for (const n of added) { const t = (n.textContent || '').trim(); if (t) heard.push(t); }
      }
    }).observe(root, { subtree: true, childList: true, characterData: true });
  })()`);
  return () => page.evaluate('window.__sbHeard');
}
