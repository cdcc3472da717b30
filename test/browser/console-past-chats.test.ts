/**
 * The supervisor's "Past chats" in a real browser: chats whose visitor session
 * closed (a request nobody could take, a chat its agent ended) are listed newest
 * first, found by how they ended and by agent, paged with "Load more", and open
 * in the read-only chat view with their whole transcript. An agent's own "My past
 * chats": the ended chats they held, one transferred away included, each opening
 * read-only with its transcript; never another agent's.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Visitor } from '../protocol/visitor.js';
import { TestAgent, eventually } from './agent-api.js';
import { chat, describeViolations, launchChromium, login, openConsole, screenshot, seriousViolations, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, ConsoleTestServer, DEPLOYMENT_ID, ORG_ID, SUPERVISOR, SUPPORT_BUTTON } from './console-server.js';

const server = new ConsoleTestServer();
let browser: Browser;
let sam: ConsolePage;

beforeAll(async () => {
  await server.start();
  browser = await launchChromium();
  sam = await openConsole(browser, server.baseUrl);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server.dispose();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  const text = await sam?.page.locator('body').innerText().catch(() => '(no page)');
  console.error(`--- sam console ---\n${text}\n${sam?.errors.join('\n') ?? ''}`);
});

/**
 * Transfers `chatId` from the agent `from` to `toAgentId` with a login of its own (the
 * suite's TestAgent has no transfer; this file's only use of one).
 */
