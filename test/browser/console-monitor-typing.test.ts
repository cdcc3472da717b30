/**
 * A supervisor's monitor shows who is writing, in a real browser against the real server
 * (ADR 0051, note "typing in the monitor"): the holder's typing as "<name> is typing…" in the
 * same polite live region agent panels have for a conference, gone with the message; and the
 * visitor's typing and sneak peek, as the holder sees them.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TestServer } from '../protocol/harness.js';
import { chat, type ConsolePage } from './console-browser.js';
import { AGENT1, CONSOLE_INDEX, SUPERVISOR, consoleConfig } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const VISITOR = 'Tia Typing';
const server = new TestServer({ pollHoldSeconds: 1 }, { config: consoleConfig, requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']] });
let alex: ConsolePage;
let sam: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, sam: SUPERVISOR }, (c) => ({ alex, sam } = c), { online: 'alex' });

const POLL = { timeout: 5_000 };
const text = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').trim();
const monitorPanel = (page: Page): Locator => page.locator('section.chat.monitor').filter({ hasText: VISITOR });

describe('a supervisor monitoring a chat', () => {
  it('sees the agent typing, until the message; and the visitor typing and its sneak peek', async () => {
    const v = new PollingVisitor(server, VISITOR);
    visitors.push(v);
    await v.request();
    await alex.page.getByRole('article', { name: `Chat offer from ${VISITOR}` }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    const composer = chat(alex.page, VISITOR).getByRole('textbox', { name: `Message to ${VISITOR}` });
    await composer.fill('Hello');
    await composer.press('Enter');
    await v.waitFor('the greeting', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Hello');

    await sam.page.getByRole('button', { name: 'Supervisor' }).click();
    await sam.page.getByRole('region', { name: 'Supervisor' }).getByRole('button', { name: `Open chat with ${VISITOR} read-only` }).click();
    const panel = monitorPanel(sam.page);
    await panel.getByRole('log').getByText('Hello').waitFor();
    const agentsLine = panel.locator('.agents-typing');
    expect(await agentsLine.getAttribute('aria-live')).toBe('polite');
    expect(await text(agentsLine)).toBe('');

    // Alex writes: Sam sees it while the keys come, and no longer once it is sent.
    await composer.pressSequentially('One moment please', { delay: 80 });
    await expect.poll(() => text(agentsLine), POLL).toBe('Alex Agent is typing…');
    await composer.press('Enter');
    await panel.getByRole('log').getByText('One moment please').waitFor();
    await expect.poll(() => text(agentsLine), POLL).toBe('');

    // The visitor writes: the peek line, as the holder's panel has it.
    const peek = panel.locator('.peek');
    await v.post('Chasitor/ChasitorTyping', {});
    await expect.poll(() => text(peek), POLL).toBe('Visitor is typing…');
    await v.post('Chasitor/ChasitorSneakPeek', { position: 0, text: 'my order num' });
    await expect.poll(() => text(peek), POLL).toBe('Visitor is typing: my order num');
    await v.post('Chasitor/ChatMessage', { text: 'my order number is 42' });
    await panel.getByRole('log').getByText('my order number is 42').waitFor();
    await expect.poll(() => peek.isHidden(), POLL).toBe(true);
  });
});
