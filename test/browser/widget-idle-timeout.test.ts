/**
 * The chasitor idle timeout in the widget, in real Chromium against the real server (the
 * human button warns after 2 s of silence after an agent message, ends the chat after 6 s):
 *
 * - at the server's ChasitorIdleTimeoutWarningEvent the status line warns, in the widget's
 *   language, and screen readers hear it; typing alone does not answer it (the server counts
 *   messages), a message does: the warning goes at once, and the server clears its count;
 * - when the timeout ends the chat, the widget says the visitor was inactive.
 *
 * Needs `npm run build` (server and widget builds).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, TestAgent } from './agent-api.js';
import { browserConfig, IDS } from './browser-server.js';
import { openSitePage, recordAnnouncements, useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

const suite = useWidgetSuite(() => {
  const config = browserConfig() as { settings: object; orgs: { deployments: { buttons: { id: string }[] }[] }[] };
  config.settings = { ...config.settings, pollHoldSeconds: 1 };
  const human = config.orgs[0]?.deployments[0]?.buttons.find((b) => b.id === IDS.humanButton);
  if (!human) throw new Error('no human button');
  Object.assign(human, { chasitorIdleTimeout: { isEnabled: true, warningTime: 2, timeout: 6 } });
  return config;
}, { needsWidgetBuild: true });
let agent: TestAgent | undefined;

afterEach(async () => {
  agent?.closeStream();
  await agent?.presence('offline').catch(() => undefined);
  agent = undefined;
});

async function chatting(name: string, lang: string) {
  agent = new TestAgent(suite.server.baseUrl);
  await agent.login('agent', 'agent-demo');
  await agent.openStream();
  await agent.presence('online');
  const page = await (await suite.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  await openSitePage(page, suite.server.baseUrl, { data: { org: IDS.org, deployment: IDS.deployment, button: IDS.humanButton, lang } });
  const w = widgetOf(page);
  const heard = await recordAnnouncements(page);
  await w.launcher.click();
  const fields = w.host.locator('form.pre input');
  await fields.nth(0).fill(name);
  await fields.nth(1).fill('visitor@example.com');
  await w.host.locator('form.pre button[type=submit]').click();
  const a = agent;
  const chat = await eventually(async () => (await a.chats()).find((c) => c.visitorName === name), 10_000, 'the offer');
  await a.accept(chat.chatId);
  await waitForText(w.status, /Alex Agent/);
  const input = w.host.locator('form.compose textarea');
  return { page, w, heard, input, chatId: chat.chatId, agent: a };
}

describe('the chasitor idle timeout', () => {
  it('warns at the warning time, clears the warning when the visitor writes, and says why the chat ended', async () => {
    const c = await chatting('Ida Idle', 'en');
    const warning = 'Are you still there? Send a message, or the chat will end soon.';
    await c.agent.send(c.chatId, 'Anything else?');
    await waitForText(c.w.status, /^Are you still there\?/, 8000);
    expect(await c.w.status.textContent()).toBe(warning);
    expect(await c.w.status.getAttribute('data-kind')).toBe('warn');
    expect(await c.heard()).toContain(warning);

    // Typing answers the server's count (ADR 0072): the server clears the warning, and the widget with it.
    await c.input.pressSequentially('Yes');
    await waitForText(c.w.status, /^You are chatting with Alex Agent\.$/, 5000);
    const events = await eventually(async () => {
      const all = await c.agent.events(c.chatId);
      return all.some((e) => e.type === 'ChasitorIdleTimeoutWarningEvent' && e.data.type === 'cleared') ? all : undefined;
    }, 5000, 'the server’s cleared warning');
    expect(events.filter((e) => e.type === 'ChasitorIdleTimeoutWarningEvent').map((e) => e.data.type)).toEqual(['triggered', 'cleared']);
    // The message that follows changes nothing more.
    await c.input.press('Enter');
    await c.page.waitForTimeout(1500);
    expect(await c.w.status.textContent()).toBe('You are chatting with Alex Agent.');
    expect((await c.agent.events(c.chatId)).filter((e) => e.type === 'ChasitorIdleTimeoutWarningEvent').map((e) => e.data.type)).toEqual(['triggered', 'cleared']);

    // Silent again after the agent's next message: the chat ends, and the widget says why.
    await c.agent.send(c.chatId, 'Still there?');
    await waitForText(c.w.status, /^The chat ended because you were inactive\.$/, 12_000);
    await waitForText(c.w.host.locator('.msg.sys'), /^The chat ended because you were inactive\.$/);
    expect(await c.heard()).toContain('The chat ended because you were inactive.');
  });

  it('warns in the widget’s language (German)', async () => {
    const c = await chatting('Ida Inaktiv', 'de');
    await c.agent.send(c.chatId, 'Noch etwas?');
    await waitForText(c.w.status, /^Sind Sie noch da\? Senden Sie eine Nachricht, sonst endet der Chat bald\.$/, 8000);
    await waitForText(c.w.status, /^Der Chat wurde beendet, weil Sie nicht mehr aktiv waren\.$/, 12_000);
  });
});
