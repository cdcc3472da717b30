/**
 * "Messages left" in the console's Supervisor view (ADR 0063): a message a visitor leaves on a
 * button that takes them appears live (the stream's `offlineMessage.created`, no reload) with
 * who, the address and the text; "Mark handled" takes it out of the new ones (and "New only"
 * off shows it handled, with "Mark new"), "Delete" removes it. No serious axe violation.
 */
import { describe, expect, it } from 'vitest';
import { TestServer } from '../protocol/harness.js';
import { describeViolations, seriousViolations, type ConsolePage } from './console-browser.js';
import { CONSOLE_INDEX, DEPLOYMENT_ID, ORG_ID, SUPERVISOR, SUPPORT_BUTTON, consoleConfig } from './console-server.js';
import { consoleSuite } from './console-suite.js';

const server = new TestServer({ pollHoldSeconds: 1 }, {
  config: () => {
    const config = consoleConfig() as { orgs: { deployments: { buttons: { offlineMessages?: boolean }[] }[] }[] };
    config.orgs[0]!.deployments[0]!.buttons[0]!.offlineMessages = true;
    return config;
  },
  requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']],
});
let sam: ConsolePage;
consoleSuite(server, { sam: SUPERVISOR }, (c) => { ({ sam } = c); });

async function leave(name: string, subject: string, message: string, email = `${name.toLowerCase()}@example.com`): Promise<void> {
  const res = await fetch(`${server.baseUrl}/widget/v1/offline-messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orgId: ORG_ID, deploymentId: DEPLOYMENT_ID, buttonId: SUPPORT_BUTTON, name, email, subject, message }),
  });
  expect(res.status).toBe(201);
}

describe('console: messages left', () => {
  it('shows a new message live, marks it handled and new again, deletes it', async () => {
    const page = sam.page;
    await page.getByRole('button', { name: 'Supervisor' }).click();
    const section = page.getByRole('region', { name: 'Messages left' });
    await section.getByText('No new messages.').waitFor();
    await leave('Kim', 'Order 42', 'Please call me back.\nAfter 5 pm.');
    const card = section.getByRole('article', { name: 'Message from Kim' });
    await card.waitFor();
    expect(await card.getByRole('link', { name: 'kim@example.com' }).getAttribute('href')).toBe('mailto:kim@example.com');
    expect(await card.innerText()).toContain('Please call me back.\nAfter 5 pm.');
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);

    await card.getByRole('button', { name: 'Mark handled: message from Kim' }).click();
    await section.getByText('No new messages.').waitFor();
    await section.getByLabel('New only').uncheck();
    await card.getByRole('button', { name: 'Mark new: message from Kim' }).waitFor();
    expect(await card.innerText()).toContain('handled');
    await card.getByRole('button', { name: 'Delete: message from Kim' }).click();
    await section.getByText('No messages.', { exact: true }).waitFor();
  });

  it('links an address with mailto header fields in it to that one address: no hidden copy, no text of the visitor\'s', async () => {
    const page = sam.page;
    const section = page.getByRole('region', { name: 'Messages left' });
    // A valid address (`?`, `=`, `%` and `&` are letters of a local part) that, put in a mailto
    // link as it is, writes to "fay" with a copy to boss@evil.example and the visitor's words.
    const email = 'fay?cc=boss%40evil.example&subject=Refund&body=Approved@example.com';
    await leave('Fay', 'Refund', 'Where is my refund?', email);
    const link = section.getByRole('article', { name: 'Message from Fay' }).getByRole('link', { name: email });
    const href = (await link.getAttribute('href'))!;
    expect(href.startsWith('mailto:')).toBe(true);
    // RFC 6068: the recipients run up to the first `?`, header fields follow it.
    expect(href).not.toContain('?');
    expect(decodeURIComponent(href.slice('mailto:'.length))).toBe(email);
  });
});
