/**
 * A chat that leaves the agent says why in its panel, in a real browser against the real
 * server: the words come from the event that moved it (ADR 0044), not a generic "No longer
 * with you". A supervisor taking it over is not the same as one handing it to another
 * agent (`ChatReassigned {takeover}`); an end says who ended it; a chat the console heard
 * nothing about is read from its transcript when the server refuses an action (409); a
 * chat erased while its panel was up is "Gone: the chat was erased".
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { AdminConsoleTestServer } from './console-admin-server.js';
import { chat, routeStreamThroughSwitch, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, SUPERVISOR } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { acceptedChat, PollingVisitor } from './console-visitor.js';

// A visitor who stops polling times out within seconds (clientPollTimeoutSeconds + sessionGraceSeconds).
const server = new AdminConsoleTestServer({ clientPollTimeoutSeconds: 3, sessionGraceSeconds: 1 });
let alex: ConsolePage;
let blair: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, blair: AGENT2 }, (c) => ({ alex, blair } = c), { online: 'alex' });

async function chatIdOf(name: string): Promise<string> {
  const token = await server.tokenOf(SUPERVISOR);
  const res = await request(server.baseUrl, 'GET', '/agent/v1/supervisor/chats', { headers: { Authorization: `Bearer ${token}` } });
  return (res.json as { chats: { chatId: string; visitorName: string }[] }).chats.find((c) => c.visitorName === name)!.chatId;
}

/** A supervisor's call on a chat (`takeover`, or `reassign` with a body). */
async function supervise(name: string, action: 'takeover' | 'reassign', body?: unknown): Promise<void> {
  const token = await server.tokenOf(SUPERVISOR);
  const res = await request(server.baseUrl, 'POST', `/agent/v1/chats/${await chatIdOf(name)}/${action}`, { headers: { Authorization: `Bearer ${token}` }, ...(body ? { body } : {}) });
  expect(res.status, res.text).toBe(200);
}

/** A visitor whose chat Alex has accepted (Blair away meanwhile, online again afterwards). */
async function chatWithAlex(name: string): Promise<PollingVisitor> {
  const v = new PollingVisitor(server, name);
  visitors.push(v);
  return acceptedChat(alex.page, v, [blair.page]);
}

/** The panel is read-only with exactly this badge and this text next to it. */
async function expectLeft(page: Page, name: string, badge: string, where = ''): Promise<void> {
  const panel = chat(page, name);
  await expect.poll(() => panel.locator('.badge').textContent(), { timeout: 10_000 }).toBe(badge);
  await expect.poll(() => panel.locator('.where').textContent()).toBe(where);
  expect(await panel.getByRole('textbox').count()).toBe(0);
  expect(await panel.getByRole('button', { name: 'End chat' }).count()).toBe(0);
  expect(await panel.getByRole('button', { name: 'Close' }).count()).toBe(1);
}

/** Routes Alex's stream socket through a switch: off closes it and refuses new ones (the console hears nothing). */
async function switchableStream(page: Page): Promise<(on: boolean) => Promise<void>> {
  const stream = await routeStreamThroughSwitch(page);
  await page.reload();
  await page.getByRole('group', { name: 'Presence' }).waitFor();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
  return stream;
}

/**
 * Routes the page's stream socket so that the chat events `drop` picks never reach the page
 * (a frame lost: the next event of the chat leaves a gap in its offsets, which the console fills
 * from the transcript). Reloads the page for the route to take the stream.
 */
async function lossyStream(page: Page, drop: (frame: { type?: string; data?: { type?: string } }) => boolean): Promise<void> {
  await page.context().routeWebSocket(/\/agent\/v1\/stream/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      const frame = typeof message === 'string' ? (JSON.parse(message) as { type?: string; data?: { type?: string } }) : {};
      if (!drop(frame)) ws.send(message);
    });
  });
  await page.reload();
  await page.getByRole('group', { name: 'Presence' }).waitFor();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
}

