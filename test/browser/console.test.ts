/**
 * The agent console in a real browser (Debian's Chromium via playwright-core)
 * against the real server: two agents and a supervisor in their own browser
 * contexts, a visitor driven over the plain visitor REST API. One chat goes
 * through offer, accept, messages, typing and sneak peek, network drops, a
 * transfer, supervision and the end; axe-core checks every view. The first
 * agent's browser reaches the server through a TCP proxy the drops cut for real
 * (cuttable-proxy.ts): Chromium's offline mode alone leaves an open WebSocket
 * connected.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENT1, AGENT2, ConsoleTestServer, SUPERVISOR } from './console-server.js';
import { chat, describeViolations, isNetworkFailure, launchChromium, login, openConsole, screenshot, seriousViolations, setPresence, type ConsolePage } from './console-browser.js';
import { PollingVisitor } from './console-visitor.js';
import { CuttableProxy, isAgentStream } from './cuttable-proxy.js';

const server = new ConsoleTestServer();
let browser: Browser;
let proxy: CuttableProxy;
let alex: ConsolePage;
let blair: ConsolePage;
let sam: ConsolePage;
let vera: PollingVisitor;
let walt: PollingVisitor | undefined;
const VERA = 'Vera Visitor';
const screenshots: string[] = [];
/** Every WebSocket URL the first agent's console opened. */
const alexSockets: string[] = [];

function transcript(page: Page, visitorName: string): Locator {
  return chat(page, visitorName).getByRole('log');
}

/** The first agent's connection status (top bar). */
function connection(): Locator {
  return alex.page.locator('.connection');
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function expectAccessible(page: Page, view: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `axe on the ${view} view:\n${describeViolations(violations)}`).toEqual([]);
}

beforeAll(async () => {
  await server.start();
  [browser, proxy] = await Promise.all([launchChromium(), CuttableProxy.start(server.baseUrl)]);
  [alex, blair, sam] = await Promise.all([openConsole(browser, proxy.baseUrl), openConsole(browser, server.baseUrl), openConsole(browser, server.baseUrl)]);
  alex.page.on('websocket', (ws) => alexSockets.push(ws.url()));
  vera = new PollingVisitor(server, VERA);
}, 60_000);

afterAll(async () => {
  await vera?.stop();
  await walt?.stop();
  await browser?.close();
  await proxy?.close();
  await server.dispose();
});

// On a failure, show what each console showed: a browser test is hard to debug blind.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const [who, p] of [['alex', alex], ['blair', blair], ['sam', sam]] as const) {
    const text = await p?.page.locator('body').innerText().catch(() => '(no page)');
    console.error(`--- ${who} console ---\n${text}\n${p?.errors.join('\n') ?? ''}`);
  }
  console.error(`--- alex's connections ---\n${proxy?.describe()}`);
});

