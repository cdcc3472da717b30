/**
 * The admin's Team view in a real browser: an admin adds an agent (the form's
 * own checks first, then the server's: a taken username), who logs in and is
 * offered a chat; edits skills and capacity (GET /admin/users has them), sending only what
 * changed (new skills keep the capacity an agent set for themselves);
 * a new password or disabling signs the agent out (401); each person says whether the config
 * file defines them, and only a config user's editor says the file wins once its entry changes;
 * the org's only admin cannot demote
 * itself (LAST_ADMIN, said in words); Escape cancels a confirmation, then closes the editor; an API key made in the view works as a
 * bearer key until revoked there (Escape cancels the revocation's confirmation); a supervisor has no Team; axe finds nothing
 * serious in the view.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Visitor } from '../protocol/visitor.js';
import { TestAgent, eventually } from './agent-api.js';
import { describeViolations, screenshot, seriousViolations, type ConsolePage } from './console-browser.js';
import { ADMIN, AdminConsoleTestServer } from './console-admin-server.js';
import { DEPLOYMENT_ID, ORG_ID, SUPERVISOR, SUPPORT_BUTTON } from './console-server.js';
import { consoleSuite } from './console-suite.js';

const server = new AdminConsoleTestServer();
let ada: ConsolePage;
let sam: ConsolePage;
consoleSuite(server, { ada: ADMIN, sam: SUPERVISOR }, (c) => { ({ ada, sam } = c); });

const KIM = { name: 'Kim Lee', username: 'kim', password: 'kim-password' };

/** A call with a bearer token: its status and JSON. */
async function api(token: string, method: string, path: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server.baseUrl}/agent/v1${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  // Errors are plain text (docs/errors.md), answers JSON.
  return { status: res.status, json: res.ok && text ? JSON.parse(text) as unknown : text };
}

async function usersOnServer(): Promise<{ id: string; username?: string; skills: string[]; capacity: number; role: string; disabled: boolean; source: string }[]> {
  const r = await api(await server.tokenOf(ADMIN), 'GET', '/admin/users');
  expect(r.status).toBe(200);
  return r.json as Awaited<ReturnType<typeof usersOnServer>>;
}

function addForm(page: Page) {
  return page.getByRole('form', { name: 'Add a person' });
}

async function openTeam(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Team' }).click();
  await page.getByRole('heading', { name: 'Team', level: 2 }).waitFor();
}

