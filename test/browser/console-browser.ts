/**
 * Browser side of the console tests: Debian's Chromium driven by
 * playwright-core (never a downloaded browser), a logged-in console page per
 * user, axe-core checks and screenshots for docs/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type WebSocketRoute } from 'playwright-core';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AXE = join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js');
export const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * What Chromium logs when a connection fails: the tests cut connections on purpose
 * (cuttable-proxy.ts, setOffline), so these are no error of the page.
 */
export function isNetworkFailure(message: string): boolean {
  return /net::ERR_(INTERNET_DISCONNECTED|CONNECTION_(RESET|REFUSED|CLOSED)|SOCKET_NOT_CONNECTED|EMPTY_RESPONSE)/.test(message);
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, for the final check. */
  errors: string[];
}

/** A fresh context (own storage, own network switch) with the console open at its login form. */
export async function openConsole(browser: Browser, baseUrl: string): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: baseUrl });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  await page.goto('/console/');
  await page.getByLabel('Username').waitFor();
  return { context, page, errors };
}

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('group', { name: 'Presence' }).waitFor();
}

/** One console page per user, in one browser, each logged in (in order: the server sees the logins one by one). */
export async function loggedInConsoles<T extends readonly { username: string; password: string }[]>(browser: Browser, baseUrl: string, users: T): Promise<{ [K in keyof T]: ConsolePage }> {
  const pages = await Promise.all(users.map(() => openConsole(browser, baseUrl)));
  for (const [i, u] of users.entries()) await login(pages[i]!.page, u.username, u.password);
  return pages as { [K in keyof T]: ConsolePage };
}

export async function setPresence(page: Page, status: 'Online' | 'Away' | 'Offline'): Promise<void> {
  await page.getByRole('radio', { name: status }).check();
  await page.getByRole('status').filter({ hasText: `You are ${status.toLowerCase()}` }).waitFor();
}

/** Offline while holding chats: the console asks first ("Go offline?"), and this confirms it. */
export async function goOfflineConfirmed(page: Page): Promise<void> {
  await page.getByRole('radio', { name: 'Offline' }).check();
  await page.getByRole('dialog', { name: 'Go offline?' }).getByRole('button', { name: 'Go offline' }).click();
  await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, not added as a <script>: the console's CSP
  // (script-src 'self') rightly refuses inline scripts, the test's included.
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = (await page.evaluate('window.axe.run(document, { resultTypes: ["violations"] })')) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Readable summary of violations for an assertion message. */
export function describeViolations(vs: AxeViolation[]): string {
  return vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3).join(', ')}`).join('\n');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `console-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Routes the agent stream socket of `page`'s context through a switch; the route takes the
 * page's next socket, so reload the page after. Off closes the socket and every reconnect at
 * once (never open: the console keeps trying and hears nothing) and waits for the console to
 * say it is reconnecting; on again, the next reconnect reaches the server.
 */
export async function routeStreamThroughSwitch(page: Page): Promise<(on: boolean) => Promise<void>> {
  let off = false;
  const sockets = new Set<WebSocketRoute>();
  await page.context().routeWebSocket(/\/agent\/v1\/stream/, (ws) => {
    if (off) return void ws.close();
    sockets.add(ws);
    ws.connectToServer();
  });
  return async (on) => {
    off = !on;
    if (on) return;
    for (const ws of [...sockets]) await ws.close();
    sockets.clear();
    await page.getByRole('status').filter({ hasText: /reconnecting/ }).waitFor();
  };
}

/** The chat panel of the visitor called `visitorName`. */
export function chat(page: Page, visitorName: string): Locator {
  return page.locator('section.chat').filter({ has: page.getByRole('heading', { name: visitorName }) });
}

/**
 * `target` holds the keyboard (polled: focus that moves after a task, as a dialog's close event
 * does, still counts). Failing names what holds it instead, so a flaky run says who took it.
 */
export async function expectFocused(target: Locator, message: string): Promise<void> {
  await expect.poll(() => target.evaluate((e) => {
    const active = e.ownerDocument.activeElement;
    if (active === e) return 'the target';
    if (!active) return 'nothing';
    const label = active.getAttribute('aria-label') ?? active.textContent?.trim().slice(0, 40) ?? '';
    return `${active.tagName.toLowerCase()}${active.id ? `#${active.id}` : ''} "${label}"`;
  }), { message, timeout: 2_000 }).toBe('the target');
}
