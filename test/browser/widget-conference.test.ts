/**
 * A conference (ADR 0051) in the widget with the panel open, in real Chromium against the real
 * server: when the chat's agent brings another agent in, and when that agent leaves, screen
 * readers hear who came or went (the log's own lines are hidden from them: they repeat the
 * status line), and the status line names everyone the visitor is chatting with.
 *
 * Needs `npm run build` (server and widget builds).
 */
import { describe, expect, it } from 'vitest';
import { eventually, useOnlineAgents } from './agent-api.js';
import { AGENT1, AGENT2, widgetConsoleConfig } from './widget-console-server.js';
import { recordAnnouncements, useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

const suite = useWidgetSuite(widgetConsoleConfig, { needsWidgetBuild: true });
/** An agent signed in, with its stream open (alive), online; offline after each test. */
const onlineAgent = useOnlineAgents(() => suite.server.baseUrl);

describe('chat widget in a conference', () => {
  it('announces who joined and left while the panel is open, and names them in the status line', async () => {
    const alex = await onlineAgent(AGENT1);
    const page = await (await suite.newContext()).newPage();
    page.on('pageerror', (err) => console.error('[page error]', err));
    await page.goto(`${suite.server.baseUrl}/?button=human`);
    const w = widgetOf(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    const heard = await recordAnnouncements(page);
    await w.launcher.click();
    await w.host.getByLabel('Your name (required)').fill('Cora Conference');
    await w.host.getByLabel('Email (required)').fill('cora@example.com');
    await w.host.getByRole('button', { name: 'Start chat' }).click();
    const chat = await eventually(async () => (await alex.chats()).find((c) => c.visitorName === 'Cora Conference'), 10_000, 'the offer');
    await alex.accept(chat.chatId);
    await waitForText(w.status, /^You are chatting with Alex Agent\.$/);

    const blair = await onlineAgent(AGENT2);
    await alex.invite(chat.chatId, AGENT2.id);
    await eventually(async () => ((await blair.accept(chat.chatId).then(() => true, () => undefined)) ? true : undefined), 10_000, 'the invitation to Blair');
    await waitForText(w.host.locator('.msg.sys'), /^Blair Agent joined the chat$/);
    await waitForText(w.status, /^You are chatting with Alex Agent and Blair Agent\.$/);
    expect(await heard()).toContain('Blair Agent joined the chat.');

    await blair.leaveConference(chat.chatId);
    await waitForText(w.host.locator('.msg.sys'), /^Blair Agent left the chat$/);
    await waitForText(w.status, /^You are chatting with Alex Agent\.$/);
    expect(await heard()).toContain('Blair Agent left the chat.');
    expect(await w.panel.isVisible()).toBe(true);
  });
});
