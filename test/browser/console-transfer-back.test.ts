/**
 * A chat that comes back to an agent who once transferred it is that agent's
 * chat again, in a real browser: after a transfer the other agent declined and
 * a reload, after the other agent transferred it back, when the agent had
 * closed its panel, after a supervisor reassigned it to them, and when the
 * console's stream missed all that (a resync `too old`). The panel follows who
 * holds the chat now, not the agent's own `TransferRequested` that its
 * transcript still has. And a chat taken while the stream heard nothing turns
 * read-only at the first action the server refuses as no longer the agent's.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { chat, routeStreamThroughSwitch, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, ConsoleTestServer, SUPERVISOR } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const server = new ConsoleTestServer();
let alex: ConsolePage;
let blair: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, blair: AGENT2 }, (c) => ({ alex, blair } = c));

async function visitor(name: string): Promise<PollingVisitor> {
  const v = new PollingVisitor(server, name);
  visitors.push(v);
  await v.request();
  return v;
}

async function transfer(page: Page, visitorName: string, to: { id: string }): Promise<void> {
  await chat(page, visitorName).getByRole('button', { name: 'Transfer…' }).click();
  const dialog = page.getByRole('dialog', { name: `Transfer chat with ${visitorName}` });
  await dialog.getByRole('combobox', { name: 'Agent id' }).fill(to.id);
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  await chat(page, visitorName).getByText('Transferred', { exact: true }).waitFor();
}

/** A supervisor reassigns the chat of `visitorName` to `to` over the agent API. */
async function reassign(visitorName: string, to: { id: string }): Promise<void> {
  const sam = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: SUPERVISOR.username, password: SUPERVISOR.password } });
  const token = (sam.json as { accessToken: string }).accessToken;
  const chats = await request(server.baseUrl, 'GET', '/agent/v1/chats', { headers: { Authorization: `Bearer ${token}` } });
  const chatId = (chats.json as { chatId: string; visitorName: string }[]).find((c) => c.visitorName === visitorName)!.chatId;
  const res = await request(server.baseUrl, 'POST', `/agent/v1/chats/${chatId}/reassign`, { headers: { Authorization: `Bearer ${token}` }, body: { agentId: to.id } });
  expect(res.status, res.text).toBe(200);
}

/** `transfer`: the offer is of a chat another agent transferred, and named so. */
async function acceptOffer(page: Page, visitorName: string, transfer = false): Promise<void> {
  await page.getByRole('article', { name: transfer ? `Transfer offer: chat with ${visitorName}` : `Chat offer from ${visitorName}` }).getByRole('button', { name: 'Accept' }).click();
}

/** The panel is the agent's own chat: badge Active, End and a composer whose message reaches the visitor. */
async function expectActive(page: Page, v: PollingVisitor, text: string): Promise<void> {
  const panel = chat(page, v.name);
  // A new panel shows Active until its transcript is in: wait for the transcript, then look.
  await panel.getByRole('log').getByText(/Chat started with/).waitFor();
  await expect.poll(() => panel.locator('.badge').textContent()).toBe('Active');
  expect(await panel.getByRole('button', { name: 'End chat' }).count()).toBe(1);
  const box = panel.getByRole('textbox');
  await box.fill(text);
  await box.press('Enter');
  await v.waitFor(text, (m) => m.type === 'ChatMessage' && m.message['text'] === text);
}

async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.getByRole('group', { name: 'Presence' }).waitFor();
  await expect.poll(() => page.getByRole('radio', { name: 'Online' }).isChecked()).toBe(true);
}

/**
 * The console's stream through a switch (routeStreamThroughSwitch), set up once: the page is
 * reloaded for the route to take its socket. On again after off, the next reconnect resumes
 * from the console's last event id.
 */
let streamSwitch: ((on: boolean) => Promise<void>) | undefined;
async function routedStream(page: Page): Promise<(on: boolean) => Promise<void>> {
  if (streamSwitch) return streamSwitch;
  const stream = await routeStreamThroughSwitch(page);
  await reload(page);
  streamSwitch = stream;
  return streamSwitch;
}

