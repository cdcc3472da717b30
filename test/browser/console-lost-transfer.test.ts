/**
 * A transfer whose answer never reaches the console, in a real browser: the
 * console does not send it again (it is not idempotent) but asks the server
 * what became of it, and shows that. The server took it: the chat is
 * transferred, read-only, with no error (also when the whole network was down
 * meanwhile). It never reached the server: an honest error, and the chat is
 * still the agent's. It went through but the other agent declined meanwhile:
 * the chat is back, active. And a transfer the server refuses shows its error
 * as before. The first agent's browser reaches the server through a TCP proxy
 * the tests cut (cuttable-proxy.ts, ADR 0025).
 */
import type { Browser, Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chat, launchChromium, loggedInConsoles, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, ConsoleTestServer } from './console-server.js';
import { acceptedChat, PollingVisitor } from './console-visitor.js';
import { CuttableProxy, isAgentStream, lastRequest, type ProxiedConnection } from './cuttable-proxy.js';

// Alex's connection is down for up to a minute in one test: its chats stay with it meanwhile.
const server = new ConsoleTestServer({ agentGraceSeconds: 120 });
let browser: Browser;
let proxy: CuttableProxy;
let alex: ConsolePage;
let blair: ConsolePage;
const visitors: PollingVisitor[] = [];

const isTransfer = (c: ProxiedConnection): boolean => /\/transfer$/.test(lastRequest(c));

/**
 * The first word of the transfer to reach the browser: the stream's `TransferRequested` (the server
 * sends the chat's events before the answer) or the answer. Cut with the network right after it,
 * nothing of the transfer reaches the console until the network is back.
 */
const firstWordOfTransfer = (c: ProxiedConnection, chunk: string): boolean => isTransfer(c) || (isAgentStream(c) && chunk.includes('"TransferRequested"'));

/** A visitor whose chat Alex has accepted; Blair is online afterwards, to be transferred to. */
async function chatWithAlex(name: string): Promise<PollingVisitor> {
  const v = new PollingVisitor(server, name);
  visitors.push(v);
  return acceptedChat(alex.page, v, [blair.page]);
}

/** Alex asks for a transfer of `name`'s chat to Blair; the dialog, still open or not. */
async function transferToBlair(name: string): Promise<Locator> {
  await chat(alex.page, name).getByRole('button', { name: 'Transfer…' }).click();
  const dialog = alex.page.getByRole('dialog', { name: `Transfer chat with ${name}` });
  await dialog.getByRole('combobox', { name: 'Agent id' }).fill(AGENT2.id);
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  return dialog;
}

/** The chat is transferred as after an answered transfer: dialog closed, read-only, no error. */
async function expectTransferred(name: string, dialog: Locator): Promise<void> {
  await dialog.waitFor({ state: 'detached', timeout: 20_000 });
  const panel = chat(alex.page, name);
  await expect.poll(() => panel.locator('.badge').textContent()).toBe('Transferred');
  expect(await panel.getByRole('textbox').count()).toBe(0);
  expect(await panel.getByRole('button', { name: 'Transfer…' }).count()).toBe(0);
  expect(await alex.page.locator('.toast').textContent()).toBe('Chat transferred');
}

/** The chat is Alex's, active: a message reaches the visitor. */
async function expectActive(v: PollingVisitor, text: string): Promise<void> {
  const panel = chat(alex.page, v.name);
  await expect.poll(() => panel.locator('.badge').textContent()).toBe('Active');
  const box = panel.getByRole('textbox');
  await box.fill(text);
  await box.press('Enter');
  await v.waitFor(text, (m) => m.type === 'ChatMessage' && m.message['text'] === text);
}

/** Blair accepts the transferred chat (the visitor hears of it) and, unless `keep`, ends it, to have room for the next. */
async function blairTakes(v: PollingVisitor, keep = false): Promise<void> {
  await blair.page.getByRole('article', { name: `Transfer offer: chat with ${v.name}` }).getByRole('button', { name: 'Accept' }).click();
  await v.waitForType('ChatTransferred');
  if (keep) return;
  await chat(blair.page, v.name).getByRole('button', { name: 'End chat' }).click();
  await v.waitForType('ChatEnded');
}

/** The transfer POSTs that reached the server through the proxy. */
const transferRequests = (): number => proxy.connections.flatMap((c) => c.requests).filter((r) => /\/transfer$/.test(r)).length;

beforeAll(async () => {
  await server.start();
  [browser, proxy] = await Promise.all([launchChromium(), CuttableProxy.start(server.baseUrl)]);
  [alex] = await loggedInConsoles(browser, proxy.baseUrl, [AGENT1] as const);
  [blair] = await loggedInConsoles(browser, server.baseUrl, [AGENT2] as const);
  await setPresence(alex.page, 'Online');
}, 60_000);

afterAll(async () => {
  for (const v of visitors) await v.stop().catch(() => undefined);
  await browser?.close();
  await proxy?.close();
  await server.dispose();
});

afterEach(async (ctx) => {
  proxy?.up();
  await alex?.context.setOffline(false);
  if (ctx.task.result?.state !== 'fail') return;
  const text = await alex?.page.locator('body').innerText().catch(() => '(no page)');
  console.error(`--- alex console ---\n${text}\n${alex?.errors.join('\n') ?? ''}\n--- alex connections ---\n${proxy?.describe()}`);
  // A dialog a failed test left open would stand in the way of the next test.
  await alex?.page.keyboard.press('Escape').catch(() => undefined);
});