describe('console: the Team view (admins)', () => {
  it('is not offered to a supervisor', async () => {
    const nav = sam.page.getByRole('navigation', { name: 'Views' });
    await expect.poll(() => nav.getByRole('button').count()).toBeGreaterThan(0);
    expect(await nav.getByRole('button', { name: 'Supervisor' }).count()).toBe(1);
    expect(await nav.getByRole('button', { name: 'Team' }).count()).toBe(0);
    expect(await sam.page.getByRole('heading', { name: 'Team' }).count()).toBe(0);
  });

  it('adds an agent, who can log in and is offered a chat; a taken username is refused in words', async () => {
    const { page } = ada;
    // Ada's capacity is 0, "no limit" to the server: the top bar says so rather than "Load 0 / 0".
    expect(await page.locator('output.load').textContent()).toBe('Load 0 / no limit');
    await openTeam(page);
    await page.getByRole('table', { name: 'People of the organization' }).getByRole('rowheader', { name: /Ada Admin/ }).waitFor();

    // The form's own checks: nothing sent until the fields are right.
    const form = addForm(page);
    await form.getByLabel('Password', { exact: true }).fill('short');
    await form.getByRole('button', { name: 'Add person' }).click();
    await form.getByRole('alert').filter({ hasText: 'Fix the 3 fields marked above.' }).waitFor();
    await expect.poll(() => form.getByLabel('Name', { exact: true }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    expect(await form.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByText('A password has at least 8 characters').count()).toBe(1);

    // A username taken by someone else: the server's 409, in words, focus on the username.
    await form.getByLabel('Name', { exact: true }).fill('Other Sam');
    await form.getByLabel('Username', { exact: true }).fill(SUPERVISOR.username);
    await form.getByLabel('Password', { exact: true }).fill('long-enough');
    await form.getByRole('button', { name: 'Add person' }).click();
    await form.getByRole('alert').filter({ hasText: `Not saved: username ${SUPERVISOR.username} is taken.` }).waitFor();
    await expect.poll(() => form.getByLabel('Username', { exact: true }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);

    await form.getByLabel('Name', { exact: true }).fill(KIM.name);
    await form.getByLabel('Username', { exact: true }).fill(KIM.username);
    await form.getByLabel('Password', { exact: true }).fill(KIM.password);
    await form.getByLabel('Role', { exact: true }).selectOption('agent');
    await form.getByLabel('Skills', { exact: true }).fill('support, billing');
    await form.getByLabel('Capacity', { exact: true }).fill('2');
    await form.getByRole('button', { name: 'Add person' }).click();
    await page.getByRole('status').filter({ hasText: `Added ${KIM.name} (${KIM.username}) as agent: they can log in now` }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: KIM.name }) });
    expect(await row.getByRole('cell').allInnerTexts()).toEqual([KIM.username, 'agent', 'support, billing', '2', 'Enabled', 'Admin API', 'Edit']);
    // Ada is in the config file; the column's header names what the cell says.
    const table = page.getByRole('table', { name: 'People of the organization' });
    expect(await table.getByRole('columnheader').allInnerTexts()).toContain('Defined in');
    const adaRow = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /Ada Admin/ }) });
    expect(await adaRow.getByRole('cell').allInnerTexts()).toEqual([ADMIN.username, 'admin', '—', '0 (no limit)', 'Enabled', 'Config file', 'Edit']);
    expect((await usersOnServer()).map((u) => [u.username, u.source])).toEqual(expect.arrayContaining([[KIM.username, 'api'], [ADMIN.username, 'config']]));
    // The focus is on the new person's row, ready to edit.
    await expect.poll(() => row.getByRole('button', { name: `Edit ${KIM.name}` }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('');
    expect(await form.getByLabel('Capacity', { exact: true }).inputValue()).toBe('3');

    // Kim logs in, goes online and is offered a chat on the support button.
    const kim = new TestAgent(server.baseUrl);
    await kim.login(KIM.username, KIM.password);
    await kim.openStream();
    await kim.presence('online');
    const v = new Visitor(server);
    await v.createSession();
    const init = await v.init(v.initBody(SUPPORT_BUTTON, { organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID, visitorName: 'For Kim' }));
    expect(init.status, init.text).toBe(200);
    await eventually(async () => (await kim.chats()).find((c) => c.visitorName === 'For Kim'), 10_000, 'the offer to Kim');
    await kim.presence('offline');
    kim.closeStream();
  });

  it("edits skills and capacity (the server has them); a new password or disabling signs the person out", async () => {
    const { page } = ada;
    await openTeam(page);
    await page.getByRole('button', { name: `Edit ${KIM.name}` }).click();
    const editor = page.getByRole('region', { name: `Edit ${KIM.name} (${KIM.username})` });
    await expect.poll(() => editor.getByRole('heading', { name: `Edit ${KIM.name}` }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    // Kim was made through the admin API: her editor says nothing about the config file.
    expect(await editor.getByText(/config file/).count()).toBe(0);

    const settings = editor.getByRole('form', { name: `Role, skills and capacity of ${KIM.name}` });
    await settings.getByLabel('Capacity', { exact: true }).fill('1001');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    await settings.getByText('Capacity is a whole number from 0 to 1000 (0: no limit)').waitFor();
    await settings.getByLabel('Skills', { exact: true }).fill('billing, sales');
    await settings.getByLabel('Capacity', { exact: true }).fill('5');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: `Saved: ${KIM.name} is agent, skills billing, sales, capacity 5` }).waitFor();
    expect((await usersOnServer()).find((u) => u.username === KIM.username)).toMatchObject({ skills: ['billing', 'sales'], capacity: 5, disabled: false });
    // The button was disabled while saving: the focus is back on it, not lost to the page.
    await expect.poll(() => settings.getByRole('button', { name: 'Save changes' }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);

    // A new password signs Kim out; she logs in with the new one.
    const before = await server.tokenOf(KIM);
    const passwordForm = editor.getByRole('form', { name: `New password for ${KIM.name}` });
    await passwordForm.getByText(`signs ${KIM.name} out of every console and app at once`).waitFor();
    await passwordForm.getByLabel('New password', { exact: true }).fill('kim-password-2');
    await passwordForm.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('status').filter({ hasText: `New password set for ${KIM.name}` }).waitFor();
    expect((await api(before, 'GET', '/me')).status).toBe(401);
    KIM.password = 'kim-password-2';

    // Kim is logged in somewhere; disabling her (after a confirmation) signs her out.
    const token = await server.tokenOf(KIM);
    expect((await api(token, 'GET', '/me')).status).toBe(200);
    await editor.getByRole('button', { name: `Disable ${KIM.name}` }).click();
    const confirm = editor.getByRole('group', { name: `Confirm disabling ${KIM.name}` });
    await expect.poll(() => confirm.getByRole('button', { name: 'Cancel' }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    await confirm.getByRole('button', { name: `Yes, disable ${KIM.name}` }).click();
    await page.getByRole('status').filter({ hasText: `${KIM.name} is disabled and was signed out` }).waitFor();
    expect((await api(token, 'GET', '/me')).status).toBe(401);
    expect((await usersOnServer()).find((u) => u.username === KIM.username)?.disabled).toBe(true);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: KIM.name }) });
    await row.getByRole('cell', { name: 'Disabled' }).waitFor();

    await editor.getByRole('button', { name: `Enable ${KIM.name}` }).click();
    await page.getByRole('status').filter({ hasText: `${KIM.name} is enabled` }).waitFor();
    expect((await api(await server.tokenOf(KIM), 'GET', '/me')).status).toBe(200);
    await editor.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.getByRole('button', { name: `Edit ${KIM.name}` }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
  });

  it("says in words that the org's only admin cannot be demoted or disabled (LAST_ADMIN)", async () => {
    const { page } = ada;
    await openTeam(page);
    await page.getByRole('button', { name: `Edit ${ADMIN.name}` }).click();
    const editor = page.getByRole('region', { name: `Edit ${ADMIN.name} (${ADMIN.username})` });
    // Ada is in the config file: her editor says the file wins once her entry changes.
    await editor.getByText("This person is in the server's config file: these changes hold until their entry in the file changes").waitFor();
    const settings = editor.getByRole('form', { name: `Role, skills and capacity of ${ADMIN.name}` });
    await settings.getByLabel('Role', { exact: true }).selectOption('agent');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    await settings.getByRole('alert').filter({ hasText: "Not changed: you are the organization's only enabled admin. Make another person admin first." }).waitFor();
    expect(await settings.getByLabel('Role', { exact: true }).inputValue()).toBe('admin');

    await editor.getByRole('button', { name: `Disable ${ADMIN.name}` }).click();
    await editor.getByRole('button', { name: `Yes, disable ${ADMIN.name}` }).click();
    await editor.getByRole('region', { name: `Access of ${ADMIN.name}` }).getByRole('alert').filter({ hasText: /only enabled admin/ }).waitFor();
    expect((await usersOnServer()).find((u) => u.username === ADMIN.username)).toMatchObject({ role: 'admin', disabled: false });
    // The browser logs each refused request; nothing else went wrong on the page.
    expect(ada.errors.filter((e) => !e.includes('status of 409 (Conflict)'))).toEqual([]);
    await editor.getByRole('button', { name: 'Close' }).click();
  });

  it("sends only what the admin changed: new skills leave an agent's own capacity setting alone", async () => {
    const { page } = ada;
    // Kim is online and set her own capacity to 1 in her console (her stored capacity is 5).
    const kim = new TestAgent(server.baseUrl);
    await kim.login(KIM.username, KIM.password);
    await kim.openStream();
    expect((await kim.presence('online', 1)).capacity).toBe(1);

    await openTeam(page);
    await page.getByRole('button', { name: `Edit ${KIM.name}` }).click();
    const editor = page.getByRole('region', { name: `Edit ${KIM.name} (${KIM.username})` });
    const settings = editor.getByRole('form', { name: `Role, skills and capacity of ${KIM.name}` });
    expect(await settings.getByLabel('Capacity', { exact: true }).inputValue()).toBe('5');
    await settings.getByLabel('Skills', { exact: true }).fill('billing, sales, support');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: `Saved: ${KIM.name} is agent, skills billing, sales, support, capacity 5` }).waitFor();
    expect((await usersOnServer()).find((u) => u.username === KIM.username)).toMatchObject({ skills: ['billing', 'sales', 'support'], capacity: 5 });
    // The capacity field was not touched: the server was not told to reset Kim's own setting.
    expect((await kim.presence('online')).capacity, "Kim's own capacity, kept").toBe(1);

    // Changing the capacity in the view does set it.
    await settings.getByLabel('Capacity', { exact: true }).fill('4');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: `Saved: ${KIM.name} is agent, skills billing, sales, support, capacity 4` }).waitFor();
    expect((await kim.presence('online')).capacity).toBe(4);
    await kim.presence('offline');
    kim.closeStream();
    await editor.getByRole('button', { name: 'Close' }).click();
  });

  it('Escape cancels the "Disable…" confirmation, and then closes the editor, the keyboard back on the person\'s row', async () => {
    const { page } = ada;
    await openTeam(page);
    await page.getByRole('button', { name: `Edit ${ADMIN.name}` }).click();
    const editor = page.getByRole('region', { name: `Edit ${ADMIN.name} (${ADMIN.username})` });
    const disable = editor.getByRole('button', { name: `Disable ${ADMIN.name}` });
    await disable.click();
    const confirm = editor.getByRole('group', { name: `Confirm disabling ${ADMIN.name}` });
    await expect.poll(() => confirm.getByRole('button', { name: 'Cancel' }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    await expect.poll(() => disable.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    // Only the confirmation went: the editor is still open.
    expect(await editor.count()).toBe(1);

    await page.keyboard.press('Escape');
    await expect.poll(() => editor.count()).toBe(0);
    await expect.poll(() => page.getByRole('button', { name: `Edit ${ADMIN.name}` }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    expect((await usersOnServer()).find((u) => u.username === ADMIN.username)).toMatchObject({ disabled: false });
  });

  it('makes an API key that works as a bearer key, shown once with a Copy button, and revokes it', async () => {
    const { page, context } = ada;
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await openTeam(page);
    const form = page.getByRole('form', { name: 'Create an API key' });
    await form.getByRole('button', { name: 'Create key' }).click();
    await form.getByText('Name the key: what will use it?').waitFor();
    await form.getByLabel('Person', { exact: true }).selectOption({ label: `${SUPERVISOR.name} (${SUPERVISOR.username})` });
    await form.getByLabel('Key name', { exact: true }).fill('nightly report');
    await form.getByLabel('Role', { exact: true }).selectOption('supervisor');
    // Enter in a field sends the form, as a keyboard user expects.
    await form.getByLabel('Key name', { exact: true }).press('Enter');
    const shown = page.getByRole('group', { name: `New key "nightly report" for ${SUPERVISOR.name}` });
    await shown.getByText('This key is shown only once.').waitFor();
    await shown.getByText('It acts as supervisor.').waitFor();
    const key = await shown.getByLabel('API key', { exact: true }).inputValue();
    expect(key).toMatch(/^sbk_/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);

    const me = await api(key, 'GET', '/me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: SUPERVISOR.username, role: 'supervisor' });
    const row = page.getByRole('table', { name: 'API keys of the organization' }).getByRole('row').filter({ hasText: 'nightly report' });
    expect((await row.getByRole('cell').allInnerTexts()).slice(0, 3)).toEqual(['nightly report', SUPERVISOR.name, 'supervisor']);

    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await screenshot(page, 'team');

    await shown.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByLabel('API key', { exact: true }).count()).toBe(0);
    const revoke = row.getByRole('button', { name: `Revoke key nightly report of ${SUPERVISOR.name}` });
    await revoke.click();
    const confirm = page.getByRole('group', { name: 'Confirm revoking key nightly report' });
    // Escape answers no, as Cancel does: the keyboard back on the row's Revoke.
    await expect.poll(() => confirm.getByRole('button', { name: 'Cancel' }).evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    await expect.poll(() => revoke.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    expect((await api(key, 'GET', '/me')).status).toBe(200);
    await revoke.click();
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('status').filter({ hasText: 'API key "nightly report" revoked' }).waitFor();
    expect((await api(key, 'GET', '/me')).status).toBe(401);
    expect(await row.getByRole('button').count()).toBe(0);
  });

  it('says when a new key\'s role was capped at its person\'s: asked admin for a supervisor, it acts as supervisor', async () => {
    const { page } = ada;
    await openTeam(page);
    const form = page.getByRole('form', { name: 'Create an API key' });
    await form.getByLabel('Person', { exact: true }).selectOption({ label: `${SUPERVISOR.name} (${SUPERVISOR.username})` });
    await form.getByLabel('Key name', { exact: true }).fill('wall board');
    await form.getByLabel('Role', { exact: true }).selectOption('admin');
    await form.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByRole('group', { name: `New key "wall board" for ${SUPERVISOR.name}` });
    await shown.getByText(`It acts as supervisor, not admin: a key's role is capped at its person's, and ${SUPERVISOR.name} is a supervisor.`).waitFor();
    await page.getByRole('status').filter({ hasText: `API key "wall board" created for ${SUPERVISOR.name}, as supervisor (capped at their role)` }).waitFor();
    const key = await shown.getByLabel('API key', { exact: true }).inputValue();
    expect((await api(key, 'GET', '/me')).json).toMatchObject({ role: 'supervisor' });
    const row = page.getByRole('table', { name: 'API keys of the organization' }).getByRole('row').filter({ hasText: 'wall board' });
    expect((await row.getByRole('cell').allInnerTexts()).slice(0, 3)).toEqual(['wall board', SUPERVISOR.name, 'supervisor']);
    await shown.getByRole('button', { name: 'I have copied it' }).click();
  });

  it('says in one line that the org has no webhooks', async () => {
    const { page } = ada;
    await openTeam(page);
    const webhooks = page.getByRole('region', { name: 'Webhooks' });
    await webhooks.getByText('No webhooks are configured for this organization (config file: orgs[].webhooks).').waitFor();
    expect(await webhooks.getByRole('list').count()).toBe(0);
    expect(await webhooks.getByRole('button').allInnerTexts()).toEqual(['Refresh']);
  });

  it('erases a visitor after a confirmation and shows what was erased; a reload stays in the Team view', async () => {
    const { page } = ada;
    await openTeam(page);
    const form = page.getByRole('form', { name: 'Erase a visitor' });
    await form.getByLabel('Visitor id', { exact: true }).fill('nobody-we-know');
    await form.getByRole('button', { name: 'Erase…' }).click();
    await page.getByRole('group', { name: 'Confirm the erasure' }).getByRole('button', { name: 'Erase for good' }).click();
    await page.getByRole('status').filter({ hasText: 'Visitor nobody-we-know: 0 ended chats erased, 0 breadcrumbs deleted' }).waitFor();
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);

    await page.reload();
    await page.getByRole('table', { name: 'People of the organization' }).getByRole('rowheader', { name: KIM.name }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Team' }).getAttribute('aria-pressed')).toBe('true');
  });
});