describe('a chat that comes back to an agent who transferred it', () => {
  it('after a declined transfer it stays active across a reload of the console', async () => {
    await setPresence(alex.page, 'Online');
    const v = await visitor('Tess Transfer');
    await acceptOffer(alex.page, v.name);
    await v.waitForType('ChatEstablished');
    await setPresence(blair.page, 'Online');
    await transfer(alex.page, v.name, AGENT2);
    await blair.page.getByRole('article', { name: `Transfer offer: chat with ${v.name}` }).getByRole('button', { name: 'Decline' }).click();
    await expectActive(alex.page, v, 'Back with you');
    await reload(alex.page);
    await expectActive(alex.page, v, 'Still with you after the reload');
    await expect.poll(() => alex.page.locator('output.load').textContent()).toBe('Load 1 / 3');
  });

  it('transferred there and back, it is active for the agent it came back to, also after a reload', async () => {
    await setPresence(blair.page, 'Away'); // the new visitor goes to Alex
    const v = await visitor('Remy Returned');
    await acceptOffer(alex.page, v.name);
    await v.waitForType('ChatEstablished');
    await setPresence(blair.page, 'Online');
    await transfer(alex.page, v.name, AGENT2);
    await acceptOffer(blair.page, v.name, true);
    await expectActive(blair.page, v, 'Blair here');
    await transfer(blair.page, v.name, AGENT1);
    await acceptOffer(alex.page, v.name, true);
    await expectActive(alex.page, v, 'Alex again');
    await reload(alex.page);
    await expectActive(alex.page, v, 'Alex again, after a reload');
    await expect.poll(() => alex.page.locator('output.load').textContent()).toBe('Load 2 / 3');
  });

  it('closed after the transfer, it opens again when the transfer is declined', async () => {
    await setPresence(blair.page, 'Away'); // the new visitor goes to Alex
    const v = await visitor('Cleo Closed');
    await acceptOffer(alex.page, v.name);
    await v.waitForType('ChatEstablished');
    await setPresence(blair.page, 'Online');
    await transfer(alex.page, v.name, AGENT2);
    await chat(alex.page, v.name).getByRole('button', { name: 'Close' }).click();
    expect(await chat(alex.page, v.name).count()).toBe(0);
    await blair.page.getByRole('article', { name: `Transfer offer: chat with ${v.name}` }).getByRole('button', { name: 'Decline' }).click();
    await expectActive(alex.page, v, 'Back after all');
    await expect.poll(() => alex.page.locator('output.load').textContent()).toBe('Load 3 / 3');
  });

  it('reassigned by a supervisor to an agent who transferred it earlier, it is active for that agent', async () => {
    const v = visitors.find((x) => x.name === 'Remy Returned')!;
    await reassign(v.name, AGENT2);
    await chat(alex.page, v.name).locator('.badge').getByText('Reassigned by a supervisor').waitFor();
    await expectActive(blair.page, v, 'Blair once more');
    await reload(blair.page);
    await expectActive(blair.page, v, 'Blair once more, after a reload');
  });

  it('reassigned while the console heard nothing, the first action the server refuses as no longer ours makes it read-only, and the transcript says how it left', async () => {
    const switchStream = await routedStream(alex.page);
    await setPresence(blair.page, 'Away');
    const v = await visitor('Tomas Taken');
    await acceptOffer(alex.page, v.name);
    await expectActive(alex.page, v, 'Hello Tomas');
    await switchStream(false);
    await reassign(v.name, AGENT2);
    await chat(alex.page, v.name).getByRole('button', { name: 'End chat' }).click();
    // 409 Chat is no longer yours: the panel follows the server, not only its stream, and reads
    // the transcript for how the chat left (ADR 0044), which the stream would have told it.
    await expect.poll(() => chat(alex.page, v.name).locator('.badge').textContent()).toBe('Reassigned by a supervisor');
    await expect.poll(() => chat(alex.page, v.name).locator('.where').textContent()).toBe('to Blair Agent');
    expect(await chat(alex.page, v.name).getByRole('button', { name: 'End chat' }).count()).toBe(0);
    expect(await chat(alex.page, v.name).getByRole('textbox').count()).toBe(0);
    await switchStream(true);
    await expect.poll(() => alex.page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
  });

  it('given back while the console was away for longer than the stream keeps (a resync "too old"), it is active again', async () => {
    const switchStream = await routedStream(alex.page);
    await setPresence(blair.page, 'Away'); // the new visitor goes to Alex
    const v = await visitor('Rita Resync');
    await acceptOffer(alex.page, v.name);
    await v.waitForType('ChatEstablished');
    await setPresence(blair.page, 'Online');
    await transfer(alex.page, v.name, AGENT2);
    await acceptOffer(blair.page, v.name, true);
    await expectActive(blair.page, v, 'Blair has it');
    expect(await chat(alex.page, v.name).locator('.badge').textContent()).toBe('Transferred');
    await switchStream(false);
    // Back to Alex while the console hears nothing; then more happens in the chat than Alex's
    // stream keeps for a resume (2,000 to 2,500 events), so the server answers with a resync.
    await reassign(v.name, AGENT1);
    for (let i = 0; i < 60; i++) {
      await v.post('System/MultiNoun', { nouns: Array.from({ length: 50 }, (_, j) => ({ prefix: 'Chasitor', noun: 'ChasitorSneakPeek', object: { position: 0, text: `typing ${i}-${j}` } })) });
    }
    const resyncs: string[] = [];
    alex.page.on('websocket', (ws) => ws.on('framereceived', (f) => { if (String(f.payload).includes('"type":"resync"')) resyncs.push(JSON.parse(String(f.payload)).reason as string); }));
    await switchStream(true);
    await expect.poll(() => resyncs, { timeout: 15_000 }).toEqual(['too old']);
    await expectActive(alex.page, v, 'Alex again, after the resync');
  });
});
