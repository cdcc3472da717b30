/**
 * A supervisor's Take over and Reassign, in the console. Offline (a supervisor's usual presence),
 * a chat taken over would be dropped by the server after the grace period (docs/agent-api.md,
 * "Agent disconnect"): the console sets the supervisor Away first and says so, and the chat stays.
 * The Reassign list offers only agents the server gives a chat to (not offline, not the holder,
 * not the supervisor), and a refusal reads in words, with the agent's name.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chat, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, ConsoleTestServer, SUPERVISOR } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const GRACE_SECONDS = 2;
const server = new ConsoleTestServer({ agentGraceSeconds: GRACE_SECONDS });
let alex: ConsolePage;
let blair: ConsolePage;
let sam: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, blair: AGENT2, sam: SUPERVISOR }, (c) => ({ alex, blair, sam } = c), { online: 'alex' });

async function chatWithAlex(name: string): Promise<PollingVisitor> {
  const v = new PollingVisitor(server, name);
  visitors.push(v);
  await v.request();
  await alex.page.getByRole('article', { name: `Chat offer from ${name}` }).getByRole('button', { name: 'Accept' }).click();
  await v.waitForType('ChatEstablished');
  return v;
}

/** Sam opens the chat read-only from the supervisor view (the overview lists it after its next refresh). */
async function monitor(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Supervisor', exact: true }).click();
  await page.getByRole('region', { name: 'Supervisor' }).getByRole('button', { name: `Open chat with ${name} read-only` }).click({ timeout: 15_000 });
  await chat(page, name).getByRole('button', { name: 'Take over' }).waitFor();
}

async function reassignOptions(page: Page, name: string): Promise<string[]> {
  const select = chat(page, name).getByRole('combobox', { name: 'Reassign to' });
  // The list is read again as it is about to be used: when the box gets the keyboard.
  await select.blur();
  await select.focus();
  return select.locator('option:not([disabled])').allTextContents();
}

describe('console: a supervisor takes over and reassigns', () => {
  it('taking over while offline sets the supervisor Away, says so, and the chat outlives the grace period', async () => {
    const v = await chatWithAlex('Tara Takeover');
    expect(await sam.page.getByRole('radio', { name: 'Offline' }).isChecked()).toBe(true);
    await monitor(sam.page, v.name);
    await chat(sam.page, v.name).getByRole('button', { name: 'Take over' }).click();
    await sam.page.getByRole('status').filter({ hasText: 'You took over the chat. You were offline, so you are now Away' }).waitFor();
    expect(await sam.page.getByRole('radio', { name: 'Away' }).isChecked()).toBe(true);
    await v.waitForType('ChatTransferred');

    // Well past the grace period: an offline holder would have been dropped by now.
    await sleep((GRACE_SECONDS + 2) * 1000);
    expect(v.received.some((m) => m.type === 'AgentDisconnect')).toBe(false);
    const panel = chat(sam.page, v.name);
    expect(await panel.locator('.badge').textContent()).toBe('Active');
    await panel.getByRole('textbox', { name: `Message to ${v.name}` }).fill('Sam here, still with you');
    await panel.getByRole('textbox', { name: `Message to ${v.name}` }).press('Enter');
    await v.waitFor('the supervisor\'s message', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Sam here, still with you');
  });

  it('offers neither offline agents nor the holder nor the supervisor, and says a refusal with the agent\'s name', async () => {
    const v = await chatWithAlex('Rex Reassign');
    await monitor(sam.page, v.name);
    // Alex holds it, Blair is offline, Sam is the supervisor: nobody to reassign to.
    expect(await reassignOptions(sam.page, v.name)).toEqual([]);
    expect(await chat(sam.page, v.name).getByRole('option', { name: 'No agent online or away to take it' }).count()).toBe(1);

    await setPresence(blair.page, 'Online');
    await expect.poll(() => reassignOptions(sam.page, v.name), { timeout: 15_000 }).toEqual([`${AGENT2.name} (online, 0/3)`]);
    await chat(sam.page, v.name).getByRole('combobox', { name: 'Reassign to' }).selectOption(AGENT2.id);
    // Blair leaves before Sam presses Reassign: the server refuses, the console says why in words.
    await setPresence(blair.page, 'Offline');
    await chat(sam.page, v.name).getByRole('button', { name: 'Reassign', exact: true }).click();
    const toast = sam.page.getByRole('status').filter({ hasText: 'Not reassigned' });
    await toast.waitFor();
    expect(await toast.textContent()).toBe(`Not reassigned: ${AGENT2.name} is offline now. Choose an agent who is online or away.`);
  });
});
