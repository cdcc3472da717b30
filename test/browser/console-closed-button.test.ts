/**
 * The console's transfer dialog and business hours (ADR 0062), in a real browser: a button
 * outside its business hours is listed disabled, marked "(closed)", and a transfer to it is
 * not sent; an open button is listed as before and takes the transfer.
 */
import { describe, expect, it } from 'vitest';
import { TestServer } from '../protocol/harness.js';
import { chat, type ConsolePage } from './console-browser.js';
import { AGENT1, AGENT2, CONSOLE_INDEX, SUPPORT_BUTTON, consoleConfig } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { acceptedChat, PollingVisitor } from './console-visitor.js';

/** A button of the `support` skill whose schedule has no opening at all: closed whenever the test runs. */
const CLOSED_BUTTON = '573000000000004';

function config(): object {
  const c = consoleConfig() as { orgs: { businessHours?: object[]; deployments: { buttons: object[] }[] }[] };
  const org = c.orgs[0]!;
  org.businessHours = [{ name: 'never', timeZone: 'UTC', weekly: {} }];
  org.deployments[0]!.buttons.push({ id: CLOSED_BUTTON, type: 'Standard', label: 'Night line', skills: ['support'], businessHours: 'never' });
  return c;
}

const server = new TestServer({ pollHoldSeconds: 1 }, { config, requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']] });
let alex: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1, blair: AGENT2 }, (c) => ({ alex } = c), { online: 'alex' });

describe('console: transfer to a button outside its business hours', () => {
  it('lists the closed button disabled as "(closed)" and does not send a transfer to it', async () => {
    const v = new PollingVisitor(server, 'Nina Night');
    visitors.push(v);
    await acceptedChat(alex.page, v);
    await chat(alex.page, v.name).getByRole('button', { name: 'Transfer…' }).click();
    const dialog = alex.page.getByRole('dialog', { name: `Transfer chat with ${v.name}` });
    await dialog.waitFor();
    const closed = dialog.locator(`datalist option[value="${CLOSED_BUTTON}"]`);
    await closed.waitFor({ state: 'attached' });
    expect(await closed.getAttribute('label')).toBe('Night line (closed)');
    expect(await closed.getAttribute('disabled')).not.toBeNull();
    const open = dialog.locator(`datalist option[value="${SUPPORT_BUTTON}"]`);
    expect(await open.getAttribute('label')).not.toContain('(closed)');
    expect(await open.getAttribute('disabled')).toBeNull();

    await dialog.getByRole('radio', { name: 'Button' }).check();
    await dialog.getByRole('combobox', { name: 'Button id' }).fill('Night line');
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await dialog.getByText('Night line is closed: it is outside its business hours.').waitFor();
    // Still Alex's chat: nothing was sent.
    expect(await chat(alex.page, v.name).getByRole('textbox').count()).toBe(1);
    expect(alex.errors).toEqual([]);
  });
});
