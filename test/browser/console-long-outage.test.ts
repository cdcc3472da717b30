/**
 * The network comes back before the server does. The console reconnects its
 * stream at once when the browser says it is back online; a server that is
 * still out of reach then (a VPN not up yet, a server restarting, a captive
 * portal) must not turn the stream into a first connect, which gives up after
 * the SDK's 30 s: the console would sit "Disconnected" for good, deaf to offers
 * and messages. The browser reaches the server only through a TCP proxy the
 * test cuts, so the drop is real on the wire.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './agent-api.js';
import { chat, launchChromium, login, openConsole, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { PollingVisitor } from './console-visitor.js';
import { CuttableProxy, isAgentStream } from './cuttable-proxy.js';

/** The SDK's default `retry.giveUpAfterMs`: how long a first connect() tries. */
const FIRST_CONNECT_GIVES_UP_MS = 30_000;

// Long enough a grace that the server keeps the chat with the agent through the outage.
const server = new ConsoleTestServer({ agentGraceSeconds: 300 });
let browser: Browser;
let proxy: CuttableProxy;
let alex: ConsolePage;
let vera: PollingVisitor;

beforeAll(async () => {
  await server.start();
  [browser, proxy] = await Promise.all([launchChromium(), CuttableProxy.start(server.baseUrl)]);
  alex = await openConsole(browser, proxy.baseUrl);
  vera = new PollingVisitor(server, 'Vera Visitor');
}, 60_000);

afterAll(async () => {
  await vera?.stop();
  await browser?.close();
  await proxy?.close();
  await server.dispose();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.error(`--- console ---\n${await alex?.page.locator('body').innerText().catch(() => '(no page)')}\n--- connections ---\n${proxy?.describe()}`);
});

describe('console after a long outage', () => {
  it('back online while the server is still out of reach for longer than a first connect tries: the stream resumes once the server answers', async () => {
    await login(alex.page, AGENT1.username, AGENT1.password);
    await setPresence(alex.page, 'Online');
    await vera.request();
    await alex.page.getByRole('article', { name: 'Chat offer from Vera Visitor' }).getByRole('button', { name: 'Accept' }).click();
    await vera.waitForType('ChatEstablished');
    const log = chat(alex.page, 'Vera Visitor').getByRole('log');
    await vera.say('Before the outage');
    await log.getByText('Before the outage').waitFor();

    // The network goes: the browser says so, and every connection dies with it.
    await alex.context.setOffline(true);
    expect(proxy.down().filter(isAgentStream), 'the stream socket was cut').toHaveLength(1);
    await alex.page.locator('.connection').filter({ hasText: /Offline|reconnecting/ }).waitFor();
    // The network is back (the `online` event), the server is not.
    const onlineAt = Date.now();
    await alex.context.setOffline(false);
    await vera.say('Said while the agent could not reach the server');
    // Out of reach until the console has tried past the point where a first connect gives up.
    await eventually(async () => (proxy.refusedAt.some((t) => t - onlineAt > FIRST_CONNECT_GIVES_UP_MS + 1_000) ? true : undefined), 75_000, 'an attempt after 31 s');
    expect(await alex.page.locator('.connection').textContent()).toMatch(/reconnecting/);
    proxy.up();

    // The backoff's longest step is 15 s: by then the stream is back and has replayed what it missed.
    // The line may come first from a transcript read over REST, so the stream gets the same 15 s
    // (plus room) counted from there, not the default 10 s.
    const line = log.locator('.msg.visitor').filter({ hasText: 'Said while the agent could not reach the server' });
    await line.first().waitFor({ timeout: 20_000 });
    await alex.page.locator('.connection').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
    expect(proxy.open(isAgentStream)).toHaveLength(1);
    await alex.page.waitForTimeout(500); // room for a duplicate to show up
    expect(await line.count()).toBe(1);
    await chat(alex.page, 'Vera Visitor').getByRole('textbox').fill('Back');
    await chat(alex.page, 'Vera Visitor').getByRole('textbox').press('Enter');
    await vera.waitFor('the agent after the outage', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Back');
  }, 120_000);
});