describe('a transfer whose answer is lost', () => {
  it('taken by the server, its answer lost on the wire: the chat shows transferred, no error', async () => {
    const v = await chatWithAlex('Tara Transferred');
    const before = transferRequests();
    // The server takes the transfer; its answer never reaches the browser.
    const lost = proxy.cutWhenServerSends(isTransfer);
    const dialog = await transferToBlair(v.name);
    await lost;
    await expectTransferred(v.name, dialog);
    // The console sent it once. (Chromium itself may send a POST again on a new connection when the
    // connection it reused dies before the answer: that copy is refused, 409 Chat is no longer yours.)
    expect(transferRequests() - before).toBeLessThanOrEqual(2);
    await blairTakes(v);
    expect(await chat(alex.page, v.name).locator('.badge').textContent()).toBe('Transferred');
  });

  it('taken by the server as the network went down: the console asks once it is back, and shows it transferred', async () => {
    const v = await chatWithAlex('Nina Network');
    // The answer is lost and, at that moment, every connection of Alex's browser goes (the stream too).
    let cut: ProxiedConnection[] = [];
    const lost = proxy.cutWhenServerSends(firstWordOfTransfer).then((first) => { cut = [first, ...proxy.down()]; });
    const dialog = await transferToBlair(v.name);
    await lost;
    expect(cut.filter(isAgentStream), 'the stream socket was cut').toHaveLength(1);
    await dialog.getByRole('status').filter({ hasText: 'checking whether the chat was transferred' }).waitFor();
    await alex.page.waitForTimeout(3_000);
    expect(await dialog.getByRole('alert').textContent(), 'no verdict while the server is out of reach').toBe('');
    proxy.up();
    await expectTransferred(v.name, dialog);
    await blairTakes(v);
  });

  it('taken by the server while it was out of reach for longer than the console asks: in doubt, then transferred once the stream is back', async () => {
    const v = await chatWithAlex('Uma Unreachable');
    const lost = proxy.cutWhenServerSends(firstWordOfTransfer).then(async () => {
      proxy.down();
      await alex.context.setOffline(true);
    });
    const dialog = await transferToBlair(v.name);
    await lost;
    // Blair takes the chat meanwhile (her offer would time out before the console gives up asking).
    await blairTakes(v, true);
    // The console asks for as long as the SDK retries a read (30 s), then says it does not know.
    await dialog.getByRole('alert').filter({ hasText: 'cannot be reached to ask whether the chat was transferred' }).waitFor({ timeout: 60_000 });
    expect(await chat(alex.page, v.name).getByRole('textbox').count(), 'nothing told the panel yet').toBe(1);
    expect(await dialog.getByRole('button', { name: 'Transfer' }).getAttribute('aria-disabled'), 'the agent may try again (a refused copy is checked the same way)').toBeNull();
    // Back: the stream resumes (replaying the transfer) and the console settles what it did not know.
    proxy.up();
    await alex.context.setOffline(false);
    await expectTransferred(v.name, dialog);
  });

  it('that never reached the server: an honest error, and the chat is still the agent\'s', async () => {
    const v = await chatWithAlex('Rory Refused');
    await chat(alex.page, v.name).getByRole('button', { name: 'Transfer…' }).click();
    const dialog = alex.page.getByRole('dialog', { name: `Transfer chat with ${v.name}` });
    await dialog.getByRole('combobox', { name: 'Agent id' }).fill(AGENT2.id);
    const before = transferRequests();
    proxy.down();
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await dialog.getByRole('status').filter({ hasText: 'checking whether the chat was transferred' }).waitFor();
    await alex.page.waitForTimeout(2_000);
    proxy.up();
    await dialog.getByRole('alert').filter({ hasText: `the chat was not transferred (the request got no answer). ${v.name} is still with you: try again.` }).waitFor({ timeout: 20_000 });
    expect(transferRequests() - before, 'no transfer reached the server').toBe(0);
    expect(await blair.page.getByRole('article', { name: `Transfer offer: chat with ${v.name}` }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expectActive(v, 'Still with you, Rory');
  });

  it('that went through while its answer was lost, and the other agent declined meanwhile: the chat is back, active', async () => {
    const v = await chatWithAlex('Dora Declined');
    const lost = proxy.cutWhenServerSends(firstWordOfTransfer).then(() => proxy.down());
    const dialog = await transferToBlair(v.name);
    await lost;
    await blair.page.getByRole('article', { name: `Transfer offer: chat with ${v.name}` }).getByRole('button', { name: 'Decline' }).click();
    proxy.up();
    await dialog.getByRole('alert').filter({ hasText: `it went through, but the chat was not taken and came back: ${v.name} is with you.` }).waitFor({ timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expectActive(v, 'Back with you, Dora');
  });

  it('refused by the server (the other agent is away): its error as before, and the chat stays the agent\'s', async () => {
    const v = await chatWithAlex('Ada Away');
    await setPresence(blair.page, 'Away');
    const dialog = await transferToBlair(v.name);
    await dialog.getByRole('alert').filter({ hasText: `Transfer failed: POST /agent/v1/chats/` }).filter({ hasText: `409 Conflict: agent ${AGENT2.id} cannot take a chat now` }).waitFor();
    expect(await dialog.getByText(/checking whether/).count(), 'a refusal is the answer: nothing to check').toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expectActive(v, 'Still here, Ada');
  });
});
