/**
 * Quick texts in the console, in real Chromium (ADR 0047). An agent types `/` into
 * the empty message box, filters the list by typing, moves with the arrow keys and
 * inserts one with Enter: the text (its placeholders filled in) is in the box, not
 * sent, with the keyboard back in the box; the agent edits it and sends it, and the
 * visitor receives the edited text. The button opens the same list; Escape closes it
 * without inserting; `//` types a `/` (a message may start with one); a filter that matches nothing
 * says so once, not on every keystroke. axe finds no serious violation with the list open. An
 * admin renames the agent: the next quick text has the new name, without a reload. A reload
 * loads them again for the chats it shows again. An agent with none of the quick texts' skills
 * still has the control (ADR 0059): an empty list, and "My quick texts…", where it adds, edits and
 * deletes its own, which the list shows at once. An admin adds, edits and deletes the org's in the
 * Team view, where the config file's are listed read-only.
 */
import { describe, expect, it } from 'vitest';
import { TestServer } from '../protocol/harness.js';
import { chat, describeViolations, expectFocused, screenshot, seriousViolations, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, CONSOLE_INDEX, consoleConfig } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';
import { recordSpoken, timesSpoken } from './live-regions.js';

const QUICK_TEXTS = [
  { id: 'greeting', title: 'Greeting', text: 'Hello {{visitor.name}}, this is {{agent.name}}. How can I help?', skills: ['vip'] },
  { id: 'order', title: 'Ask for the order number', text: 'Could you give me your order number?', skills: ['vip'] },
  { id: 'closing', title: 'Closing', text: 'Thank you for contacting us!', skills: ['vip'] },
];

const ADMIN = { id: '005000000000019', name: 'Ada Admin', username: 'ada', password: 'ada-password' };

/** The console test config with quick texts for the skill `vip`: Alex has it, Blair has not; Ada, an admin, renames people. */
function config(): object {
  const c = consoleConfig() as { orgs: { agents: object[]; quickTexts?: unknown[] }[] };
  const org = c.orgs[0]!;
  org.quickTexts = QUICK_TEXTS;
  org.agents.push({ ...ADMIN, password: `plain:${ADMIN.password}`, role: 'admin', skills: [], capacity: 0 });
  for (const a of org.agents as { username?: string; skills: string[] }[]) if (a.username === AGENT1.username) a.skills = ['support', 'vip'];
  return c;
}

