/**
 * A conference participant's panel when the holder ends the chat (ADR 0051): "Ended by the
 * agent", live and after a reload alike; never "Ended by you" (the participant did not end
 * it) nor a bare "Ended".
 */
import { describe, expect, it } from 'vitest';
import { chat, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, ConsoleTestServer } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const VISITOR = 'Cora Conference';
const server = new ConsoleTestServer();
let alex: ConsolePage;
let blair: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, blair: AGENT2 }, (c) => ({ alex, blair } = c), { online: 'alex' });

describe('console: the holder ends a conference', () => {
  it('the participant reads "Ended by the agent", live and after a reload', async () => {
    const v = new PollingVisitor(server, VISITOR);
    visitors.push(v);
    await v.request();
    await alex.page.getByRole('article', { name: `Chat offer from ${VISITOR}` }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    await setPresence(blair.page, 'Online');
    await chat(alex.page, VISITOR).getByRole('button', { name: 'Invite to conference…' }).click();
    const dialog = alex.page.getByRole('dialog', { name: `Invite an agent into the chat with ${VISITOR}` });
    await dialog.getByRole('combobox', { name: 'Agent' }).selectOption(AGENT2.id);
    await dialog.getByRole('button', { name: 'Invite' }).click();
    await dialog.waitFor({ state: 'detached' });
    await blair.page.getByRole('article', { name: `Conference invitation from ${AGENT1.name}` }).getByRole('button', { name: 'Accept' }).click();
    const panel = chat(blair.page, VISITOR);
    await panel.locator('.badge').getByText('Conference (participant)').waitFor();

    await chat(alex.page, VISITOR).getByRole('button', { name: 'End chat' }).click();
    await chat(alex.page, VISITOR).locator('.badge').getByText('Ended by you').waitFor();
    await expect.poll(() => panel.locator('.badge').textContent()).toBe('Ended by the agent');

    await blair.page.reload();
    await blair.page.getByRole('group', { name: 'Presence' }).waitFor();
    await expect.poll(() => chat(blair.page, VISITOR).locator('.badge').textContent()).toBe('Ended by the agent');
  });
});
