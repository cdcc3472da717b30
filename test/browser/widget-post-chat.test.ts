/**
 * The widget and the button's `postChatUrl`, in Debian's Chromium against the real
 * server: after a chat the visitor ended (demo bot) or the agent ended (played through
 * the agent API, in German), the panel links to the post-chat page in a new tab with
 * `chatId` (the agent's chatId, never the session key), `deploymentId`, `buttonId`,
 * `disconnectedBy` and `windowLanguage`; a request nobody could take (ChatRequestFail)
 * links to it as "Leave us a message"; a `javascript:` postChatUrl is no link, and a
 * button without one shows none. The post-chat pages are on 127.0.0.1:9, answered by
 * the browser's router (nothing leaves the machine). axe-core checks the ended panels.
 *
 * Needs `npm run build` (widget/dist/widget.js).
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, TestAgent } from './agent-api.js';
import { BOT_GREETING, browserConfig, IDS } from './browser-server.js';
import { axeWidget, focusedInWidget, openSitePage, serious, useWidgetSuite, waitForText } from './widget-page.js';

const SURVEY = 'http://127.0.0.1:9/survey?src=widget#top';
const AFTER_HUMAN = 'http://127.0.0.1:9/after-chat';
const BUTTONS = {
  surveyBot: '573000000000011',
  scriptBot: '573000000000012',
  human: '573000000000013',
} as const;

const agents: TestAgent[] = [];

/** The browser suite's org, with three more buttons that have a postChatUrl. */
function postChatConfig(): object {
  const config = browserConfig() as { orgs: { deployments: { buttons: object[] }[] }[] };
  const base = { type: 'Standard', queueSizeLimit: 100, sneakPeekEnabled: true };
  config.orgs[0]?.deployments[0]?.buttons.push(
    { ...base, id: BUTTONS.surveyBot, skills: ['demo-bot'], queueSizeLimit: 0, postChatUrl: SURVEY },
    { ...base, id: BUTTONS.scriptBot, skills: ['demo-bot'], queueSizeLimit: 0, postChatUrl: 'javascript:alert(document.domain)' },
    { ...base, id: BUTTONS.human, skills: ['support'], postChatUrl: AFTER_HUMAN },
  );
  return config;
}

const suite = useWidgetSuite(postChatConfig);

afterEach(async () => {
  for (const a of agents.splice(0)) await a.presence('offline').catch(() => undefined);
});

async function onlineAgent(): Promise<TestAgent> {
  const agent = new TestAgent(suite.server.baseUrl);
  agents.push(agent);
  await agent.login('agent', 'agent-demo');
  await agent.presence('online');
  return agent;
}

interface Opened {
  page: Page;
  warnings: string[];
  dialogs: string[];
  /** The `id` and `key` of System/SessionId, once the widget asked for its session. */
  session: Promise<{ id: string; key: string }>;
}

/** A site's page on the server's origin with the widget's script tag for `button`; the post-chat pages answered on 127.0.0.1:9. */
async function openSite(button: string, data: Record<string, string> = {}): Promise<Opened> {
  const context = await suite.newContext();
  await context.route('http://127.0.0.1:9/**', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>Post-chat</title><h1>How did we do?</h1>' }));
  const page = await context.newPage();
  const warnings: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (err) => console.error('[page error]', err));
  page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text()); });
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  const session = page.waitForResponse((r) => r.url().includes('/System/SessionId'), { timeout: 20_000 }).then(async (r) => (await r.json()) as { id: string; key: string });
  session.catch(() => undefined);
  await openSitePage(page, suite.server.baseUrl, { html: 'lang="en"', data: { org: IDS.org, deployment: IDS.deployment, button, ...data } });
  return { page, warnings, dialogs, session };
}

function widget(page: Page) {
  const host = page.locator('switchboard-chat');
  return {
    host,
    launcher: host.locator('button.launch'),
    status: host.locator('.status'),
    postChat: host.locator('a.post'),
    endButton: host.locator('.head button', { hasText: /End chat|Chat beenden/ }),
    /** The End of "End this chat?" (End chat asks first), in either language. */
    endYes: host.locator('.confirm button').first(),
  };
}

const query = (href: string | null): Record<string, string> => Object.fromEntries(new URL(href ?? 'about:blank').searchParams);

