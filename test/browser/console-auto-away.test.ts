/**
 * Auto away in the console (ADR 0054): in an org with `autoAwayOnOfferTimeout`, an
 * agent who lets an offer time out sees the presence switch on Away and is told why
 * once: shown in the toast, said by the screen-reader announcer (not by both).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../protocol/harness.js';
import { Visitor } from '../protocol/visitor.js';
import { launchChromium, login, openConsole, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, CONSOLE_INDEX, DEPLOYMENT_ID, ORG_ID, SUPPORT_BUTTON, consoleConfig } from './console-server.js';
import { recordSpoken, timesSpoken } from './live-regions.js';

/** The console suite's config with auto away on and 1 s offers. */
function autoAwayConfig(): object {
  const config = consoleConfig() as { orgs: { deployments: { buttons: { offerTimeoutSeconds: number }[] }[]; [key: string]: unknown }[] };
  const org = config.orgs[0]!;
  org['autoAwayOnOfferTimeout'] = true;
  org.deployments[0]!.buttons[0]!.offerTimeoutSeconds = 1;
  return config;
}

const server = new TestServer({ pollHoldSeconds: 1 }, { config: autoAwayConfig, requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']] });
let browser: Browser;
let alex: ConsolePage;

beforeAll(async () => {
  await server.start();
  browser = await launchChromium();
  alex = await openConsole(browser, server.baseUrl);
  await login(alex.page, AGENT1.username, AGENT1.password);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server.dispose();
});

describe('console: auto away', () => {
  it('an offer that times out sets the agent Away, and the console says why once', async () => {
    // The stream's first presence event (offline) must not undo the click.
    await alex.page.locator('.connection').filter({ hasText: 'Connected' }).waitFor();
    await new Promise((r) => setTimeout(r, 300));
    await setPresence(alex.page, 'Online');
    await recordSpoken(alex.page);
    const v = new Visitor(server);
    await v.createSession();
    expect((await v.init(v.initBody(SUPPORT_BUTTON, { organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID, visitorName: 'Wendy Waiting' }))).status).toBe(200);
    const text = 'You were set to Away: an offer timed out. Set Online to receive chats.';
    await alex.page.locator('.toast', { hasText: text }).waitFor();
    expect(await alex.page.getByRole('radio', { name: 'Away' }).isChecked()).toBe(true);
    expect(await alex.page.locator('[aria-live="assertive"]').textContent()).toBe(text);
    expect(await timesSpoken(alex.page, text), 'told once').toBe(1);
    await setPresence(alex.page, 'Online');
    expect(alex.errors).toEqual([]);
    await v.end();
  });
});
