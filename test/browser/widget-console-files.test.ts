/**
 * File transfer end to end in real Chromium: an agent in the console asks for a
 * file, the visitor in the widget (demo page, human button) sees an accessible
 * prompt, a file over the server's limit is refused with the limit in words, a
 * real file from disk goes up, the console lists it in the timeline and its
 * download saves the very same bytes under the same name; a supervisor monitoring
 * the chat downloads it too; a canceled request takes the prompt away.
 *
 * Needs `npm run build` (server, widget and console builds).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../protocol/harness.js';
import { REPO_ROOT } from './browser-server.js';
import { isNetworkFailure, login, openConsole, setPresence, type ConsolePage } from './console-browser.js';
import { AGENT1, logPages, openVisitorPage, widgetConsoleConfig } from './widget-console-server.js';
import { axeWidget, focusedInWidget, launchChromium, serious, waitForText, widgetOf } from './widget-page.js';

const VISITOR = 'Fiona Files';
/** The server's limit: 1 MiB, so the widget says "max 1 MB". */
const MAX_BYTES = 1_048_576;
const SUPERVISOR = { id: '005000000000013', name: 'Sam Supervisor', username: 'sam', password: 'sam-password' } as const;

let server: TestServer;
let browser: Browser;
let visitorPage: Page;
const visitorErrors: string[] = [];
let w: ReturnType<typeof widgetOf>;
let alex: ConsolePage;
let sam: ConsolePage;
let dir: string;

function chat(page: Page): Locator {
  return page.locator('section.chat').filter({ has: page.getByRole('heading', { name: VISITOR }) });
}

/** The widget's file prompt. */
function prompt(): Locator {
  return w.host.getByRole('group', { name: 'The agent asked for a file' });
}

beforeAll(async () => {
  for (const file of [join(REPO_ROOT, 'widget', 'dist', 'widget.js'), join(REPO_ROOT, 'console', 'dist', 'index.html')]) {
    if (!existsSync(file)) throw new Error(`${file} not found: run \`npm run build\` first`);
  }
  dir = mkdtempSync(join(tmpdir(), 'switchboard-files-'));
  const config = widgetConsoleConfig() as { orgs: { agents: object[] }[] };
  config.orgs[0]!.agents.push({ ...SUPERVISOR, password: `plain:${SUPERVISOR.password}`, role: 'supervisor', skills: [], capacity: 3 });
  server = new TestServer({}, { config: () => config, env: { SWITCHBOARD_FILE_TRANSFER_MAX_BYTES: String(MAX_BYTES) } });
  [browser] = await Promise.all([launchChromium(), server.start()]);
  [alex, sam] = await Promise.all([openConsole(browser, server.baseUrl), openConsole(browser, server.baseUrl)]);
  visitorPage = await openVisitorPage(browser, visitorErrors);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  await logPages(w, visitorErrors, { alex, sam });
  console.error(`--- server log (tail) ---\n${server?.logTail.slice(-4000)}`);
});

