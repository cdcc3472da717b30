/**
 * The Team view's Webhooks section (ADR 0065, ADR 0068) in a real browser, against the real server and a
 * real receiver (node:http on 127.0.0.1) the test answers for: the org's webhooks as configured
 * (a disabled one with its URL's password masked), `crm` delivering with its last chat; a chat the
 * receiver refuses (400) shows as a failing streak after Refresh, and "Skip this chat…", after a
 * confirmation, passes over it so the next chat follows; "Replay…" refuses a time in the future
 * and one after where the webhook stands in words, and from a time before the first chat sends
 * every chat again (the receiver's log says so, with the same webhook-ids). A webhook told of
 * messages left shows them as their own event: one the receiver refuses fails, and "Skip this
 * message left…" passes over it. axe finds nothing serious in the section, failing or not, nor in
 * the replay dialog.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { Visitor } from '../protocol/visitor.js';
import { TestAgent, eventually } from './agent-api.js';
import { SCREENSHOTS, describeViolations, seriousViolations, type ConsolePage } from './console-browser.js';
import { ADMIN, AdminConsoleTestServer } from './console-admin-server.js';
import { AGENT1, DEPLOYMENT_ID, ORG_ID, SUPPORT_BUTTON } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { Receiver as HttpReceiver } from '../agent/webhook-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Delivery { chatId: string; webhookId: string; endedAt: number; status: number }

/**
 * The webhooks' receiver: at /tickets messages left (400 for those whose subject is "refuse me"),
 * elsewhere chats (400 for those in `refuse`: it will never take them), 200 for the rest; keeps every POST.
 */
class Receiver {
  readonly refuse = new Set<string>();
  private readonly http = new HttpReceiver((url, body) => {
    if (url === '/tickets') return (JSON.parse(body) as { data: { subject: string } }).data.subject === 'refuse me' ? 400 : 200;
    return this.refuse.has((JSON.parse(body) as { data: { chatId: string } }).data.chatId) ? 400 : 200;
  });

  get port(): number {
    return this.http.port;
  }

  /** The chats POSTed, in order. */
  get requests(): Delivery[] {
    return this.http.requests.filter((r) => r.url !== '/tickets').map((r) => {
      const data = (JSON.parse(r.body) as { data: { chatId: string; endedAt: number } }).data;
      return { chatId: data.chatId, webhookId: String(r.headers['webhook-id']), endedAt: data.endedAt, status: r.status };
    });
  }

  /** Messages left POSTed to /tickets: their id and the answer. */
  get messages(): { id: string; status: number }[] {
    return this.http.requests.filter((r) => r.url === '/tickets').map((r) => ({ id: (JSON.parse(r.body) as { data: { id: string } }).data.id, status: r.status }));
  }

  listen(): Promise<void> {
    return this.http.listen();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The chats it took (200), in order. */
  delivered(): string[] {
    return this.requests.filter((r) => r.status === 200).map((r) => r.chatId);
  }
}

const receiver = new Receiver();
// Listening before the server starts (consoleSuite's beforeAll comes after this one): the config names the port.
beforeAll(() => receiver.listen());
afterAll(() => receiver.close());

const server = new AdminConsoleTestServer({}, () => ({
  webhooks: [
    { name: 'crm', url: `http://127.0.0.1:${receiver.port}/hook`, secret: SECRET },
    // Disabled: never sent to, so the password in its URL is only shown (masked).
    { name: 'archive', url: `http://archiver:s3cret-pass@127.0.0.1:${receiver.port}/archive`, secret: SECRET, enabled: false, events: ['chat.ended', 'offline_message.created'] },
    { name: 'tickets', url: `http://127.0.0.1:${receiver.port}/tickets`, secret: SECRET, events: ['offline_message.created'] },
  ],
}), (config) => {
  config.orgs[0]!.deployments[0]!.buttons[0]!.offlineMessages = true;
});
let ada: ConsolePage;
consoleSuite(server, { ada: ADMIN }, (c) => { ({ ada } = c); });

beforeAll(async () => {
  // A zone off UTC by a non-whole hour: a datetime-local time read as UTC (valueAsNumber) would be
  // hours off and the replay's checks would fail; the machine's zone may well be UTC.
  const cdp = await ada.context.newCDPSession(ada.page);
  await cdp.send('Emulation.setTimezoneOverride', { timezoneId: 'America/St_Johns' });
  expect(await ada.page.evaluate(() => new Date(Date.UTC(2026, 0, 15, 12)).getHours())).toBe(8);
});

let alex: TestAgent;
beforeAll(async () => {
  // Made here: the base URL is known once the server runs.
  alex = new TestAgent(server.baseUrl);
  await alex.login(AGENT1.username, AGENT1.password);
  await alex.openStream();
  await alex.presence('online');
});
afterAll(() => alex?.closeStream());

/** A chat Alex takes and the visitor ends (which sends it to the webhook); `refused`: the receiver refuses it. */
async function endedChat(visitorName: string, refused = false): Promise<string> {
  const v = new Visitor(server);
  await v.createSession();
  const init = await v.init(v.initBody(SUPPORT_BUTTON, { organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID, visitorName }));
  expect(init.status, init.text).toBe(200);
  const { chatId } = await eventually(async () => (await alex.chats()).find((c) => c.visitorName === visitorName), 10_000, `the offer of ${visitorName}`);
  await alex.accept(chatId);
  await v.waitFor('ChatEstablished');
  if (refused) receiver.refuse.add(chatId);
  expect((await v.end()).status).toBe(200);
  return chatId;
}

interface Status { name: string; lastDeliveredAt: number | null; lastDeliveredChatId: string | null; failingSince: number | null; failingChatId: string | null; lastError: string | null; nextAttemptAt: number | null; backlog: number | null }

/** The crm webhook's status as the server answers it now. */
async function crmStatus(): Promise<Status> {
  const res = await fetch(`${server.baseUrl}/agent/v1/admin/webhooks`, { headers: { Authorization: `Bearer ${await server.tokenOf(ADMIN)}` } });
  expect(res.status).toBe(200);
  return (await res.json() as Status[]).find((s) => s.name === 'crm')!;
}

/** A time as the page shows it: the user's locale, to the second. */
function moment(page: Page, at: number): Promise<string> {
  return page.evaluate((ms) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }), at);
}

