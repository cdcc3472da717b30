/**
 * The console across a server restart, in a real browser. The server keeps no
 * human presence across a restart (docs/architecture.md): the console's stream
 * comes back with a `resync` ("epoch changed") and the console sets the
 * presence and capacity the agent had chosen again, says so, and keeps the
 * agent's chat.
 */
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { chat, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer, SUPERVISOR } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const server = new ConsoleTestServer();
let alex: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1 }, (c) => ({ alex } = c), { report: () => `--- server ---\n${server.logTail.slice(-4000)}` });

/** The agent's presence and capacity as the server has them (through a supervisor's overview). */
async function onServer(agentId: string): Promise<string> {
  const sam = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: SUPERVISOR.username, password: SUPERVISOR.password } });
  const token = (sam.json as { accessToken: string }).accessToken;
  const overview = await request(server.baseUrl, 'GET', '/agent/v1/supervisor/overview', { headers: { Authorization: `Bearer ${token}` } });
  const a = (overview.json as { agents: { id: string; presence: string; capacity: number }[] }).agents.find((x) => x.id === agentId);
  return a ? `${a.presence} ${a.capacity}` : 'unknown';
}

describe('agent console and a server restart', () => {
  it('puts back the presence and capacity the agent had chosen, says so, and keeps the chat', async () => {
    await setPresence(alex.page, 'Online');
    const capacity = alex.page.getByLabel('Capacity');
    await capacity.fill('2');
    await capacity.press('Tab');
    await expect.poll(() => onServer(AGENT1.id)).toBe('online 2');
    const v = new PollingVisitor(server, 'Rita Restart');
    visitors.push(v);
    await v.request();
    await alex.page.getByRole('article', { name: `Chat offer from ${v.name}` }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');

    await server.restart();

    await alex.page.getByRole('status').filter({ hasText: /server restarted.*online again/i }).waitFor({ timeout: 30_000 });
    expect(await onServer(AGENT1.id)).toBe('online 2');
    expect(await alex.page.getByRole('radio', { name: 'Online' }).isChecked()).toBe(true);
    expect(await capacity.inputValue()).toBe('2');
    // Still the agent's chat, and the button is online again: a new visitor is offered to Alex.
    const box = chat(alex.page, v.name).getByRole('textbox');
    await box.fill('Still here after the restart');
    await box.press('Enter');
    // (The visitor's poll loop ended with the restart: the server's answer is what counts here.)
    await chat(alex.page, v.name).getByRole('log').locator('.msg.agent:not(.pending)').getByText('Still here after the restart').waitFor();
    const next = new PollingVisitor(server, 'Nico Next');
    visitors.push(next);
    await next.request();
    await alex.page.getByRole('article', { name: `Chat offer from ${next.name}` }).waitFor();
  });
});
