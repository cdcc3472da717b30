/**
 * A chat that ends while the agent is writing in it: the keyboard stays in the chat's panel (on
 * its Close button, as after the agent's own End), not on the page's body, and what the agent
 * wrote is not dropped: it is kept, read-only, to copy, and the agent is told it was not sent.
 */
import { describe, expect, it } from 'vitest';
import { chat, expectFocused, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { acceptedChat, PollingVisitor } from './console-visitor.js';

const server = new ConsoleTestServer();
let alex: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1 }, (c) => ({ alex } = c), { online: 'alex' });

describe('console: the chat ends while the agent writes', () => {
  it('keeps the keyboard in the panel and the draft, read-only, said to be unsent', async () => {
    const page = alex.page;
    const v = new PollingVisitor(server, 'Ivy Leaving');
    visitors.push(v);
    await acceptedChat(page, v);
    const panel = chat(page, v.name);
    const box = panel.getByRole('textbox', { name: `Message to ${v.name}` });
    await box.click();
    await page.keyboard.type('I am writing a long answer');
    await v.post('Chasitor/ChatEnd', { reason: 'client' });

    await panel.getByText('Ended by the visitor').waitFor();
    await expectFocused(panel.getByRole('button', { name: 'Close' }), 'the keyboard stays in the ended chat\'s panel');
    const kept = panel.getByRole('textbox', { name: 'Not sent' });
    expect(await kept.inputValue()).toBe('I am writing a long answer');
    expect(await kept.getAttribute('readonly')).not.toBeNull();
    await page.getByRole('status').filter({ hasText: `What you were writing to ${v.name} was not sent` }).waitFor();
    expect(v.received.some((m) => m.type === 'ChatMessage')).toBe(false);
  });
});