/** A time as a datetime-local box takes it: the page's local time, seconds only when not 0 (the box drops ":00"). */
function localValue(page: Page, at: number): Promise<string> {
  return page.evaluate((ms) => {
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    const minutes = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    return d.getSeconds() ? `${minutes}:${p(d.getSeconds())}` : minutes;
  }, at);
}

function section(page: Page): Locator {
  return page.getByRole('region', { name: 'Webhooks' });
}

function webhook(page: Page, name: string): Locator {
  return section(page).getByRole('listitem', { name });
}

/** A webhook's facts, term → value, as shown. */
async function facts(item: Locator): Promise<Record<string, string>> {
  const terms = await item.locator('dt').allInnerTexts();
  const values = await item.locator('dd').allInnerTexts();
  return Object.fromEntries(terms.map((t, i) => [t, values[i]!]));
}

/** Refresh, and the section read again (the button is busy while it reads). */
async function refresh(page: Page): Promise<void> {
  const button = section(page).getByRole('button', { name: 'Refresh webhooks' });
  await button.click();
  await expect.poll(() => button.isEnabled()).toBe(true);
}

async function openTeam(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Team' }).click();
  await page.getByRole('heading', { name: 'Team', level: 2 }).waitFor();
  await section(page).getByRole('list', { name: 'Webhooks of the organization' }).waitFor();
}

