/**
 * "Leave a message" in the widget (ADR 0063), in Debian's Chromium against the real server:
 * on a button nobody can take that takes offline messages, the panel shows a labelled form
 * instead of the "nobody is available" note; empty required fields and a malformed address
 * are refused with an error tied to the field and heard (role=alert); a valid message is
 * stored (a supervisor reads it through the agent API) and the thanks take the focus. In
 * German the form is German. A button that takes none still shows the note. No serious axe
 * violation in either.
 *
 * Needs `npm run build` (the server in dist/ and widget/dist/widget.js).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserConfig, IDS } from './browser-server.js';
import { axeWidget, focusedInWidget, openSitePage, serious, useWidgetSuite, waitForText, widgetOf } from './widget-page.js';

function config(): object {
  const c = browserConfig() as { orgs: { deployments: { buttons: { id: string; offlineMessages?: boolean }[] }[]; agents: object[] }[] };
  const org = c.orgs[0]!;
  org.deployments[0]!.buttons.find((b) => b.id === IDS.emptyButton)!.offlineMessages = true;
  org.agents.push({ id: '005000000000061', name: 'Sam Supervisor', username: 'sam', password: 'plain:sam-secret', role: 'supervisor', skills: [], capacity: 3 });
  return c;
}

const suite = useWidgetSuite(config, { needsWidgetBuild: true });

async function openPage(button: string, data: Record<string, string> = {}): Promise<Page> {
  const page = await (await suite.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  await openSitePage(page, suite.server.baseUrl, { data: { org: IDS.org, deployment: IDS.deployment, button, title: 'Support', ...data } });
  return page;
}

/** The messages a supervisor of the org reads, newest first. */
async function storedMessages(): Promise<{ name: string; email: string; subject: string; message: string; language: string | null }[]> {
  const base = suite.server.baseUrl;
  const login = await fetch(`${base}/agent/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sam', password: 'sam-secret' }) });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const res = await fetch(`${base}/agent/v1/offline-messages`, { headers: { authorization: `Bearer ${accessToken}` } });
  return ((await res.json()) as { messages: { name: string; email: string; subject: string; message: string; language: string | null }[] }).messages;
}

describe('chat widget: leave a message while no one can chat', () => {
  it('shows an accessible form, refuses what is missing or malformed with a heard error, stores a valid message and thanks the visitor', async () => {
    const page = await openPage(IDS.emptyButton);
    const w = widgetOf(page);
    await w.launcher.click();
    const form = w.host.locator('form.pre').filter({ hasText: 'Leave us a message' });
    await form.waitFor({ state: 'visible' });
    expect(await w.offlineNote.isVisible()).toBe(false);
    const name = w.host.getByLabel('Your name (required)');
    const email = w.host.getByLabel('Email (required)');
    const message = w.host.getByLabel('Message (required)');
    expect(await w.host.getByLabel('Subject', { exact: true }).isVisible()).toBe(true);
    expect(await message.getAttribute('maxlength')).toBe('4000');
    expect(serious(await axeWidget(page))).toEqual([]);

    await w.host.getByRole('button', { name: 'Send message' }).click();
    const alert = form.getByRole('alert');
    await waitForText(alert, /Please fill in the required fields/);
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'));
    expect(await focusedInWidget(page)).toBe('input');

    await name.fill('Kim Visitor');
    await email.fill('kim-at-example');
    await message.fill('Please call me about order 42.\nThanks!');
    await w.host.getByRole('button', { name: 'Send message' }).click();
    await waitForText(alert, /valid email address/);
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await storedMessages()).toEqual([]);

    await email.fill('kim@example.com');
    await w.host.getByLabel('Subject', { exact: true }).fill('Order 42');
    await w.host.getByRole('button', { name: 'Send message' }).click();
    const thanks = w.host.getByText('Thank you. Your message was sent');
    await thanks.waitFor({ state: 'visible' });
    expect(await focusedInWidget(page)).toMatch(/^p Thank you/);
    expect(await storedMessages()).toMatchObject([{ name: 'Kim Visitor', email: 'kim@example.com', subject: 'Order 42', message: 'Please call me about order 42.\nThanks!', language: 'en' }]);
    expect(serious(await axeWidget(page))).toEqual([]);
  });

  it('speaks the widget\'s language (German)', async () => {
    const page = await openPage(IDS.emptyButton, { lang: 'de' });
    const w = widgetOf(page);
    await w.launcher.click();
    await w.host.getByText('Hinterlassen Sie uns eine Nachricht').waitFor({ state: 'visible' });
    expect(await w.host.getByLabel('Ihr Name (Pflichtfeld)').isVisible()).toBe(true);
    expect(await w.host.getByRole('button', { name: 'Nachricht senden' }).isVisible()).toBe(true);
  });

  it('a button that takes no messages still shows the "nobody is available" note and no form', async () => {
    const page = await openPage(IDS.humanButton);
    const w = widgetOf(page);
    await w.launcher.click();
    await w.offlineNote.waitFor({ state: 'visible' });
    expect(await w.host.getByRole('button', { name: 'Send message' }).count()).toBe(0);
    expect(await w.host.getByText('Leave us a message').isVisible()).toBe(false);
  });
});