describe('chat widget and the button’s postChatUrl', () => {
  it('after the visitor ends the chat: a link to the survey in a new tab, with the chat id (not the key), the button and how it ended', async () => {
    const { page, session, warnings } = await openSite(BUTTONS.surveyBot);
    const w = widget(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    await waitForText(w.host.locator('.msg.agent'), new RegExp(BOT_GREETING.slice(0, 20)));
    expect(await w.postChat.isVisible()).toBe(false);
    const { id, key } = await session;

    await w.endButton.click();
    await w.endYes.click();
    await waitForText(w.status, /You ended the chat/);
    const link = w.host.getByRole('link', { name: 'Tell us how we did (opens in a new tab)' });
    await link.waitFor({ state: 'visible' });
    const href = await link.getAttribute('href');
    const u = new URL(href ?? '');
    expect(`${u.origin}${u.pathname}${u.hash}`).toBe('http://127.0.0.1:9/survey#top');
    expect(query(href)).toEqual({ src: 'widget', chatId: id, deploymentId: IDS.deployment, buttonId: BUTTONS.surveyBot, disconnectedBy: 'client', windowLanguage: 'en' });
    expect(href).not.toContain(key);
    expect(href).not.toContain(encodeURIComponent(key));
    expect(await link.getAttribute('target')).toBe('_blank');
    expect((await link.getAttribute('rel'))?.split(' ').sort()).toEqual(['noopener', 'noreferrer']);
    // The link takes the focus from the End button that went away; the transcript stays one Tab away.
    expect(await focusedInWidget(page)).toMatch(/^a\.post Tell us how we did/);
    expect(serious(await axeWidget(page))).toEqual([]);

    // Enter opens the page in a new tab, which cannot reach back into the chat's page nor learn its address.
    const [survey] = await Promise.all([page.context().waitForEvent('page'), page.keyboard.press('Enter')]);
    await survey.waitForLoadState();
    expect(survey.url()).toBe(href);
    expect(await survey.evaluate('window.opener === null && document.referrer === ""')).toBe(true);
    expect(await survey.locator('h1').textContent()).toBe('How did we do?');
    // The chat's own page is unchanged: the panel with its log is still there.
    expect(await w.host.locator('.msg.agent').count()).toBeGreaterThan(0);
    expect(warnings.filter((m) => m.includes('postChatUrl'))).toEqual([]);
  });

  it('after the agent ends the chat, in German: the German link, disconnectedBy=agent, the agent’s own chatId', async () => {
    const agent = await onlineAgent();
    const { page, session } = await openSite(BUTTONS.human, { lang: 'de' });
    const w = widget(page);
    await waitForText(w.status, /Wir sind online/, 10_000, 'attached');
    await w.launcher.click();
    const chat = await eventually(async () => (await agent.chats()).find((c) => c.state !== 'ended'), 10_000, 'the offer');
    await agent.accept(chat.chatId);
    await waitForText(w.status, /Alex Agent/);
    expect(chat.chatId).toBe((await session).id);
    await agent.end(chat.chatId);
    await waitForText(w.status, /Der Chat wurde beendet/);

    const link = w.host.getByRole('link', { name: 'Sagen Sie uns, wie zufrieden Sie waren (öffnet in einem neuen Tab)' });
    await link.waitFor({ state: 'visible' });
    const href = await link.getAttribute('href');
    expect(href?.startsWith(`${AFTER_HUMAN}?`)).toBe(true);
    expect(query(href)).toEqual({ chatId: chat.chatId, deploymentId: IDS.deployment, buttonId: BUTTONS.human, disconnectedBy: 'agent', windowLanguage: 'de' });
    expect(serious(await axeWidget(page))).toEqual([]);
  });

  it('a request nobody can take (ChatRequestFail): "Leave us a message" on the failed panel, disconnectedBy=agentsUnavailable', async () => {
    const agent = await onlineAgent();
    const { page, session } = await openSite(BUTTONS.human);
    const w = widget(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    // The agent leaves after the widget saw the button online: its next check is 30 s away, so the request is sent and refused.
    await agent.presence('offline');
    await w.launcher.click();
    await waitForText(w.status, /nobody is available right now/);
    const link = w.host.getByRole('link', { name: 'Leave us a message (opens in a new tab)' });
    await link.waitFor({ state: 'visible' });
    const href = await link.getAttribute('href');
    expect(query(href)).toEqual({ chatId: (await session).id, deploymentId: IDS.deployment, buttonId: BUTTONS.human, disconnectedBy: 'agentsUnavailable', windowLanguage: 'en' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(serious(await axeWidget(page))).toEqual([]);
  });

  it('a chat continued after a reload keeps its post-chat page (ChatRequestSuccess is not sent again)', async () => {
    const { page, session } = await openSite(BUTTONS.surveyBot);
    const w = widget(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    await waitForText(w.host.locator('.msg.agent'), new RegExp(BOT_GREETING.slice(0, 20)));
    const { id } = await session;
    await page.reload();
    await waitForText(w.host.locator('.msg.agent'), new RegExp(BOT_GREETING.slice(0, 20)));
    await w.endButton.click();
    await w.endYes.click();
    await waitForText(w.status, /You ended the chat/);
    const link = w.host.getByRole('link', { name: 'Tell us how we did (opens in a new tab)' });
    await link.waitFor({ state: 'visible' });
    expect(query(await link.getAttribute('href'))).toMatchObject({ chatId: id, disconnectedBy: 'client' });
  });

  it('a javascript: postChatUrl is no link (nothing runs, a warning says why); the ended panel is as without one', async () => {
    const { page, warnings, dialogs } = await openSite(BUTTONS.scriptBot);
    const w = widget(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    await waitForText(w.host.locator('.msg.agent'), new RegExp(BOT_GREETING.slice(0, 20)));
    await w.endButton.click();
    await w.endYes.click();
    await waitForText(w.status, /You ended the chat/);
    await w.host.getByRole('button', { name: 'Download transcript' }).last().waitFor({ state: 'visible' });
    expect(await w.host.getByRole('link').count()).toBe(0);
    expect(await w.postChat.isVisible()).toBe(false);
    expect(await w.postChat.getAttribute('href')).toBeNull();
    expect(await page.evaluate(`document.querySelector('switchboard-chat').shadowRoot.innerHTML.includes('javascript:')`)).toBe(false);
    expect(await focusedInWidget(page)).toMatch(/^button\.q Download transcript/);
    expect(warnings.some((m) => m.includes('postChatUrl is not an http(s) URL'))).toBe(true);
    expect(dialogs).toEqual([]);
  });

  it('a button without postChatUrl: no link after the chat, the transcript button takes the focus as before', async () => {
    const { page } = await openSite(IDS.botButton);
    const w = widget(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    await waitForText(w.host.locator('.msg.agent'), new RegExp(BOT_GREETING.slice(0, 20)));
    await w.endButton.click();
    await w.endYes.click();
    await waitForText(w.status, /You ended the chat/);
    expect(await w.host.getByRole('link').count()).toBe(0);
    expect(await focusedInWidget(page)).toMatch(/^button\.q Download transcript/);
  });
});
