/**
 * The plain-Node receiver that docs/configuration.md gives for verifying webhooks, run as
 * written (only its port changed): it takes a correctly signed delivery whose body is larger
 * than one network read and has characters of several bytes split between two reads, and it
 * refuses one whose body was changed. A snippet that added up the chunks as strings broke
 * such a character in two and refused every delivery of a long chat in, say, euros.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretKey, signWebhook } from '../../src/core/webhooks/webhook-signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A port nothing listens on now (the kernel's pick, let go at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The first ```js block after the Standard Webhooks headers paragraph of docs/configuration.md. */
function docsReceiver(): string {
  const doc = readFileSync(path.join(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
  const from = doc.indexOf('**Headers** (Standard Webhooks)');
  const block = /```js\n([\s\S]*?)```/.exec(doc.slice(from));
  if (from < 0 || !block) throw new Error('the receiver snippet is not in docs/configuration.md any more');
  return block[1]!;
}

/** Posts `body` (signed for `signedBody`) in two writes cut at `cut` bytes; resolves with the status. */
function post(port: number, body: Buffer, signedBody: string, cut: number): Promise<number> {
  const id = 'chat.ended_docs';
  const ts = Math.floor(Date.now() / 1000);
  const head = [
    'POST / HTTP/1.1', 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${body.length}`,
    `webhook-id: ${id}`, `webhook-timestamp: ${ts}`, `webhook-signature: ${signWebhook(secretKey(SECRET), id, ts, signedBody)}`, 'connection: close', '', '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      socket.write(body.subarray(0, cut));
      // A pause, so the receiver reads the two parts apart.
      setTimeout(() => socket.end(body.subarray(cut)), 50);
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { answer += d; });
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

describe('the webhook receiver of docs/configuration.md', () => {
  let port = 0;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-docs-receiver-'));
    const file = path.join(dir, 'receiver.mjs');
    const snippet = docsReceiver();
    expect(snippet).toContain('.listen(8080)');
    writeFileSync(file, snippet.replace('.listen(8080)', `.listen(${port}, '127.0.0.1')`));
    child = spawn(process.execPath, [file], { env: { ...process.env, WEBHOOK_SECRET: SECRET }, stdio: 'inherit' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const req = request({ host: '127.0.0.1', port, method: 'GET', path: '/' }, (res) => { res.resume(); resolve(true); });
        req.on('error', () => resolve(false));
        req.end();
      });
      if (up) break;
      if (Date.now() > deadline) throw new Error('the docs receiver did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(() => {
    child?.kill();
  });

  it('takes a long signed body whose "€" is split between two reads, and refuses a changed one', async () => {
    const json = JSON.stringify({ id: 'chat.ended_docs', type: 'chat.ended', data: { text: '€'.repeat(40_000) } });
    const bytes = Buffer.from(json, 'utf8');
    // Inside the first "€" (3 bytes) after the first 64 KB: the two writes split a character.
    const cut = bytes.indexOf('€', 70_000) + 1;
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(await post(port, bytes, json, cut)).toBe(204);
    expect(await post(port, bytes, json.replace('chat.ended_docs', 'chat.ended_other'), cut)).toBe(401);
  });
});
