/**
 * The console follows a role an admin changes, without a reload: the `presence`
 * stream event carries the user's role, and the views fit it. An agent promoted
 * to supervisor gets the Supervisor view (and it works: the overview loads), to
 * admin the Team view too; a supervisor demoted to agent, who was looking at the
 * Supervisor view, loses it and is back on their chats; an admin demoted to agent
 * loses Team and Supervisor; a supervisor demoted while monitoring a chat loses the
 * monitored chat, and no refresh of the supervisor view is left to ask the server
 * (403) afterwards. The top bar says the role, and the change is told.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chat, goOfflineConfirmed, setPresence, type ConsolePage } from './console-browser.js';
import { ADMIN, AdminConsoleTestServer } from './console-admin-server.js';
import { AGENT1, SUPERVISOR } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const server = new AdminConsoleTestServer();
let alex: ConsolePage;
let sam: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, sam: SUPERVISOR }, (c) => { ({ alex, sam } = c); });

/** An admin changes the user's role through the admin API (not through the console under test). */
async function setRole(userId: string, role: 'agent' | 'supervisor' | 'admin'): Promise<void> {
  const res = await fetch(`${server.baseUrl}/agent/v1/admin/users/${userId}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${await server.tokenOf(ADMIN)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ role }),
  });
  expect(res.status, await res.text()).toBe(200);
}

function viewButton(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true });
}

const whoami = (page: Page) => page.locator('.whoami').textContent();

describe('console: a role changed by an admin', () => {
  it('an agent promoted to supervisor, then admin, gets those views at once; demoted to agent, loses them and is back on their chats', async () => {
    const { page } = alex;
    await expect.poll(() => viewButton(page, 'My chats').count()).toBe(1);
    expect(await viewButton(page, 'Supervisor').count()).toBe(0);
    expect(await whoami(page)).toBe(`${AGENT1.name} (agent)`);

    await setRole(AGENT1.id, 'supervisor');
    await viewButton(page, 'Supervisor').waitFor();
    expect(await whoami(page)).toBe(`${AGENT1.name} (supervisor)`);
    await page.getByRole('status').filter({ hasText: 'An admin changed your role from agent to supervisor' }).waitFor();
    expect(await viewButton(page, 'Team').count(), 'a supervisor has no Team').toBe(0);
    await viewButton(page, 'Supervisor').click();
    await page.getByRole('heading', { name: 'Supervisor', level: 2 }).waitFor();
    // The overview loads: the server takes the new role too.
    await page.getByRole('heading', { name: 'Agents', level: 3 }).waitFor();
    await expect.poll(() => page.locator('section.supervisor').innerText()).toContain(SUPERVISOR.name);

    await setRole(AGENT1.id, 'admin');
    await viewButton(page, 'Team').click();
    await page.getByRole('table', { name: 'People of the organization' }).getByRole('rowheader', { name: /Ada Admin/ }).waitFor();

    await setRole(AGENT1.id, 'agent');
    await expect.poll(() => viewButton(page, 'Team').count()).toBe(0);
    expect(await viewButton(page, 'Supervisor').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Team' }).count(), 'the team view is gone, not hidden behind another').toBe(0);
    expect(await viewButton(page, 'My chats').getAttribute('aria-pressed'), 'back on the agent\'s chats').toBe('true');
    expect(await whoami(page)).toBe(`${AGENT1.name} (agent)`);
  });

  it('a supervisor demoted to agent while looking at the Supervisor view loses it', async () => {
    const { page } = sam;
    await viewButton(page, 'Supervisor').click();
    await page.getByRole('heading', { name: 'Supervisor', level: 2 }).waitFor();

    await setRole(SUPERVISOR.id, 'agent');
    await expect.poll(() => viewButton(page, 'Supervisor').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Supervisor' }).count()).toBe(0);
    expect(await viewButton(page, 'My chats').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('.agent-view').isVisible()).toBe(true);
    await setRole(SUPERVISOR.id, 'supervisor');
    await viewButton(page, 'Supervisor').waitFor();
  });

  it('a supervisor demoted while monitoring a chat loses the monitored chat, and nothing of the supervisor view asks the server again', async () => {
    const { page } = sam;
    await setPresence(alex.page, 'Online');
    const v = new PollingVisitor(server, 'Watched Visitor');
    visitors.push(v);
    await v.request();
    await alex.page.getByRole('article', { name: 'Chat offer from Watched Visitor' }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    await viewButton(page, 'Supervisor').click();
    await page.getByRole('region', { name: 'Supervisor' }).getByRole('button', { name: 'Open chat with Watched Visitor read-only' }).click();
    const panel = chat(page, 'Watched Visitor');
    await panel.waitFor();

    // When the role changed in the page, and when each supervisor request the page made was seen (epoch ms, one machine).
    await page.evaluate(`{
      const whoami = document.querySelector('.whoami');
      new MutationObserver(() => { if (whoami.textContent.endsWith('(agent)')) window.demotedAt ??= Date.now(); })
        .observe(whoami, { childList: true, characterData: true, subtree: true });
    }`);
    const asked: { url: string; at: number }[] = [];
    page.on('request', (r) => { if (r.url().includes('/agent/v1/supervisor/')) asked.push({ url: r.url(), at: Date.now() }); });
    // A monitored event makes the view refresh soon (it coalesces bursts); the demotion comes before that.
    await v.say('Is anyone watching?');
    await panel.getByRole('log').getByText('Is anyone watching?').waitFor();
    await setRole(SUPERVISOR.id, 'agent');
    await expect.poll(() => viewButton(page, 'Supervisor').count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Chats you are monitoring' }).count(), 'the monitored chats went with the view').toBe(0);
    expect(await panel.count()).toBe(0);
    // Longer than the coalescing delay (300 ms) and the overview's refresh interval (2 s).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const demotedAt = (await page.evaluate('window.demotedAt')) as number | undefined;
    expect(demotedAt).toEqual(expect.any(Number));
    // A request the page started just before it learned of the demotion may be seen a little later.
    expect(asked.filter((r) => r.at > demotedAt! + 50).map((r) => r.url), 'supervisor requests after the demotion').toEqual([]);
    await setRole(SUPERVISOR.id, 'supervisor');
    await viewButton(page, 'Supervisor').waitFor();
  });

  it('a presence change waiting for its answer is not turned back by a presence event that comes meanwhile', async () => {
    const { page } = alex;
    const online = page.getByRole('radio', { name: 'Online' });
    // Alex still holds the chat of the tests before: Offline asks first.
    await goOfflineConfirmed(page);
    // The server's answer to the change is held back; a rename by an admin sends a `presence` event
    // (with the presence as it still is, offline) before it.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/agent/v1/presence', async (route) => {
      if (route.request().method() === 'PUT') await held;
      await route.continue();
    });
    try {
      await online.click();
      const res = await fetch(`${server.baseUrl}/agent/v1/admin/users/${AGENT1.id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${await server.tokenOf(ADMIN)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Alex Renamed' }),
      });
      expect(res.status, await res.text()).toBe(200);
      await expect.poll(() => whoami(page)).toBe('Alex Renamed (agent)');
      expect(await online.isChecked(), 'the agent’s choice stays while its answer is on the way').toBe(true);
      release();
      await page.getByRole('status').filter({ hasText: 'You are online' }).waitFor();
      expect(await online.isChecked()).toBe(true);
    } finally {
      release();
      await page.unroute('**/agent/v1/presence');
      await fetch(`${server.baseUrl}/agent/v1/admin/users/${AGENT1.id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${await server.tokenOf(ADMIN)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: AGENT1.name }),
      });
    }
  });
});
