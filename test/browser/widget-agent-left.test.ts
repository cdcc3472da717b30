/**
 * The widget when its agent drops, in real Chromium against the real server:
 * the agent's stream closes, the grace period (1 s here) passes, the server
 * requeues the chat and sends AgentDisconnect. The visitor is told, sees the
 * queue again, and what they type waits for the next agent, who comes as a
 * ChatTransferred.
 *
 * Needs `npm run build` (server and widget builds).
 */
import { describe, expect, it } from 'vitest';
import { eventually, useOnlineAgents } from './agent-api.js';
import { AGENT1, AGENT2, widgetConsoleConfig } from './widget-console-server.js';
import { useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

const suite = useWidgetSuite(() => {
  const config = widgetConsoleConfig() as { settings: object };
  // An agent without a stream is dropped one second after its last sign of life.
  config.settings = { ...config.settings, agentGraceSeconds: 1 };
  return config;
}, { needsWidgetBuild: true });
/** An agent signed in, with its stream open (alive), online; offline after each test. */
const onlineAgent = useOnlineAgents(() => suite.server.baseUrl);

describe('chat widget when the agent drops', () => {
  it('says the agent left, shows the queue again, holds messages and names the next agent', async () => {
    const alex = await onlineAgent(AGENT1);
    const page = await (await suite.newContext()).newPage();
    page.on('pageerror', (err) => console.error('[page error]', err));
    await page.goto(`${suite.server.baseUrl}/?button=human`);
    const w = widgetOf(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    await w.host.getByLabel('Your name (required)').fill('Robin Visitor');
    await w.host.getByLabel('Email (required)').fill('robin@example.com');
    await w.host.getByRole('button', { name: 'Start chat' }).click();
    const chat = await eventually(async () => (await alex.chats()).find((c) => c.visitorName === 'Robin Visitor'), 10_000, 'the offer');
    await alex.accept(chat.chatId);
    await waitForText(w.status, /chatting with Alex Agent/);

    // Alex's console goes away: after the grace period the server requeues the chat.
    alex.closeStream();
    await waitForText(w.host.locator('.msg.sys'), /^Alex Agent left the chat; waiting for another agent$/, 10_000);
    // The QueueUpdate that follows the requeue is shown, not dropped.
    await waitForText(w.status, /You are next in line \(position 1\)/);

    // Typed while nobody is there: kept until the next agent joins.
    await w.input.fill('Are you still there?');
    await w.input.press('Enter');
    await waitForText(w.host.locator('.msg.me'), /Are you still there\?/);

    // The next agent takes it (ChatTransferred): the status says who, the held message goes to them.
    const blair = await onlineAgent(AGENT2);
    await eventually(async () => ((await blair.accept(chat.chatId)) ? true : undefined), 10_000, 'the offer to Blair');
    await waitForText(w.status, /^You are chatting with Blair Agent\.$/);
    await waitForText(w.host.locator('.msg.sys'), /^Blair Agent joined the chat$/);
    const events = await eventually(async () => {
      const all = await blair.events(chat.chatId);
      return all.some((e) => e.type === 'ChasitorChatMessage' && e.data.text === 'Are you still there?') ? all : undefined;
    }, 5000, 'the held message');
    const types = events.map((e) => e.type);
    expect(types.indexOf('ChasitorChatMessage')).toBeGreaterThan(types.indexOf('ChatTransferred'));
    await blair.send(chat.chatId, 'Yes, Blair here.');
    await waitForText(w.agentMessages, /Yes, Blair here\./);

    await blair.end(chat.chatId);
    await waitForText(w.status, /The chat has ended/);
  });
});
