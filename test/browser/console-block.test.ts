/**
 * Blocking visitors in the console (ADR 0055): an agent blocks the visitor of its chat
 * through "Block visitor…" (a confirmation dialog with a reason); the chat ends, and the
 * admin's Team view lists the address under "Blocked addresses", where admins add a range
 * (a bad one is refused with the server's reason) and unblock. The visitor's address comes
 * from X-Forwarded-For (server.trustProxy loopback): a loopback visitor is not blockable
 * from a chat. A supervisor blocks from the monitor view of a chat too; each panel says who
 * blocked ("Ended: you blocked this visitor", or "Ended: the visitor was blocked" for the agent
 * whose chat it was), not "Ended by you".
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TestServer } from '../protocol/harness.js';
import { Visitor } from '../protocol/visitor.js';
import { chat, describeViolations, seriousViolations, type ConsolePage } from './console-browser.js';
import { ADMIN } from './console-admin-server.js';
import { AGENT1, CONSOLE_INDEX, DEPLOYMENT_ID, ORG_ID, SUPERVISOR, SUPPORT_BUTTON, consoleConfig } from './console-server.js';
import { consoleSuite } from './console-suite.js';

const server = new TestServer({ pollHoldSeconds: 1 }, {
  config: () => {
    const config = consoleConfig() as { orgs: { agents: object[] }[]; server?: object };
    config.orgs[0]!.agents.push({ ...ADMIN, password: `plain:${ADMIN.password}`, role: 'admin', skills: [], capacity: 0 });
    config.server = { trustProxy: 'loopback' };
    return config;
  },
  requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']],
});
let alex: ConsolePage;
let ada: ConsolePage;
let sam: ConsolePage;
consoleSuite(server, { alex: AGENT1, ada: ADMIN, sam: SUPERVISOR }, (c) => { ({ alex, ada, sam } = c); }, { online: 'alex' });

const ADDRESS = '203.0.113.9';

function blocksTable(page: Page) {
  return page.getByRole('table', { name: 'Blocked addresses' });
}

describe('console: blocking visitors', () => {
  it('an agent blocks the visitor of its chat; the admin sees the address, adds a range and unblocks', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const from = { headers: { 'X-Forwarded-For': ADDRESS } };
    expect((await v.init(v.initBody(SUPPORT_BUTTON, { organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID, visitorName: 'Mallory Rude' }), from)).status).toBe(200);
    await alex.page.getByRole('article', { name: 'Chat offer from Mallory Rude' }).getByRole('button', { name: 'Accept' }).click();
    const panel = chat(alex.page, 'Mallory Rude');
    const opener = panel.getByRole('button', { name: 'Block visitor…' });
    await opener.click();
    const dialog = alex.page.getByRole('dialog', { name: 'Block Mallory Rude?' });
    await dialog.waitFor();
    const reason = dialog.getByRole('textbox', { name: 'Reason (optional, for your team)' });
    expect(await reason.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    const violations = await seriousViolations(alex.page);
    expect(violations, describeViolations(violations)).toEqual([]);
    // Cancel gives the keyboard back to the button, and blocks nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await opener.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    await opener.click();
    await dialog.getByRole('textbox').fill('Insults, twice');
    await dialog.getByRole('button', { name: 'Block and end chat' }).click();
    await dialog.waitFor({ state: 'detached' });
    await panel.locator('.badge').getByText('Ended: you blocked this visitor').waitFor();
    await panel.getByRole('log').getByText('Chat ended (visitor blocked)').waitFor();
    expect(await panel.getByRole('button', { name: 'Block visitor…' }).count()).toBe(0);
    expect((await v.waitFor('ChatEnded')).message).toMatchObject({ reason: 'agent' });

    // The admin's Team view lists it, with the reason and who blocked it from a chat.
    await ada.page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Team' }).click();
    const row = blocksTable(ada.page).getByRole('row').filter({ hasText: ADDRESS });
    await row.filter({ hasText: 'Insults, twice' }).filter({ hasText: `${AGENT1.id} (from a chat)` }).waitFor();

    const form = ada.page.getByRole('form', { name: 'Block an address' });
    await form.getByRole('textbox', { name: 'Address or range' }).fill('10.0.0.1/8');
    await form.getByRole('button', { name: 'Block' }).click();
    await form.getByText('10.0.0.1/8 has bits set past its prefix (the network is 10.0.0.0/8)').waitFor();
    await form.getByRole('textbox', { name: 'Address or range' }).fill('2001:DB8::/32');
    await form.getByRole('textbox', { name: 'Reason' }).fill('Scrapers');
    await form.getByRole('button', { name: 'Block' }).click();
    await blocksTable(ada.page).getByRole('row').filter({ hasText: '2001:db8::/32' }).filter({ hasText: 'Scrapers' }).waitFor();

    await row.getByRole('button', { name: `Unblock ${ADDRESS}` }).click();
    await ada.page.getByRole('status').filter({ hasText: `Unblocked ${ADDRESS}` }).waitFor();
    await expect.poll(() => blocksTable(ada.page).getByRole('row').filter({ hasText: ADDRESS }).count()).toBe(0);
    const teamViolations = await seriousViolations(ada.page);
    expect(teamViolations, describeViolations(teamViolations)).toEqual([]);
    expect(alex.errors).toEqual([]);
    // The refused range's 400 is logged by the browser; nothing else may be.
    expect(ada.errors.filter((e) => !e.includes('status of 400 (Bad Request)'))).toEqual([]);
  });

  it('a supervisor blocks the visitor from the monitor view; the agent reads that the visitor was blocked', async () => {
    const name = 'Trent Troll';
    const address = '203.0.113.10';
    const v = new Visitor(server);
    await v.createSession();
    expect((await v.init(v.initBody(SUPPORT_BUTTON, { organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID, visitorName: name }), { headers: { 'X-Forwarded-For': address } })).status).toBe(200);
    await alex.page.getByRole('article', { name: `Chat offer from ${name}` }).getByRole('button', { name: 'Accept' }).click();
    const agentPanel = chat(alex.page, name);
    await agentPanel.locator('.badge').getByText('Active').waitFor();

    await sam.page.getByRole('button', { name: 'Supervisor' }).click();
    await sam.page.getByRole('region', { name: 'Supervisor' }).getByRole('button', { name: `Open chat with ${name} read-only` }).click();
    const monitor = chat(sam.page, name);
    await monitor.locator('.badge').getByText('Monitoring (read-only)').waitFor();
    const opener = monitor.getByRole('button', { name: 'Block visitor…' });
    await opener.click();
    const dialog = sam.page.getByRole('dialog', { name: `Block ${name}?` });
    const reason = dialog.getByRole('textbox', { name: 'Reason (optional, for your team)' });
    expect(await reason.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    // Escape cancels, as in the agent's panel, and gives the keyboard back to the button.
    await sam.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await opener.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    await opener.click();
    await reason.fill('Spam links');
    await dialog.getByRole('button', { name: 'Block and end chat' }).click();
    await dialog.waitFor({ state: 'detached' });
    await monitor.locator('.badge').getByText('Ended: you blocked this visitor').waitFor();
    expect(await monitor.getByRole('button', { name: 'Block visitor…' }).count()).toBe(0);
    // The keyboard stays in the panel (its first button), not lost on the page.
    expect(await monitor.getByRole('button', { name: 'Stop monitoring' }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    // The agent did not end it: its panel says the visitor was blocked.
    await agentPanel.locator('.badge').getByText('Ended: the visitor was blocked').waitFor();
    expect((await v.waitFor('ChatEnded')).message).toEqual({ reason: 'agent', attachedRecords: [] });

    const violations = await seriousViolations(sam.page);
    expect(violations, describeViolations(violations)).toEqual([]);
    expect(alex.errors).toEqual([]);
    expect(sam.errors).toEqual([]);
  });
});