describe('agent console', () => {
  it('is served so that only its own files run in it and no other site can frame it', async () => {
    const res = await fetch(`${server.baseUrl}/console/`);
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('logs in (accessible login form) and goes online', async () => {
    await expectAccessible(alex.page, 'login');
    screenshots.push(await screenshot(alex.page, 'login'));
    // A wrong password says so in words, not as an HTTP status line.
    await alex.page.getByLabel('Username').fill(AGENT1.username);
    await alex.page.getByLabel('Password').fill('not-the-password');
    await alex.page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => alex.page.getByRole('alert').textContent()).toBe('Wrong username or password.');
    // Tied to the fields: both invalid and described by the error, until the next attempt.
    const fields = [alex.page.getByLabel('Username'), alex.page.getByLabel('Password')];
    const described = (field: Locator) => field.evaluate((e) => (e.getAttribute('aria-describedby') ?? '').split(' ').map((id: string) => e.ownerDocument.getElementById(id)?.textContent ?? '').join(' ').trim());
    for (const field of fields) {
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await described(field)).toBe('Wrong username or password.');
    }
    // The browser logs the refused request itself ("Failed to load resource: 401"): expected here, and only here.
    const refused = alex.errors.splice(0);
    expect(refused.every((e) => /401/.test(e)), refused.join('\n')).toBe(true);
    // The next attempt, held on its way: the fields are no longer said to be wrong meanwhile.
    let release = (): void => undefined;
    const held = new Promise<void>((r) => { release = r; });
    await alex.page.route('**/auth/login', async (route) => { await held; await route.continue(); });
    await fields[1]!.fill(AGENT1.password);
    await alex.page.getByRole('button', { name: 'Log in' }).click();
    for (const field of fields) await expect.poll(() => field.getAttribute('aria-invalid')).toBeNull();
    expect(await described(fields[1]!)).toBe('');
    release();
    await alex.page.getByRole('group', { name: 'Presence' }).waitFor();
    await alex.page.unroute('**/auth/login');
    await login(blair.page, AGENT2.username, AGENT2.password);
    await expect.poll(() => alex.page.getByRole('status').filter({ hasText: 'Connected' }).count()).toBe(1);
    await setPresence(alex.page, 'Online');
    await expect.poll(() => alex.page.locator('output.load').textContent()).toBe('Load 0 / 3');
  });

  it('shows an offer with a countdown; accepting establishes the chat for the visitor', async () => {
    await vera.request([{ label: 'Email', value: 'vera@example.com' }, { label: 'Order', value: 'A-1042' }, { label: 'Routing', value: 'vip-tier-7', displayToAgent: false }]);
    const offer = alex.page.getByRole('article', { name: `Chat offer from ${VERA}` });
    await offer.waitFor();
    // displayToAgent: false is for routing or the CRM, not for the agent's eyes.
    expect(await offer.textContent()).not.toContain('vip-tier-7');
    await expect(offer.locator('.countdown').textContent()).resolves.toMatch(/^Expires in (2\d|30) s$/);
    await expect(offer.textContent()).resolves.toContain('Order: A-1042');
    screenshots.push(await screenshot(alex.page, 'offer'));
    await offer.getByRole('button', { name: 'Accept' }).click();
    const established = await vera.waitForType('ChatEstablished');
    // The server withdraws the offer from every connection, this one too: our own accept is not
    // "accepted in another window" to a screen reader.
    await chat(alex.page, VERA).waitFor();
    expect(await alex.page.locator('[aria-live="assertive"]').textContent()).not.toMatch(/another window|withdrawn/);
    expect(established.message['name']).toBe(AGENT1.name);
    await chat(alex.page, VERA).waitFor();
    await expect(alex.page.getByRole('article').count()).resolves.toBe(0);
    await expect.poll(() => alex.page.locator('output.load').textContent()).toBe('Load 1 / 3');
    // 320 CSS px (WCAG 1.4.10 reflow): nothing wider than the viewport, no sideways scrolling.
    const size = alex.page.viewportSize()!;
    await alex.page.setViewportSize({ width: 320, height: 640 });
    expect(await alex.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
    await alex.page.setViewportSize(size);
    // Accepting moves focus to the new chat's composer.
    await expect.poll(() => alex.page.evaluate('document.activeElement && document.activeElement.tagName')).toBe('TEXTAREA');
  });

  it('exchanges messages both ways and shows the visitor typing and the sneak peek', async () => {
    await vera.say('Hello, where is my order?');
    await transcript(alex.page, VERA).getByText('Hello, where is my order?').waitFor();

    const composer = chat(alex.page, VERA).getByRole('textbox', { name: `Message to ${VERA}` });
    await composer.pressSequentially('Let me check');
    await vera.waitForType('AgentTyping');
    await composer.press('Enter');
    const reply = await vera.waitFor('the agent reply', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Let me check');
    expect(reply.message['name']).toBe(AGENT1.name);
    await expect(composer.inputValue()).resolves.toBe('');
    await transcript(alex.page, VERA).locator('.msg.agent:not(.pending)').getByText('Let me check').waitFor();
    await vera.waitForType('AgentNotTyping');

    await vera.post('Chasitor/ChasitorTyping', {});
    await chat(alex.page, VERA).getByText('Visitor is typing…').waitFor();
    await vera.post('Chasitor/ChasitorSneakPeek', { position: 0, text: 'it was order A-10' });
    await chat(alex.page, VERA).locator('.peek-text').getByText('it was order A-10').waitFor();
    await chat(alex.page, VERA).getByText('Visitor details').click();
    await chat(alex.page, VERA).getByRole('cell', { name: 'vera@example.com' }).waitFor();
    expect(await chat(alex.page, VERA).textContent()).not.toContain('vip-tier-7');
    await expectAccessible(alex.page, 'main (chat)');
    screenshots.push(await screenshot(alex.page, 'chat'));
  });

  it('recovers from a cut connection without losing or repeating a message', async () => {
    // The connections die on the wire while the browser sees nothing wrong with its network (a
    // proxy's or NAT's timeout, a server behind a restarting load balancer): no `offline` event.
    // The stream socket is cut and new connections are refused for a few seconds.
    expect(proxy.down().filter(isAgentStream), 'the stream socket was cut').toHaveLength(1);
    await connection().filter({ hasText: /reconnecting/ }).waitFor();
    await vera.say('Sent while the agent was cut off');
    await pause(2000);
    // Nothing reaches the console while it is cut off.
    const line = transcript(alex.page, VERA).locator('.msg.visitor').filter({ hasText: 'Sent while the agent was cut off' });
    expect(await line.count()).toBe(0);
    proxy.up();
    // The console comes back by itself (its backoff), and the stream replays what it missed.
    await line.first().waitFor({ timeout: 20_000 });
    await connection().filter({ hasText: 'Connected' }).waitFor();
    // Give replay and the transcript reload time to (wrongly) add a copy.
    await pause(1000);
    expect(await line.count()).toBe(1);
    expect(await transcript(alex.page, VERA).locator('.msg.visitor').filter({ hasText: 'Hello, where is my order?' }).count()).toBe(1);
    expect(proxy.open(isAgentStream), 'one stream socket again').toHaveLength(1);
    // Chromium prints a failed socket's URL in the console, and proxies log URLs: every stream
    // URL carried a single-use ticket, never the access token (ADR 0028).
    expect(alexSockets.length, alexSockets.join('\n')).toBeGreaterThanOrEqual(2);
    for (const url of alexSockets) {
      expect(new URL(url).searchParams.has('access_token'), url).toBe(false);
      expect(new URL(url).searchParams.get('ticket'), url).toMatch(/^sbt_/);
    }
    expect(alex.errors.filter((e) => /access_token|sb1\./.test(e))).toEqual([]);
  });

  it('a stream event lost on the wire is delivered after the reconnect, once', async () => {
    // The server writes the event to the socket; the connection dies before the browser gets it.
    const lost = proxy.cutWhenServerSends((c, chunk) => isAgentStream(c) && chunk.includes('Lost on the way to the agent'));
    await vera.say('Lost on the way to the agent');
    await lost;
    const line = transcript(alex.page, VERA).locator('.msg.visitor').filter({ hasText: 'Lost on the way to the agent' });
    await line.first().waitFor({ timeout: 20_000 });
    await connection().filter({ hasText: 'Connected' }).waitFor();
    await pause(1000);
    expect(await line.count()).toBe(1);
  });

  it('an agent message whose reply is lost on the wire reaches the visitor once', async () => {
    // The message goes as a command on the stream socket; the server applies it, and the socket dies
    // before its reply arrives. The console sends it again over REST under the same clientMessageId.
    const lost = proxy.cutWhenServerSends((c, chunk) => isAgentStream(c) && chunk.includes('"type":"reply"') && chunk.includes('"offset"'));
    const composer = chat(alex.page, VERA).getByRole('textbox');
    await composer.fill('Sent as the socket died');
    await composer.press('Enter');
    await lost;
    await vera.waitFor('the message sent as the socket died', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Sent as the socket died');
    const mine = transcript(alex.page, VERA).locator('.msg.agent:not(.pending)').filter({ hasText: 'Sent as the socket died' });
    await mine.first().waitFor();
    await connection().filter({ hasText: 'Connected' }).waitFor();
    await pause(1000);
    expect(vera.received.filter((m) => m.type === 'ChatMessage' && m.message['text'] === 'Sent as the socket died')).toHaveLength(1);
    expect(await mine.count()).toBe(1);
    expect(await transcript(alex.page, VERA).locator('.msg.pending').count(), 'nothing left sending or failed').toBe(0);
  });

  it('going offline says so; back online the console reconnects at once', async () => {
    // Offline alone, Chromium keeps the stream socket connected (and only holds its frames back):
    // the connections die with the network here, as they do when a laptop loses its Wi-Fi.
    await alex.context.setOffline(true);
    expect(proxy.down().filter(isAgentStream), 'the stream socket was cut').toHaveLength(1);
    await connection().filter({ hasText: /Offline|reconnecting/ }).waitFor();
    await vera.say('Sent while the agent was offline');
    await pause(2000);
    const line = transcript(alex.page, VERA).locator('.msg.visitor').filter({ hasText: 'Sent while the agent was offline' });
    expect(await line.count()).toBe(0);
    proxy.up();
    await alex.context.setOffline(false);
    // The `online` event: no waiting for the backoff.
    await line.first().waitFor({ timeout: 5_000 });
    await connection().filter({ hasText: 'Connected' }).waitFor();
    await pause(1000);
    expect(await line.count()).toBe(1);
    // And the agent can still talk.
    await chat(alex.page, VERA).getByRole('textbox').fill('Back again');
    await chat(alex.page, VERA).getByRole('textbox').press('Enter');
    await vera.waitFor('message after the drop', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Back again');
  });

  it('a reload keeps the agent signed in and online, with the chat and its whole transcript', async () => {
    await alex.page.reload();
    // No login form: the tab's saved session signs in again and sets the presence the agent had.
    await alex.page.getByRole('group', { name: 'Presence' }).waitFor();
    expect(await alex.page.getByLabel('Password').count()).toBe(0);
    await expect.poll(() => alex.page.getByRole('radio', { name: 'Online' }).isChecked()).toBe(true);
    const log = transcript(alex.page, VERA);
    for (const text of ['Hello, where is my order?', 'Sent while the agent was offline', 'Back again']) {
      await log.getByText(text).first().waitFor();
      expect(await log.getByText(text).count(), text).toBe(1);
    }
    await vera.say('Sent after the agent reloaded');
    const line = log.locator('.msg.visitor').filter({ hasText: 'Sent after the agent reloaded' });
    await line.first().waitFor();
    await new Promise((r) => setTimeout(r, 500));
    expect(await line.count()).toBe(1);
    await chat(alex.page, VERA).getByRole('textbox').fill('Still here after the reload');
    await chat(alex.page, VERA).getByRole('textbox').press('Enter');
    await vera.waitFor('message after the reload', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Still here after the reload');
  });

  it('transfers to the second agent, who gets the whole transcript', async () => {
    await setPresence(blair.page, 'Online');
    await chat(alex.page, VERA).getByRole('button', { name: 'Transfer…' }).click();
    const dialog = alex.page.getByRole('dialog', { name: `Transfer chat with ${VERA}` });
    await dialog.waitFor();
    await expect.poll(() => alex.page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")')).toBe('Agent id');
    await expectAccessible(alex.page, 'transfer dialog');
    screenshots.push(await screenshot(alex.page, 'transfer'));
    // The agent list comes from GET /agent/v1/transfer-targets: Blair, online with room, is suggested
    // by name, and a typed name is resolved to the id.
    expect(await dialog.locator(`datalist option[value="${AGENT2.id}"]`).getAttribute('label')).toBe(`${AGENT2.name} (available)`);
    await dialog.getByRole('combobox', { name: 'Agent id' }).fill(AGENT2.name);
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await dialog.waitFor({ state: 'detached' });
    await chat(alex.page, VERA).getByText('Transferred', { exact: true }).waitFor();
    // The dialog's opener is gone with the transfer: focus lands on the chat's heading, not on <body>.
    await expect.poll(() => alex.page.evaluate('document.activeElement && document.activeElement.textContent')).toBe(VERA);

    await vera.say('Said during the transfer');
    const offer = blair.page.getByRole('article', { name: `Transfer offer: chat with ${VERA}` });
    await offer.getByRole('heading', { name: `Transfer: ${VERA}` }).waitFor();
    await offer.getByRole('button', { name: 'Accept' }).click();
    const transferred = await vera.waitForType('ChatTransferred');
    expect(transferred.message['name']).toBe(AGENT2.name);
    const log = transcript(blair.page, VERA);
    for (const text of ['Hello, where is my order?', 'Let me check', 'Sent while the agent was offline', 'Said during the transfer']) {
      await log.getByText(text).first().waitFor();
      expect(await log.getByText(text).count(), text).toBe(1);
    }
    await chat(blair.page, VERA).getByRole('textbox').fill('Hi, Blair here');
    await chat(blair.page, VERA).getByRole('textbox').press('Enter');
    await vera.waitFor('message from agent 2', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Hi, Blair here');
  });

  it('supervisor sees queues and agents, watches a chat read-only and whispers', async () => {
    // A second visitor waits in the queue: offered to Alex, who does not answer yet.
    walt = new PollingVisitor(server, 'Walt Waiting');
    await walt.request();
    await walt.waitForType('ChatRequestSuccess');
    await alex.page.getByRole('article', { name: 'Chat offer from Walt Waiting' }).waitFor();

    await login(sam.page, SUPERVISOR.username, SUPERVISOR.password);
    await sam.page.getByRole('button', { name: 'Supervisor' }).click();
    const sup = sam.page.getByRole('region', { name: 'Supervisor' });
    await sup.locator('table.queues').getByRole('cell', { name: 'Walt Waiting' }).waitFor();
    // The queue is named by its button's label, not its 15-character id.
    await sup.locator('table.queues').getByRole('row').filter({ hasText: 'Walt Waiting' }).filter({ hasText: 'Chat with a person' }).waitFor({ timeout: 5000 });
    const agents = sup.locator('table.agents');
    await agents.getByRole('row').filter({ hasText: AGENT1.name }).filter({ hasText: 'online' }).waitFor();
    await agents.getByRole('row').filter({ hasText: AGENT2.name }).filter({ hasText: '1 / 3' }).waitFor();
    // Capacity 0 is no limit, not "0 / 0".
    await agents.getByRole('row').filter({ hasText: SUPERVISOR.name }).filter({ hasText: '0 / no limit' }).waitFor({ timeout: 5000 });
    // The view refreshes every 2 s: a keyboard user's focus stays on the button it is on.
    const open = sup.getByRole('button', { name: `Open chat with ${VERA} read-only` });
    await open.focus();
    await sam.page.waitForTimeout(4_500);
    expect(await sam.page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')")).toBe(`Open chat with ${VERA} read-only`);
    await sam.page.keyboard.press('Enter');

    const watched = chat(sam.page, VERA);
    await watched.getByRole('log').getByText('Hi, Blair here').waitFor();
    expect(await watched.locator('textarea').count(), 'read-only: no composer').toBe(0);
    await vera.say('Is anyone watching?');
    await watched.getByRole('log').getByText('Is anyone watching?').waitFor();

    await watched.getByRole('textbox', { name: 'Whisper to the agent' }).fill('Offer a 10% voucher');
    await watched.getByRole('button', { name: 'Whisper', exact: true }).click();
    await transcript(blair.page, VERA).locator('.msg.whisper').getByText('Offer a 10% voucher').waitFor();
    await expectAccessible(sam.page, 'supervisor');
    screenshots.push(await screenshot(sam.page, 'supervisor'));
  });

  it('ends the chat; the visitor never received the whisper', async () => {
    await chat(blair.page, VERA).getByRole('button', { name: 'End chat' }).click();
    const ended = await vera.waitForType('ChatEnded');
    expect(ended.message['reason']).toBe('agent');
    await chat(blair.page, VERA).locator('.badge').getByText('Ended').waitFor();
    expect(await chat(blair.page, VERA).locator('textarea').count()).toBe(0);
    await vera.stop();
    const texts = vera.received.map((m) => JSON.stringify(m.message));
    expect(texts.some((t) => t.includes('voucher')), 'whisper leaked to the visitor').toBe(false);
    screenshots.push(await screenshot(blair.page, 'ended'));
    for (const p of [alex, blair, sam]) expect(p.errors.filter((e) => !isNetworkFailure(e)), 'browser errors').toEqual([]);
    expect(screenshots.length).toBeGreaterThanOrEqual(6);
  });
});
