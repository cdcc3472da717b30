/**
 * The widget's file prompt while the server is busy (503 UPLOADS_BUSY), in real
 * Chromium: the status line says the upload waits ("Server busy, trying again…")
 * instead of an error, and the file goes through once the upload that held the
 * server's fileTransfer.maxBytesInFlight ends. The server is made busy for real: a
 * small budget and a slow upload on a raw socket that holds part of its body.
 *
 * Needs `npm run build` (the widget build).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../packages/sdk/src/index.js';
import { TestServer } from '../protocol/harness.js';
import { recordAgent, until, untilUploadBytesHeld } from '../sdk/sdk-fixtures.js';
import { AGENT1, widgetConsoleConfig } from './widget-console-server.js';
import { launchChromium, waitForText, widgetOf } from './widget-page.js';

const VISITOR = 'Bo Busy';
/** The slow upload's first part leaves too little of it for the visitor's file. */
const IN_FLIGHT = 50_000;

let server: TestServer;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-busy-'));
  server = new TestServer({}, { config: () => widgetConsoleConfig(), env: { SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT: String(IN_FLIGHT) } });
  [browser] = await Promise.all([launchChromium(), server.start()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the widget while uploads are busy (Chromium)', () => {
  it('says the server is busy while the SDK waits, then sends the file', async () => {
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket });
    await agent.login(AGENT1.username, AGENT1.password);
    const ar = recordAgent(agent);
    await agent.connect();
    await agent.setPresence('online');
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.baseUrl}/?button=human`);
    const w = widgetOf(page);
    await waitForText(w.status, /We are online/, 10_000, 'attached');
    await w.launcher.click();
    await w.host.getByLabel('Your name (required)').fill(VISITOR);
    await w.host.getByLabel('Email (required)').fill('bo@example.com');
    await w.host.getByRole('button', { name: 'Start chat' }).click();
    const offer = () => ar.offers().find((e) => e.data['visitorName'] === VISITOR);
    await until(() => offer() !== undefined, 'an offer');
    const chatId = offer()!.chatId!;
    await agent.accept(chatId);
    await agent.requestFile(chatId);
    const prompt = w.host.getByRole('group', { name: 'The agent asked for a file' });
    await prompt.waitFor();

    // The slow upload: no credentials in the query, so the server reads (and holds) its body first.
    const url = new URL(server.baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => undefined);
    socket.write(`POST /chat/file-transfer HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/octet-stream\r\nContent-Length: 45000\r\n\r\n`);
    socket.write(Buffer.alloc(40_000, 1));
    await untilUploadBytesHeld(server.baseUrl, 40_000);

    const path = join(dir, 'busy.txt');
    writeFileSync(path, Buffer.alloc(20_000, 65));
    await prompt.getByLabel('Choose a file').setInputFiles(path);
    await prompt.getByRole('button', { name: 'Upload' }).click();
    await waitForText(prompt.getByRole('status'), /^Server busy, trying again…$/);
    expect(await prompt.getByRole('status').getAttribute('data-kind')).toBeNull(); // a wait, not an error

    socket.write(Buffer.alloc(5_000, 2));
    await prompt.waitFor({ state: 'detached', timeout: 20_000 });
    await waitForText(w.log.locator('.msg.me'), /Sent a file: busy\.txt/);
    expect((await agent.listFiles(chatId)).map((f) => f.name)).toEqual(['busy.txt']);
    socket.destroy();
    await agent.setPresence('offline');
    agent.disconnect();
  });
});