async function expectFocused(target: Locator): Promise<void> {
  await expect.poll(() => target.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
}

/** Before the first chat ended, to the second (a datetime-local box has no milliseconds). */
let beforeFirst = 0;
const chats: string[] = [];

describe('console: the Team view\'s webhooks (admins)', () => {
  it('shows the org\'s webhooks as configured: crm delivering with its last chat, archive disabled with its password masked', async () => {
    const { page } = ada;
    beforeFirst = Math.floor(Date.now() / 1000) * 1000 - 1000;
    chats.push(await endedChat('First visitor'));
    await eventually(async () => (receiver.delivered().includes(chats[0]!) ? true : undefined), 10_000, 'the first chat delivered');

    await openTeam(page);
    const crm = webhook(page, 'crm');
    // The receiver hears of the chat a moment before the webhook keeps its place.
    await expect.poll(async () => { await refresh(page); return (await facts(crm))['Last delivered']; }).toContain(chats[0]!);
    const status = await crmStatus();
    expect(status.lastDeliveredChatId).toBe(chats[0]);
    expect(await facts(crm)).toEqual({
      URL: `http://127.0.0.1:${receiver.port}/hook`,
      Sends: 'ended chats',
      State: 'Enabled',
      'Last delivered': `${await moment(page, status.lastDeliveredAt!)}, chat ${chats[0]}`,
      'Backlog (chats to send)': '0',
    });
    expect(await crm.getByText(/Failing since/).count()).toBe(0);
    expect(await crm.getByRole('button', { name: /^Skip/ }).count()).toBe(0);
    expect(await crm.getByRole('button', { name: 'Replay webhook crm…' }).count()).toBe(1);

    // Two events: each one's facts under its own words.
    expect(await facts(webhook(page, 'archive'))).toEqual({
      URL: `http://archiver:***@127.0.0.1:${receiver.port}/archive`,
      Sends: 'ended chats and messages left',
      State: 'Disabled: nothing is sent; what comes meanwhile is sent once it is enabled',
      'Ended chats: Last delivered': 'Nothing yet',
      'Ended chats: Backlog (chats to send)': 'Not started yet',
      'Messages left: Last delivered': 'Nothing yet',
      'Messages left: Backlog (messages left to send)': 'Not started yet',
    });
    expect(await section(page).innerText()).not.toContain('s3cret-pass');
    // In file order.
    expect(await section(page).getByRole('heading', { level: 4 }).allInnerTexts()).toEqual(['crm', 'archive', 'tickets']);

    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
  });

  it('shows a chat the receiver refuses as a failing streak after Refresh; Skip, after a confirmation, passes over it and the next chat follows', async () => {
    const { page } = ada;
    await openTeam(page);
    const refusedChat = await endedChat('Refused visitor', true);
    chats.push(refusedChat);
    await eventually(async () => (receiver.requests.some((r) => r.chatId === refusedChat) ? true : undefined), 10_000, 'the first attempt at the refused chat');
    // This one waits behind the refused chat.
    chats.push(await endedChat('Third visitor'));
    const crm = webhook(page, 'crm');

    // What the section says matches the server's status of that moment (attempts go on meanwhile: read both until they agree).
    let shown: string[] = [];
    let expected: string[] = [];
    await expect.poll(async () => {
      await refresh(page);
      shown = await crm.locator('.webhook-failing p').allInnerTexts();
      const s = await crmStatus();
      if (s.failingSince === null) return false;
      expected = [
        `Failing since ${await moment(page, s.failingSince)}: HTTP 400`,
        s.nextAttemptAt === null ? 'Trying again now' : `Next attempt at ${await moment(page, s.nextAttemptAt)}`,
        `Failing chat: ${refusedChat}`,
      ];
      return s.backlog === 2 && JSON.stringify(shown) === JSON.stringify(expected);
    }, { timeout: 15_000 }).toBe(true);
    expect(shown).toEqual(expected);
    expect((await facts(crm))['Backlog (chats to send)']).toBe('2');
    expect((await facts(crm))['Last delivered']).toContain(chats[0]!);
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await section(page).screenshot({ path: join(SCREENSHOTS, 'console-team-webhooks.png') });

    // Cancel leaves it failing.
    const skip = crm.getByRole('button', { name: 'Skip this chat of webhook crm…' });
    expect(await skip.innerText()).toBe('Skip this chat…');
    await skip.click();
    const dialog = page.getByRole('dialog', { name: `Skip chat ${refusedChat}?` });
    await dialog.getByText(`Skipped, the chat will not be sent to http://127.0.0.1:${receiver.port}/hook`).waitFor();
    await expectFocused(dialog.getByRole('button', { name: 'Cancel' }));
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expectFocused(skip);
    expect((await crmStatus()).failingChatId).toBe(refusedChat);

    await skip.click();
    await dialog.getByRole('button', { name: 'Skip the chat' }).click();
    await page.getByRole('status').filter({ hasText: `Chat ${refusedChat} skipped: webhook crm will not send it, and the chats after it follow` }).waitFor();
    expect(await dialog.count()).toBe(0);
    // The skip button went with the streak: the keyboard is on the webhook's Replay button.
    await expectFocused(crm.getByRole('button', { name: 'Replay webhook crm…' }));
    await eventually(async () => (receiver.delivered().includes(chats[2]!) ? true : undefined), 10_000, 'the chat after the refused one');
    expect(receiver.delivered()).toEqual([chats[0], chats[2]]);
    expect(receiver.requests.filter((r) => r.chatId === refusedChat).every((r) => r.status === 400)).toBe(true);

    await expect.poll(async () => { await refresh(page); return (await facts(crm))['Last delivered']; }).toContain(chats[2]!);
    expect(await crm.getByText(/Failing since/).count()).toBe(0);
    expect(await crm.getByRole('button', { name: /^Skip/ }).count()).toBe(0);
    expect((await facts(crm))['Backlog (chats to send)']).toBe('0');
  });

  it('replays from a time: one in the future or after where the webhook stands is refused in words; one before the first chat sends every chat again', async () => {
    const { page } = ada;
    await openTeam(page);
    // The receiver was fixed: it takes the chat it refused.
    receiver.refuse.clear();
    const crm = webhook(page, 'crm');
    const replay = crm.getByRole('button', { name: 'Replay webhook crm…' });
    await replay.click();
    const dialog = page.getByRole('dialog', { name: 'Replay webhook crm' });
    const since = dialog.getByLabel('Send again the chats that ended since', { exact: true });
    await expectFocused(since);
    expect(await since.getAttribute('type')).toBe('datetime-local');
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);

    // Nothing chosen: said beside the box, nothing sent.
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await dialog.getByText('Choose a date and time').waitFor();
    expect(await since.getAttribute('aria-invalid')).toBe('true');

    await since.fill(await localValue(page, Date.now() + 3_600_000));
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Not replayed: the time is in the future. Choose a time that has passed.' }).waitFor();

    // Where crm stands: the end of the last chat it took. A second after it, once that second has passed.
    const stands = receiver.requests.find((r) => r.chatId === chats[2])!.endedAt;
    const after = Math.floor(stands / 1000) * 1000 + 1000;
    await eventually(async () => (Date.now() > after + 200 ? true : undefined), 5_000, 'the second after the last chat');
    await since.fill(await localValue(page, after));
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await dialog.getByRole('alert').filter({ hasText: `Not replayed: the time is after where the webhook stands (${await moment(page, stands)}): what came since has not been sent yet` }).waitFor();
    expect(receiver.requests.filter((r) => r.status === 200)).toHaveLength(2);

    const mark = receiver.requests.length;
    await since.fill(await localValue(page, beforeFirst));
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: `Webhook crm sends again the chats that ended since ${await moment(page, beforeFirst)}` }).waitFor();
    expect(await dialog.count()).toBe(0);
    // The section was drawn again: the keyboard is on the new Replay button.
    await expectFocused(replay);

    // Every chat again, oldest first, the refused one too (the receiver takes it now), with the ids of the first time.
    await eventually(async () => (receiver.requests.length >= mark + 3 ? true : undefined), 15_000, 'the three chats sent again');
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.requests.slice(mark).map((r) => [r.chatId, r.status])).toEqual(chats.map((c) => [c, 200]));
    for (const c of chats) expect(new Set(receiver.requests.filter((r) => r.chatId === c).map((r) => r.webhookId)).size, c).toBe(1);

    await expect.poll(async () => { await refresh(page); return facts(crm); }).toMatchObject({ 'Last delivered': expect.stringContaining(chats[2]!), 'Backlog (chats to send)': '0' });
    // The browser logs each refused request (the 400 and the 409); nothing else went wrong on the page.
    expect(ada.errors.filter((e) => !/status of (400|409)/.test(e))).toEqual([]);
  });

  it('shows a webhook told of messages left: one the receiver refuses fails, and Skip passes over it so the next one follows (ADR 0068)', async () => {
    const { page } = ada;
    await openTeam(page);
    const tickets = webhook(page, 'tickets');
    const refused = await leave('refuse me');
    await eventually(async () => (receiver.messages.some((m) => m.id === refused) ? true : undefined), 10_000, 'the first attempt at the refused message');
    const next = await leave('call me back');
    let shown: string[] = [];
    await expect.poll(async () => {
      await refresh(page);
      shown = await tickets.locator('.webhook-failing p').allInnerTexts();
      return shown.at(-1);
    }, { timeout: 15_000 }).toBe(`Failing message left: ${refused}`);
    expect(shown[0]).toMatch(/^Failing since .+: HTTP 400$/);
    const shownFacts = await facts(tickets);
    expect(shownFacts).toMatchObject({ Sends: 'messages left', State: 'Enabled', 'Backlog (messages left to send)': '2' });
    const violations = await seriousViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);

    const skip = tickets.getByRole('button', { name: 'Skip this message left of webhook tickets…' });
    expect(await skip.innerText()).toBe('Skip this message left…');
    await skip.click();
    const dialog = page.getByRole('dialog', { name: `Skip message left ${refused}?` });
    await dialog.getByText(`Skipped, the message left will not be sent to http://127.0.0.1:${receiver.port}/tickets`).waitFor();
    await dialog.getByRole('button', { name: 'Skip the message left' }).click();
    await page.getByRole('status').filter({ hasText: `Message left ${refused} skipped: webhook tickets will not send it, and the messages left after it follow` }).waitFor();
    await eventually(async () => (receiver.messages.some((m) => m.id === next && m.status === 200) ? true : undefined), 10_000, 'the message after the refused one');
    expect(receiver.messages.filter((m) => m.status === 200).map((m) => m.id)).toEqual([next]);
    await expect.poll(async () => { await refresh(page); return facts(tickets); }).toMatchObject({ 'Last delivered': expect.stringContaining(`message left ${next}`), 'Backlog (messages left to send)': '0' });
    expect(await tickets.getByText(/Failing since/).count()).toBe(0);
    expect(ada.errors.filter((e) => !/status of (400|409)/.test(e))).toEqual([]);
  });
});

/** A message a visitor leaves on the support button (it takes them in this config); its id. */
async function leave(subject: string): Promise<string> {
  const res = await fetch(`${server.baseUrl}/widget/v1/offline-messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orgId: ORG_ID, deploymentId: DEPLOYMENT_ID, buttonId: SUPPORT_BUTTON, name: 'Kim', email: 'kim@example.com', subject, message: 'Please call.' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}