async function transferAsAgent(from: { username: string; password: string }, chatId: string, toAgentId: string): Promise<void> {
  const login = await fetch(`${server.baseUrl}/agent/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: from.username, password: from.password }) });
  expect(login.status).toBe(200);
  const { accessToken } = await login.json() as { accessToken: string };
  const res = await fetch(`${server.baseUrl}/agent/v1/chats/${chatId}/transfer`, {
    method: 'POST', headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ agentId: toAgentId }),
  });
  expect(res.status, await res.text()).toBe(200);
}

/** A visitor on the support button, named `name`; returns it after ChasitorInit. */
async function visitor(name: string): Promise<Visitor> {
  const v = new Visitor(server);
  await v.createSession();
  const res = await v.init(v.initBody(SUPPORT_BUTTON, { organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID, visitorName: name }));
  expect(res.status, res.text).toBe(200);
  return v;
}

describe('supervisor console: past chats', () => {
  it('lists chats whose visitors left, finds them by how they ended and by agent, and opens one read-only', async () => {
    // Nobody online: a ChatRequestFail; the visitor's next poll closes the session.
    const uma = await visitor('Uma Unserved');
    await uma.waitFor('ChatRequestFail');
    expect((await uma.poll()).status).toBe(403);
    // Alex takes a chat, answers and ends it; the visitor sees the end and its session closes.
    const alex = new TestAgent(server.baseUrl);
    await alex.login(AGENT1.username, AGENT1.password);
    await alex.openStream();
    await alex.presence('online');
    const pat = await visitor('Pat Past');
    const chatId = await eventually(async () => (await alex.chats()).find((c) => c.visitorName === 'Pat Past')?.chatId, 10_000, 'the offer to Alex');
    await alex.accept(chatId);
    await pat.waitFor('ChatEstablished');
    await pat.say('My order never arrived');
    await alex.send(chatId, 'Sorry about that: a refund is on its way');
    await alex.end(chatId);
    await pat.waitFor('ChatEnded');
    expect((await pat.poll()).status).toBe(403);
    await alex.presence('offline');
    alex.closeStream();

    await login(sam.page, SUPERVISOR.username, SUPERVISOR.password);
    await sam.page.getByRole('button', { name: 'Supervisor' }).click();
    const past = sam.page.getByRole('region', { name: 'Past chats' });
    const rows = past.locator('table.past-chats tbody tr');
    // Ended chats by default, newest first; the live list has neither.
    await expect.poll(() => rows.allInnerTexts()).toEqual([
      expect.stringMatching(/Pat Past\s+ended\s+Alex Agent\s+Ended by the agent/),
      expect.stringMatching(/Uma Unserved\s+ended\s+—\s+No agent available/),
    ]);
    await sam.page.getByText('No live chats.').waitFor();

    await past.getByLabel('How it ended').selectOption({ label: 'No agent available' });
    await past.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/^.*Uma Unserved/)]);
    await past.getByLabel('How it ended').selectOption({ label: 'Any way' });
    await past.getByLabel('Agent').selectOption({ label: AGENT1.name });
    await past.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/^.*Pat Past/)]);
    await expect.poll(() => past.getByRole('status').textContent()).toBe('1 chat');

    // Open it: the read-only view with the whole transcript, ended, with nothing to act on.
    await past.getByRole('button', { name: /^Open chat with Pat Past of .* read-only$/ }).click();
    const watched = chat(sam.page, 'Pat Past');
    await watched.getByRole('log').getByText('My order never arrived').waitFor();
    await watched.getByRole('log').getByText('Sorry about that: a refund is on its way').waitFor();
    await watched.locator('.badge').getByText('Ended').waitFor();
    expect(await watched.getByRole('textbox').count(), 'read-only: no composer, no whisper').toBe(0);
    expect(await watched.getByRole('button', { name: 'Take over' }).count()).toBe(0);

    const violations = await seriousViolations(sam.page);
    expect(violations, `axe on past chats:\n${describeViolations(violations)}`).toEqual([]);
    await screenshot(sam.page, 'past-chats');
  });

  it('pages with "Load more": each chat once, newest first', async () => {
    // More than a page (25) of requests nobody can take.
    const names = Array.from({ length: 30 }, (_, i) => `Queue Tester ${String(i + 1).padStart(2, '0')}`);
    for (const name of names) await (await visitor(name)).waitFor('ChatRequestFail');
    const past = sam.page.getByRole('region', { name: 'Past chats' });
    const rows = past.locator('table.past-chats tbody tr');
    await past.getByLabel('Agent').selectOption({ label: 'Any agent' });
    await past.getByLabel('How it ended').selectOption({ label: 'No agent available' });
    await past.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    await expect.poll(() => past.getByRole('status').textContent()).toBe('25 chats, more to load');
    const more = past.getByRole('button', { name: 'Load more' });
    await more.focus();
    await sam.page.keyboard.press('Enter');
    await expect.poll(() => rows.count()).toBe(31);
    expect(await more.isHidden()).toBe(true);
    await expect.poll(() => past.getByRole('status').textContent()).toBe('31 chats');
    // The keyboard is not left on a button that went away: the first chat the click brought has it.
    expect(await sam.page.evaluate("document.activeElement?.getAttribute('aria-label') ?? ''")).toMatch(/^Open chat with Queue Tester 05 /);
    const visitors = (await rows.locator('td:nth-child(2)').allInnerTexts());
    expect(visitors).toEqual([...[...names].reverse(), 'Uma Unserved']);
    expect(sam.errors, 'browser errors').toEqual([]);
  });
});

describe('agent console: my past chats', () => {
  it('lists the ended chats I held, one I transferred away too, and opens one read-only; not another agent\'s', async () => {
    // Alex takes a chat and transfers it to Blair, who takes it and ends it.
    const alex = new TestAgent(server.baseUrl);
    await alex.login(AGENT1.username, AGENT1.password);
    await alex.openStream();
    await alex.presence('online');
    const blair = new TestAgent(server.baseUrl);
    await blair.login(AGENT2.username, AGENT2.password);
    await blair.openStream();
    await blair.presence('away');
    const tess = await visitor('Tess Transferred');
    const chatId = await eventually(async () => (await alex.chats()).find((c) => c.visitorName === 'Tess Transferred')?.chatId, 10_000, 'the offer to Alex');
    await alex.accept(chatId);
    await tess.waitFor('ChatEstablished');
    await alex.send(chatId, 'Blair knows billing best');
    await blair.presence('online');
    await transferAsAgent(AGENT1, chatId, AGENT2.id);
    await eventually(async () => (await blair.chats()).find((c) => c.chatId === chatId), 10_000, 'the transfer offer to Blair');
    await blair.accept(chatId);
    await tess.waitFor('ChatTransferred');
    await blair.send(chatId, 'Blair here: sorted');
    await blair.end(chatId);
    await tess.waitFor('ChatEnded');
    for (const a of [alex, blair]) {
      await a.presence('offline');
      a.closeStream();
    }

    const page = await openConsole(browser, server.baseUrl);
    try {
      await login(page.page, AGENT1.username, AGENT1.password);
      expect(await page.page.getByRole('button', { name: 'Supervisor' }).count(), 'an agent has no supervisor view').toBe(0);
      await page.page.getByRole('button', { name: 'My past chats' }).click();
      const mine = page.page.getByRole('region', { name: 'My past chats' });
      const rows = mine.locator('table.my-past-chats tbody tr');
      // Newest first: the one Blair ended after Alex transferred it, then the one Alex ended (first test).
      await expect.poll(() => rows.allInnerTexts()).toEqual([
        expect.stringMatching(/Tess Transferred\s+.+\s+Ended by the agent\s+Blair Agent/),
        expect.stringMatching(/Pat Past\s+.+\s+Ended by the agent\s+You/),
      ]);
      await expect.poll(() => mine.getByRole('status').first().textContent()).toBe('2 chats');

      // Open the transferred one: both agents' messages, read-only.
      await mine.getByRole('button', { name: /^Open chat with Tess Transferred of / }).click();
      const opened = mine.locator('section.past-chat');
      await opened.getByRole('log').getByText('Blair knows billing best').waitFor();
      await opened.getByRole('log').getByText('Blair here: sorted').waitFor();
      expect(await opened.getByRole('textbox').count(), 'read-only: no composer').toBe(0);
      const violations = await seriousViolations(page.page);
      expect(violations, `axe on my past chats:\n${describeViolations(violations)}`).toEqual([]);
      await screenshot(page.page, 'my-past-chats');
      await opened.getByRole('button', { name: 'Close' }).click();
      expect(await mine.locator('section.past-chat').count()).toBe(0);

      // "My chats" is the live view again.
      await page.page.getByRole('button', { name: 'My chats' }).click();
      expect(await mine.isHidden()).toBe(true);
      expect(page.errors, 'browser errors').toEqual([]);
    } finally {
      await page.context.close();
    }

    // Blair's list has the chat she ended and not Alex's own.
    const bp = await openConsole(browser, server.baseUrl);
    try {
      await login(bp.page, AGENT2.username, AGENT2.password);
      await bp.page.getByRole('button', { name: 'My past chats' }).click();
      const rows = bp.page.getByRole('region', { name: 'My past chats' }).locator('table.my-past-chats tbody tr');
      await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/Tess Transferred\s+.+\s+You/)]);
    } finally {
      await bp.context.close();
    }
  });
});