const server = new TestServer({ pollHoldSeconds: 1 }, { config, requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']] });
let alex: ConsolePage;
let blair: ConsolePage;
let ada: ConsolePage;
const suite = consoleSuite(server, { alex: AGENT1, blair: AGENT2, ada: ADMIN }, (c) => { ({ alex, blair, ada } = c); }, { online: 'alex' });

/** A visitor whose chat `agent` (the only one online) accepts; the chat's panel. */
async function acceptedChat(agent: ConsolePage, name: string) {
  const v = new PollingVisitor(server, name);
  suite.visitors.push(v);
  await v.request();
  await agent.page.getByRole('article', { name: `Chat offer from ${name}` }).getByRole('button', { name: 'Accept' }).click();
  await v.waitForType('ChatEstablished');
  return { v, panel: chat(agent.page, name) };
}

describe('console: quick texts', () => {
  it('an agent inserts a quick text with the keyboard, edits it and sends it; the visitor receives it', async () => {
    const { v, panel } = await acceptedChat(alex, 'Vera Quick');
    const box = panel.getByRole('textbox', { name: 'Message to Vera Quick' });
    const button = panel.getByRole('button', { name: 'Quick text', exact: true });
    await button.waitFor();
    expect(await button.getAttribute('aria-expanded')).toBe('false');

    // `/` into the empty box opens the list, with the keyboard in its filter.
    await box.focus();
    await alex.page.keyboard.press('/');
    const filter = panel.getByRole('combobox', { name: 'Quick text' });
    const list = panel.getByRole('listbox', { name: 'Quick texts' });
    await list.waitFor();
    await expectFocused(filter, '/ puts the keyboard in the filter box');
    expect(await box.inputValue(), 'the / opens the list, it is not typed').toBe('');
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    expect(await list.getByRole('option').allInnerTexts()).toEqual([expect.stringContaining('Greeting'), expect.stringContaining('Ask for the order number'), expect.stringContaining('Closing')]);

    // Nothing serious for axe with the list open.
    const violations = await seriousViolations(alex.page);
    expect(violations, `axe with the quick text list open:\n${describeViolations(violations)}`).toEqual([]);
    await screenshot(alex.page, 'quick-text');

    // Typing filters; the arrow keys move the active option (and wrap); Enter inserts it.
    // Every one has an "a"; the title that starts with it comes first.
    await alex.page.keyboard.type('a');
    expect(await list.getByRole('option').allInnerTexts()).toEqual([expect.stringContaining('Ask for the order number'), expect.stringContaining('Greeting'), expect.stringContaining('Closing')]);
    await alex.page.keyboard.type('sk for');
    expect(await list.getByRole('option').count()).toBe(1);
    for (let i = 0; i < 'ask for'.length; i++) await alex.page.keyboard.press('Backspace');
    expect(await list.getByRole('option').count()).toBe(3);
    await alex.page.keyboard.press('ArrowDown');
    expect(await list.getByRole('option', { selected: true }).innerText()).toContain('Ask for the order number');
    expect(await filter.getAttribute('aria-activedescendant')).toBe(await list.getByRole('option', { selected: true }).getAttribute('id'));
    await alex.page.keyboard.press('ArrowUp');
    await alex.page.keyboard.press('ArrowUp');
    expect(await list.getByRole('option', { selected: true }).innerText(), 'Up from the first wraps to the last').toContain('Closing');
    await alex.page.keyboard.press('ArrowDown');
    await alex.page.keyboard.press('ArrowDown');
    await alex.page.keyboard.press('Enter');

    // Inserted, not sent; the list is closed and the keyboard back in the message box.
    await list.waitFor({ state: 'hidden' });
    expect(await box.inputValue()).toBe('Could you give me your order number?');
    await expectFocused(box, 'a chosen quick text leaves the keyboard in the message box');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(v.received.some((m) => m.type === 'ChatMessage'), 'nothing is sent before the agent sends it').toBe(false);

    // The agent edits it (the caret is after the text) and sends it.
    await alex.page.keyboard.type(' It starts with SB-.');
    await alex.page.keyboard.press('Enter');
    await v.waitFor('the edited quick text', (m) => m.type === 'ChatMessage' && m.message['text'] === 'Could you give me your order number? It starts with SB-.');
    expect(await box.inputValue()).toBe('');
  });

  it('the button opens the same list; Escape closes it without inserting; placeholders are filled in', async () => {
    const panel = chat(alex.page, 'Vera Quick');
    const box = panel.getByRole('textbox', { name: 'Message to Vera Quick' });
    const list = panel.getByRole('listbox', { name: 'Quick texts' });
    await box.fill('Draft');
    await panel.getByRole('button', { name: 'Quick text', exact: true }).click();
    await list.waitFor();
    await alex.page.keyboard.press('Escape');
    await list.waitFor({ state: 'hidden' });
    expect(await box.inputValue()).toBe('Draft');
    await expectFocused(box, 'Escape gives the keyboard back to the message box');
    // `/` in a box that is not empty is just a character.
    await alex.page.keyboard.press('/');
    expect(await box.inputValue()).toBe('Draft/');
    expect(await list.isVisible()).toBe(false);

    // A message that starts with `/`: a second `/` closes the list and types it.
    await box.fill('');
    await box.focus();
    await alex.page.keyboard.press('/');
    await list.waitFor();
    await alex.page.keyboard.press('/');
    await list.waitFor({ state: 'hidden' });
    await expectFocused(box, '// gives the keyboard back to the message box');
    await alex.page.keyboard.type('account/settings');
    expect(await box.inputValue()).toBe('/account/settings');

    // No match is said once, not again on every keystroke that still matches nothing.
    await recordSpoken(alex.page);
    await panel.getByRole('button', { name: 'Quick text', exact: true }).click();
    await alex.page.keyboard.type('zzz', { delay: 50 });
    await panel.getByText('No quick text matches').waitFor();
    await alex.page.keyboard.press('Escape');
    expect(await timesSpoken(alex.page, 'No quick text matches')).toBe(1);

    await box.fill('');
    await panel.getByRole('button', { name: 'Quick text', exact: true }).click();
    await alex.page.keyboard.type('greet');
    await alex.page.keyboard.press('Enter');
    await list.waitFor({ state: 'hidden' });
    expect(await box.inputValue()).toBe('Hello Vera Quick, this is Alex Agent. How can I help?');
    // A click on an option inserts it too, at the caret.
    await panel.getByRole('button', { name: 'Quick text', exact: true }).click();
    await list.getByRole('option', { name: /Closing/ }).click();
    expect(await box.inputValue()).toBe('Hello Vera Quick, this is Alex Agent. How can I help?Thank you for contacting us!');
  });

  it("an admin renames the agent: the next quick text has the new name, without a reload", async () => {
    const login = await fetch(`${server.baseUrl}/agent/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }) });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const rename = await fetch(`${server.baseUrl}/agent/v1/admin/users/${AGENT1.id}`, {
      method: 'PATCH', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` }, body: JSON.stringify({ name: 'Alexandra Agent' }),
    });
    expect(rename.status, await rename.text()).toBe(200);
    // The top bar says who is logged in: it follows the rename too.
    await alex.page.locator('.whoami', { hasText: 'Alexandra Agent (agent)' }).waitFor();

    const panel = chat(alex.page, 'Vera Quick');
    const box = panel.getByRole('textbox', { name: 'Message to Vera Quick' });
    await box.fill('');
    await panel.getByRole('button', { name: 'Quick text', exact: true }).click();
    await alex.page.keyboard.type('greet');
    await alex.page.keyboard.press('Enter');
    expect(await box.inputValue()).toBe('Hello Vera Quick, this is Alexandra Agent. How can I help?');
  });

  it('a reload loads them again, also for the chats it shows again', async () => {
    await alex.page.reload();
    const panel = chat(alex.page, 'Vera Quick');
    await panel.getByRole('button', { name: 'Quick text', exact: true }).waitFor();
    const box = panel.getByRole('textbox', { name: 'Message to Vera Quick' });
    await box.fill('');
    await box.focus();
    await alex.page.keyboard.press('/');
    await alex.page.keyboard.type('closing');
    await alex.page.keyboard.press('Enter');
    expect(await box.inputValue()).toBe('Thank you for contacting us!');
  });

  it('an agent with none of the quick texts\' skills gets an empty list, and adds, edits and deletes its own (ADR 0059)', async () => {
    await setPresence(alex.page, 'Away');
    await setPresence(blair.page, 'Online');
    const { panel } = await acceptedChat(blair, 'Walt Without');
    const box = panel.getByRole('textbox', { name: 'Message to Walt Without' });
    await box.waitFor();
    await box.focus();
    await blair.page.keyboard.press('/');
    expect(await box.inputValue(), 'with no quick texts, / is just a character').toBe('/');
    await box.fill('');

    const button = panel.getByRole('button', { name: 'Quick text', exact: true });
    await button.click();
    await panel.getByText('No quick texts yet').waitFor();
    await panel.getByRole('button', { name: 'My quick texts…' }).click();
    const dialog = blair.page.getByRole('dialog', { name: 'My quick texts' });
    await dialog.waitFor();
    await expectFocused(dialog.getByRole('textbox', { name: 'Title' }), 'the keyboard starts in Title');
    await blair.page.keyboard.type('Thanks');
    await dialog.getByRole('textbox', { name: 'Text' }).fill('Thanks {{visitor.name}}, all the best from {{agent.name}}.');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Added Thanks' }).waitFor();
    await dialog.getByRole('button', { name: 'Edit Thanks' }).waitFor();
    const violations = await seriousViolations(blair.page);
    expect(violations, `axe with My quick texts open:\n${describeViolations(violations)}`).toEqual([]);
    await screenshot(blair.page, 'my-quick-texts');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectFocused(box, 'closing gives the keyboard back to the message box');

    // The list has it at once (marked as the agent's own); it inserts like any other, placeholders filled in.
    const list = panel.getByRole('listbox', { name: 'Quick texts' });
    await button.click();
    await list.getByRole('option', { name: /Thanks/ }).waitFor();
    expect(await list.getByRole('option').allInnerTexts()).toEqual([expect.stringMatching(/^Thanks · mine/)]);
    await blair.page.keyboard.press('Enter');
    expect(await box.inputValue()).toBe('Thanks Walt Without, all the best from Blair Agent.');

    // Edited, then deleted: the list follows.
    await box.fill('');
    await button.click();
    await panel.getByRole('button', { name: 'My quick texts…' }).click();
    await dialog.getByRole('button', { name: 'Edit Thanks' }).click();
    await dialog.getByRole('textbox', { name: 'Title' }).fill('Thank you');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('button', { name: 'Delete Thank you' }).waitFor();
    expect(await dialog.getByRole('listitem').allInnerTexts()).toEqual([expect.stringContaining('Thank you')]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await button.click();
    await list.getByRole('option', { name: /Thank you/ }).waitFor();
    await blair.page.keyboard.press('Escape');
    await button.click();
    await panel.getByRole('button', { name: 'My quick texts…' }).click();
    await dialog.getByRole('button', { name: 'Delete Thank you' }).click();
    await dialog.getByText('None yet.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await button.click();
    await panel.getByText('No quick texts yet').waitFor();
    expect(await list.getByRole('option').count()).toBe(0);
  });

  it('an admin adds, edits and deletes the org\'s quick texts in the Team view; the config file\'s are read-only', async () => {
    await ada.page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Team' }).click();
    const section = ada.page.getByRole('region', { name: 'Quick texts' });
    await section.getByRole('cell', { name: 'Ask for the order number', exact: true }).waitFor();
    expect(await section.getByRole('cell', { name: 'Config file' }).count()).toBe(QUICK_TEXTS.length);
    expect(await section.getByRole('button', { name: /Edit quick text|Delete quick text/ }).count(), 'config ones cannot be changed here').toBe(0);

    const form = section.getByRole('form', { name: 'Add a quick text' });
    await form.getByRole('textbox', { name: 'Title' }).fill('Opening hours');
    await form.getByRole('textbox', { name: 'Text' }).fill('We are here from 9 to 5.');
    await form.getByRole('textbox', { name: 'Skills' }).fill('vip');
    await form.getByRole('button', { name: 'Add quick text' }).click();
    await section.getByRole('button', { name: 'Edit quick text Opening hours' }).click();
    const edit = section.getByRole('form', { name: 'Edit “Opening hours”' });
    expect(await edit.getByRole('textbox', { name: 'Skills' }).inputValue()).toBe('vip');
    await edit.getByRole('textbox', { name: 'Text' }).fill('We are here from 8 to 6.');
    await edit.getByRole('button', { name: 'Save quick text' }).click();
    await section.getByRole('cell', { name: 'We are here from 8 to 6.' }).waitFor();

    // Alex (skill vip) gets it after a reload, after the config file's; Blair (no vip) does not.
    const token = await (await fetch(`${server.baseUrl}/agent/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: AGENT1.username, password: AGENT1.password }) })).json() as { accessToken: string };
    const usable = await (await fetch(`${server.baseUrl}/agent/v1/quick-texts`, { headers: { Authorization: `Bearer ${token.accessToken}` } })).json() as { title: string; source: string }[];
    expect(usable.map((q) => [q.title, q.source])).toEqual([...QUICK_TEXTS.map((q) => [q.title, 'config']), ['Opening hours', 'org']]);
    const violations = await seriousViolations(ada.page);
    expect(violations, `axe in the Team view:\n${describeViolations(violations)}`).toEqual([]);

    await section.getByRole('button', { name: 'Delete quick text Opening hours' }).click();
    await section.getByRole('cell', { name: 'We are here from 8 to 6.' }).waitFor({ state: 'detached' });
    expect(await section.getByRole('row').count()).toBe(QUICK_TEXTS.length + 1);
  });
});
