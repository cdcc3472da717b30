/**
 * The supervisor view's "Transfers in progress" panel, in a real browser: a
 * transfer one agent asked for and the other has not taken yet shows with the
 * visitor, the sender, the target and how long it has waited; once taken it is
 * gone (ADR 0043). The agents play over the API.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAgent, eventually } from './agent-api.js';
import { describeViolations, launchChromium, login, openConsole, seriousViolations, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, ConsoleTestServer, SUPERVISOR } from './console-server.js';
import { PollingVisitor } from './console-visitor.js';

const server = new ConsoleTestServer();
let browser: Browser;
let sam: ConsolePage;
const visitors: PollingVisitor[] = [];
const agents: TestAgent[] = [];

async function agent(user: { username: string; password: string }): Promise<TestAgent> {
  const a = new TestAgent(server.baseUrl);
  await a.login(user.username, user.password);
  await a.openStream();
  agents.push(a);
  return a;
}

beforeAll(async () => {
  await server.start();
  browser = await launchChromium();
  sam = await openConsole(browser, server.baseUrl);
}, 60_000);

afterAll(async () => {
  for (const v of visitors) await v.stop().catch(() => undefined);
  for (const a of agents) a.closeStream();
  await browser?.close();
  await server.dispose();
});

describe('console: transfers in progress in the supervisor view', () => {
  it('shows a transfer with its sender, target and wait until it is taken', async () => {
    const alex = await agent(AGENT1);
    const blair = await agent(AGENT2);
    await alex.presence('online');
    const v = new PollingVisitor(server, 'Tom Transferred');
    visitors.push(v);
    await v.request();
    const chatId = await eventually(async () => (await alex.chats()).find((c) => c.visitorName === v.name && c.state === 'offered')?.chatId, 10_000, 'the offer to Alex');
    await alex.accept(chatId);
    await v.waitForType('ChatEstablished');

    await login(sam.page, SUPERVISOR.username, SUPERVISOR.password);
    await sam.page.getByRole('button', { name: 'Supervisor' }).click();
    const panel = sam.page.getByRole('region', { name: 'Supervisor' }).getByRole('region', { name: 'Transfers in progress' });
    await panel.getByText('No transfers in progress.').waitFor();

    // Blair is online but does not answer the offer (it lasts 30 s).
    await blair.presence('online');
    await alex.transfer(chatId, { agentId: AGENT2.id });
    const row = panel.locator('table.transfers').getByRole('row').filter({ hasText: v.name });
    await row.waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual([v.name, AGENT1.name, AGENT2.name, expect.stringMatching(/^\d+ s$/)]);
    const violations = await seriousViolations(sam.page);
    expect(violations, describeViolations(violations)).toEqual([]);

    await blair.accept(chatId);
    await panel.getByText('No transfers in progress.').waitFor();
    expect(sam.errors).toEqual([]);
  });
});