describe('file transfer in the widget and the console (Chromium)', () => {
  it('a visitor chats with an agent in the console', async () => {
    await Promise.all([login(alex.page, AGENT1.username, AGENT1.password), login(sam.page, SUPERVISOR.username, SUPERVISOR.password)]);
    await setPresence(alex.page, 'Online');
    await visitorPage.goto(`${server.baseUrl}/?button=human`);
    w = widgetOf(visitorPage);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    await w.host.getByLabel('Your name (required)').fill(VISITOR);
    await w.host.getByLabel('Email (required)').fill('fiona@example.com');
    await w.host.getByRole('button', { name: 'Start chat' }).click();
    await alex.page.getByRole('article', { name: `Chat offer from ${VISITOR}` }).getByRole('button', { name: 'Accept' }).click();
    await waitForText(w.status, /chatting with Alex Agent/);
    expect(await prompt().count(), 'no prompt before a request').toBe(0);
  });

  it('the agent requests a file: the widget shows an accessible prompt, and the console can cancel it', async () => {
    await chat(alex.page).getByRole('button', { name: 'Request file' }).click();
    await chat(alex.page).getByRole('button', { name: 'Cancel file request' }).waitFor();
    await chat(alex.page).getByRole('log').getByText('File requested from the visitor').waitFor();

    await prompt().waitFor();
    await expect(prompt().getByLabel('Choose a file').getAttribute('type')).resolves.toBe('file');
    await prompt().getByRole('button', { name: 'Upload' }).waitFor();
    // Screen readers hear of the request, also with the panel open (the log's notes are silent).
    await expect(w.host.locator('.vh[role=status]').textContent()).resolves.toMatch(/Alex Agent asked for a file/);
    const violations = serious(await axeWidget(visitorPage));
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);

    // Upload without a file says what to do, in the prompt's status line.
    await prompt().getByRole('button', { name: 'Upload' }).click();
    await waitForText(prompt().getByRole('status'), /Choose a file first/);
  });

  it('a file over the limit is refused with the limit in MB; the prompt stays', async () => {
    const big = join(dir, 'too-big.bin');
    writeFileSync(big, randomBytes(MAX_BYTES + 1));
    await prompt().getByLabel('Choose a file').setInputFiles(big);
    await prompt().getByRole('button', { name: 'Upload' }).click();
    await waitForText(prompt().getByRole('status'), /too large, max 1 MB/);
    expect(await prompt().getByRole('button', { name: 'Upload' }).isEnabled()).toBe(true);
    // The keyboard is where it was: on Upload, for the next try.
    expect(await focusedInWidget(visitorPage)).toBe('button Upload');
    expect(await chat(alex.page).locator('.msg.file').count(), 'nothing reached the agent').toBe(0);
  });

  it('the visitor uploads a real file; the agent sees it in the timeline and downloads the same bytes', async () => {
    const name = 'receipt-ü 2026.png';
    const path = join(dir, name);
    const bytes = randomBytes(200_000);
    writeFileSync(path, bytes);
    await prompt().getByLabel('Choose a file').setInputFiles(path);
    await prompt().getByRole('button', { name: 'Upload' }).click();
    await prompt().waitFor({ state: 'detached' });
    await waitForText(w.log.locator('.msg.me'), /Sent a file: receipt-ü 2026\.png \(195 KB\)/);

    const entry = chat(alex.page).getByRole('button', { name: `Download ${name}` });
    await entry.waitFor();
    await chat(alex.page).getByRole('button', { name: 'Request file' }).waitFor(); // answered: no longer pending
    const [download] = await Promise.all([alex.page.waitForEvent('download'), entry.click()]);
    expect(download.suggestedFilename()).toBe(name);
    const saved = readFileSync(await download.path());
    expect(saved.length).toBe(bytes.length);
    expect(saved.equals(bytes), 'the downloaded bytes are the uploaded ones').toBe(true);

    // A supervisor monitoring the chat sees the entry and downloads it too.
    await sam.page.getByRole('button', { name: 'Supervisor' }).click();
    await sam.page.getByRole('button', { name: `Open chat with ${VISITOR} read-only` }).click();
    const monitored = chat(sam.page).getByRole('button', { name: `Download ${name}` });
    await monitored.waitFor();
    const [again] = await Promise.all([sam.page.waitForEvent('download'), monitored.click()]);
    expect(readFileSync(await again.path()).equals(bytes)).toBe(true);
  });

  it('a request still open comes back after a reload of the visitor page; a cancel takes the prompt away', async () => {
    await chat(alex.page).getByRole('button', { name: 'Request file' }).click();
    await prompt().waitFor();
    await visitorPage.reload();
    w = widgetOf(visitorPage);
    await prompt().waitFor();
    await waitForText(w.status, /chatting with Alex Agent/);
    // Shown again, not asked again: the restored log has the one note of the request.
    expect(await w.log.locator('.msg.sys').filter({ hasText: /asked for a file/ }).count()).toBe(2);
    await chat(alex.page).getByRole('button', { name: 'Cancel file request' }).click();
    await chat(alex.page).getByRole('button', { name: 'Request file' }).waitFor();
    await chat(alex.page).getByRole('log').getByText('File request canceled').waitFor();
    await prompt().waitFor({ state: 'detached' });
    await waitForText(w.log.locator('.msg.sys'), /Alex Agent no longer asks for a file/);

    const real = (e: string) => !isNetworkFailure(e);
    // Chromium logs every 4xx answer; the 413 is the one the test asked for.
    const tooLarge = (e: string) => /status of 413 \(Payload Too Large\)/.test(e);
    expect(visitorErrors.filter((e) => real(e) && !tooLarge(e)), 'widget page errors').toEqual([]);
    expect(visitorErrors.filter(tooLarge)).toHaveLength(1);
    for (const p of [alex, sam]) expect(p.errors.filter(real), 'console errors').toEqual([]);
  });
});