describe('the panel of a chat that left the agent says why', () => {
  it('taken over by a supervisor: "A supervisor took this chat over", not "Reassigned"', async () => {
    const v = await chatWithAlex('Theo Takeover');
    await supervise(v.name, 'takeover');
    await expectLeft(alex.page, v.name, 'A supervisor took this chat over');
  });

  it('reassigned by a supervisor: "Reassigned by a supervisor", to whom', async () => {
    const v = await chatWithAlex('Rosa Reassign');
    await supervise(v.name, 'reassign', { agentId: AGENT2.id });
    await expectLeft(alex.page, v.name, 'Reassigned by a supervisor', 'to Blair Agent');
  });

  it('ended by the visitor, or the visitor went away: who ended it', async () => {
    const left = await chatWithAlex('Vic Visitor-ended');
    const gone = await chatWithAlex('Tess Timed-out');
    await left.stop();
    expect((await left.v.end()).status).toBe(200);
    await gone.stop(); // polls no more: the server times the visitor out
    await expectLeft(alex.page, left.name, 'Ended by the visitor');
    await expectLeft(alex.page, gone.name, 'Ended: the visitor left (timed out)');
  });

  it('taken over while the console heard nothing: the refused message reads the transcript, which says a supervisor took it', async () => {
    const v = await chatWithAlex('Nell Nothing-heard');
    const stream = await switchableStream(alex.page);
    await stream(false);
    await supervise(v.name, 'takeover');
    const box = chat(alex.page, v.name).getByRole('textbox');
    await box.fill('Are you still there?');
    await box.press('Enter');
    // 409 Chat is no longer yours; then the transcript: the takeover, in the words the stream would have used.
    await expectLeft(alex.page, v.name, 'A supervisor took this chat over');
    await stream(true);
    await expect.poll(() => alex.page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
    await expectLeft(alex.page, v.name, 'A supervisor took this chat over');
  });

  it('moved while a read that fills a gap was on its way: what the read shows (transferred) is what the panel shows', async () => {
    const v = await chatWithAlex('Gil Gap');
    const chatId = await chatIdOf(v.name);
    // Lost on the way: one visitor message (the next one leaves a gap) and the transfer's own event.
    await lossyStream(alex.page, (f) => f.type === 'chat.event' && (f.data?.type === 'TransferRequested' || (f.data as { data?: { text?: string } } | undefined)?.data?.text === 'Lost message'));
    // The read that fills the gap waits until the transfer happened: it is the console's only news of it.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const isGapRead = (url: URL) => url.pathname.endsWith(`/chats/${chatId}/transcript`) && url.searchParams.get('after') !== '0';
    let gapReads = 0;
    await alex.page.route(isGapRead, async (route) => {
      gapReads++;
      await gate;
      await route.continue();
    });
    await v.say('Lost message');
    await v.say('Second message');
    await expect.poll(() => gapReads).toBe(1);
    // The transfer, asked for elsewhere (another device of Alex's): the console hears nothing of it.
    const token = await server.tokenOf(AGENT1);
    const res = await request(server.baseUrl, 'POST', `/agent/v1/chats/${chatId}/transfer`, { headers: { Authorization: `Bearer ${token}` }, body: { agentId: AGENT2.id } });
    expect(res.status, res.text).toBe(200);
    release();
    await chat(alex.page, v.name).getByRole('log').getByText('Lost message').waitFor();
    await expectLeft(alex.page, v.name, 'Transferred', 'to Blair Agent');
    await alex.page.unrouteAll();
    await alex.context.unrouteAll();
  });

  it('erased while its panel was up (ended, then the visitor erased): "Gone: the chat was erased" once the console reads it again', async () => {
    const v = await chatWithAlex('Erin Erased');
    const visitorId = String((await v.waitForType('ChatRequestSuccess')).message['visitorId']);
    const chatId = await chatIdOf(v.name);
    await chat(alex.page, v.name).getByRole('button', { name: 'End chat' }).click();
    await expectLeft(alex.page, v.name, 'Ended by you');
    await v.waitForType('ChatEnded');
    await server.eraseVisitor(visitorId);
    // An ended panel is not read again; a reload reads it and finds nothing: erased (the
    // visitor's name went with it, so the panel is found by its chat id).
    await alex.page.reload();
    await alex.page.getByRole('group', { name: 'Presence' }).waitFor();
    const panel = alex.page.locator(`section.chat[data-chat-id="${chatId}"]`);
    await expect.poll(() => panel.locator('.badge').textContent(), { timeout: 10_000 }).toBe('Gone: the chat was erased');
    expect(await panel.getByRole('button', { name: 'Close' }).count()).toBe(1);
  });
});
