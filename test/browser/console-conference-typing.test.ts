/**
 * Typing in a conference, in the console (ADR 0051, note "typing per agent"): each agent's
 * panel says which other agent is typing, "<name> is typing…", and "Several agents are
 * typing…" for two or more, in a polite live region; a message ends its author's line, a
 * leave removes the agent. Three agents: Alex holds the chat, Blair and Casey join it.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TestServer } from '../protocol/harness.js';
import { chat, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, CONSOLE_INDEX, consoleConfig } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const AGENT3 = { id: '005000000000014', name: 'Casey Agent', username: 'casey', password: 'casey-password' };
const VISITOR = 'Nora Conference';

const server = new TestServer({ pollHoldSeconds: 1 }, {
  config: () => {
    const config = consoleConfig() as { orgs: { agents: object[] }[] };
    config.orgs[0]!.agents.push({ ...AGENT3, password: `plain:${AGENT3.password}`, role: 'agent', skills: ['support'], capacity: 3 });
    return config;
  },
  requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']],
});
let alex: ConsolePage;
let blair: ConsolePage;
let casey: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, blair: AGENT2, casey: AGENT3 }, (c) => ({ alex, blair, casey } = c), { online: 'alex' });

/** The line that says which other agents are typing in the panel. */
function typingLine(page: Page): Locator {
  return chat(page, VISITOR).locator('.agents-typing');
}

function composer(page: Page): Locator {
  return chat(page, VISITOR).getByRole('textbox', { name: `Message to ${VISITOR}` });
}

const POLL = { timeout: 5_000 };

/** Types into the panel's message box, a key every 80 ms (keeps "typing" on while it runs). */
function keys(page: Page, text: string): Promise<void> {
  return composer(page).pressSequentially(text, { delay: 80 });
}

async function typingText(page: Page): Promise<string> {
  return ((await typingLine(page).textContent()) ?? '').trim();
}

/** Alex invites `who` (online by now) into the chat; `who` accepts. */
async function invite(who: ConsolePage, user: { id: string }): Promise<void> {
  await chat(alex.page, VISITOR).getByRole('button', { name: 'Invite to conference…' }).click();
  const dialog = alex.page.getByRole('dialog', { name: `Invite an agent into the chat with ${VISITOR}` });
  await dialog.getByRole('combobox', { name: 'Agent' }).selectOption(user.id);
  await dialog.getByRole('button', { name: 'Invite' }).click();
  await dialog.waitFor({ state: 'detached' });
  await who.page.getByRole('article', { name: `Conference invitation from ${AGENT1.name}` }).getByRole('button', { name: 'Accept' }).click();
  await chat(who.page, VISITOR).locator('.badge').getByText('Conference (participant)').waitFor();
}

describe('console: typing in a conference', () => {
  it('says which other agent types, "Several agents are typing…" for two, and clears with a message and a leave', async () => {
    const v = new PollingVisitor(server, VISITOR);
    visitors.push(v);
    await v.request();
    await alex.page.getByRole('article', { name: `Chat offer from ${VISITOR}` }).getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    // Online only now: the offer went to Alex.
    await setPresence(blair.page, 'Online');
    await setPresence(casey.page, 'Online');
    await invite(blair, AGENT2);
    await invite(casey, AGENT3);

    // A polite live region, there (empty) before anyone types, so its first words are read.
    expect(await typingLine(alex.page).getAttribute('aria-live')).toBe('polite');
    expect(await typingText(alex.page)).toBe('');

    // Blair types: the holder and the other participant see it, Blair does not see itself. (Each
    // check runs while the keys are still pressed: typing turns off 1.5 s after the last one.)
    const blairTypes = keys(blair.page, 'Blair here, with a longer answer');
    await expect.poll(() => typingText(alex.page), POLL).toBe('Blair Agent is typing…');
    await expect.poll(() => typingText(casey.page), POLL).toBe('Blair Agent is typing…');
    expect(await typingText(blair.page)).toBe('');
    await blairTypes;

    // Casey types too, while Blair goes on: two agents, one neutral line.
    const both = [keys(blair.page, ' and some more of it'), keys(casey.page, 'Casey from billing here')];
    await expect.poll(() => typingText(alex.page), POLL).toBe('Several agents are typing…');
    await expect.poll(() => typingText(blair.page), POLL).toBe('Casey Agent is typing…');
    await Promise.all(both);

    // Blair sends while Casey goes on typing: Blair's line goes, Casey's stays.
    const caseyTypes = keys(casey.page, ', and a little more');
    await composer(blair.page).press('Enter');
    await chat(alex.page, VISITOR).getByRole('log').getByText('Blair here, with a longer answer and some more of it').waitFor();
    await expect.poll(() => typingText(alex.page), POLL).toBe('Casey Agent is typing…');
    await caseyTypes;

    // Casey leaves the conference straight after typing: the line goes.
    await keys(casey.page, ' still');
    await chat(casey.page, VISITOR).getByRole('button', { name: 'Leave conference' }).click();
    await expect.poll(() => typingText(alex.page), POLL).toBe('');

    // The holder's typing shows in the participant's panel.
    const alexTypes = keys(alex.page, 'One moment please, checking');
    await expect.poll(() => typingText(blair.page), POLL).toBe('Alex Agent is typing…');
    await alexTypes;
    expect(alex.errors).toEqual([]);
    expect(blair.errors).toEqual([]);
    expect(casey.errors).toEqual([]);
  });
});
