/**
 * Raise Flag in the console, in a real browser against the real server (ADR 0056): the agent
 * raises a flag with a message from the chat panel's dialog; the supervisor is told (the
 * screen-reader announcer and the toast), sees the chat flagged in the overview by a sign and
 * the words "Flagged: <message>", and lowers it; the agent's panel follows. The visitor never
 * hears of it.
 */
import { describe, expect, it } from 'vitest';
import { AdminConsoleTestServer } from './console-admin-server.js';
import { chat, describeViolations, seriousViolations, type ConsolePage } from './console-browser.js';
import { AGENT1, SUPERVISOR } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const server = new AdminConsoleTestServer();
let alex: ConsolePage;
let sam: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, sam: SUPERVISOR }, (c) => ({ alex, sam } = c), { online: 'alex' });

describe('raise flag in the console', () => {
  it('the agent raises it, the supervisor sees it and lowers it, the agent sees it go down', async () => {
    const v = new PollingVisitor(server, 'Fay Flagged');
    visitors.push(v);
    await v.request();
    await alex.page.getByRole('article', { name: 'Chat offer from Fay Flagged' }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    await sam.page.getByRole('button', { name: 'Supervisor' }).click();

    const panel = chat(alex.page, 'Fay Flagged');
    await panel.getByRole('button', { name: 'Raise flag…' }).click();
    const dialog = alex.page.getByRole('dialog', { name: 'Ask a supervisor for help' });
    await dialog.getByRole('textbox', { name: /Message for the supervisor/ }).fill('Customer wants a refund over my limit');
    expect(describeViolations(await seriousViolations(alex.page))).toBe('');
    await dialog.getByRole('button', { name: 'Raise flag' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    await panel.getByText('Flagged: Customer wants a refund over my limit').waitFor();
    await panel.getByRole('log').getByText(/Flag raised for a supervisor: Customer wants a refund/).waitFor();

    // The supervisor is told, and the overview marks the chat with words, not colour alone.
    await expect.poll(() => sam.page.locator('[aria-live="assertive"]').textContent()).toContain('raised a flag');
    const supervisor = sam.page.getByRole('region', { name: 'Supervisor' });
    await supervisor.getByText('Flagged: Customer wants a refund over my limit').waitFor();
    expect(describeViolations(await seriousViolations(sam.page))).toBe('');
    await supervisor.getByRole('button', { name: 'Lower flag of the chat with Fay Flagged' }).click();
    await expect.poll(() => supervisor.getByText('Flagged: Customer wants a refund over my limit').count()).toBe(0);

    // The agent's panel follows: no flag, "Raise flag…" again.
    await expect.poll(() => panel.getByText('Flagged: Customer wants a refund over my limit').count()).toBe(0);
    await panel.getByRole('button', { name: 'Raise flag…' }).waitFor();
    await panel.getByRole('log').getByText('Flag lowered').waitFor();

    // The visitor heard nothing of it.
    const box = panel.getByRole('textbox', { name: 'Message to Fay Flagged' });
    await box.fill('Let me check that for you.');
    await box.press('Enter');
    await v.waitFor('the message after the flag', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Let me check that for you.');
    expect(JSON.stringify(v.received)).not.toContain('refund');
  });
});
