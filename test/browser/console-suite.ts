/**
 * The hooks a console browser test file shares, registered once: the server
 * started, one Chromium, a logged-in console per user; at the end the
 * visitors stopped, the browser closed, the server disposed; after a failed
 * test each console's text and errors printed, so a failure says what the
 * agent saw.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TestServer } from '../protocol/harness.js';
import { launchChromium, loggedInConsoles, setPresence, type ConsolePage } from './console-browser.js';
import type { PollingVisitor } from './console-visitor.js';

export interface ConsoleSuiteOptions<N extends string> {
  /** The console set Online once all are logged in. */
  online?: NoInfer<N>;
  /** More to print after a failed test (e.g. the server's log). */
  report?: () => string;
}

export interface ConsoleSuite {
  /** The visitors a test made: stopped after all tests. */
  readonly visitors: PollingVisitor[];
}

/**
 * Registers beforeAll, afterAll and afterEach for a file whose tests drive the consoles of
 * `users` (logged in in their order: the server sees the logins one by one). The consoles,
 * named by the keys of `users`, are handed to `ready` once they are logged in.
 */
export function consoleSuite<N extends string>(
  server: TestServer,
  users: Record<N, { username: string; password: string }>,
  ready: (consoles: Record<N, ConsolePage>) => void,
  options: ConsoleSuiteOptions<N> = {},
): ConsoleSuite {
  const visitors: PollingVisitor[] = [];
  const names = Object.keys(users) as N[];
  let browser: Browser | undefined;
  let consoles: Partial<Record<N, ConsolePage>> = {};

  beforeAll(async () => {
    await server.start();
    browser = await launchChromium();
    const pages = await loggedInConsoles(browser, server.baseUrl, names.map((n) => users[n]));
    consoles = Object.fromEntries(names.map((n, i) => [n, pages[i]])) as Record<N, ConsolePage>;
    ready(consoles as Record<N, ConsolePage>);
    if (options.online) await setPresence(consoles[options.online]!.page, 'Online');
  }, 60_000);

  afterAll(async () => {
    for (const v of visitors) await v.stop().catch(() => undefined);
    await browser?.close();
    await server.dispose();
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const who of names) {
      const p = consoles[who];
      const text = await p?.page.locator('body').innerText().catch(() => '(no page)');
      console.error(`--- ${who} console ---\n${text}\n${p?.errors.join('\n') ?? ''}`);
    }
    if (options.report) console.error(options.report());
  });

  return { visitors };
}
