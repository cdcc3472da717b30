/**
 * An upload the server refuses for now (503 UPLOADS_BUSY: fileTransfer.maxBytesInFlight
 * is held by other uploads) is sent again by the SDK after the answer's Retry-After, and
 * given up, with that refusal, after BUSY_TRIES tries (docs/visitor-api.md, "File
 * transfer"). The server is made busy for real: a small budget and a slow upload on a raw
 * socket that has sent part of its body and holds those bytes.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SwitchboardClosedError, SwitchboardHttpError, type UploadBusyWait } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { humanChat, until, untilUploadBytesHeld } from './sdk-fixtures.js';

/** The bytes all uploads may hold: the slow upload's first part leaves too little for another. */
const IN_FLIGHT = 50_000;
const server = useServer({}, { withConfig: false, env: { SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT: String(IN_FLIGHT) } });

/** The server's Retry-After on UPLOADS_BUSY (src/http/visitor/file-upload-route.ts). */
const BUSY_RETRY_AFTER_MS = 5_000;

/** A raw upload (no credentials in the query, so the server reads its body first) that sends `first` bytes of `total` and holds. */
async function slowUpload(first: number, total: number): Promise<{ socket: Socket; finish(): Promise<string> }> {
  const url = new URL(server.baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(`POST /chat/file-transfer HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${total}\r\n\r\n`);
  socket.write(Buffer.alloc(first, 1));
  // Held once the server has read and counted them (its gauge), not after a guessed pause.
  await untilUploadBytesHeld(server.baseUrl, first);
  return {
    socket,
    async finish() {
      socket.write(Buffer.alloc(total - first, 2));
      await until(() => answer.includes('\r\n\r\n'), 'the slow upload\'s answer');
      return answer.split('\r\n')[0]!;
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
});

async function askedChat(visitorName: string) {
  const c = await humanChat({ agentUrl: server.baseUrl, visitorUrl: server.baseUrl, visitorName });
  cleanups.push(async () => {
    await c.v.end();
    await c.agent.setPresence('offline');
    c.agent.disconnect();
  });
  const asked = await c.agent.requestFile(c.chatId);
  await until(() => c.v.fileRequests.length === 1, 'the request at the visitor');
  return { ...c, fileToken: asked.fileToken };
}

describe('an upload while the server is busy (SDK)', () => {
  it('waits out Retry-After and goes through once the slow upload is done, the same bytes once', async () => {
    const { agent, v, chatId, fileToken } = await askedChat('Bea Busy');
    const slow = await slowUpload(40_000, 45_000);
    cleanups.push(async () => void slow.socket.destroy());
    const waits: UploadBusyWait[] = [];
    let slowAnswer: Promise<string> | undefined;
    const started = Date.now();
    const bytes = new Uint8Array(20_000).fill(7);
    const uploaded = await v.uploadFile(fileToken, bytes, 'busy.bin', {
      onBusyWait: (w) => {
        waits.push(w);
        // The slow upload ends while this one waits.
        slowAnswer ??= slow.finish();
      },
    });
    expect(waits).toEqual([{ status: 503, code: 'UPLOADS_BUSY', waitMs: BUSY_RETRY_AFTER_MS, attempt: 1 }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(BUSY_RETRY_AFTER_MS);
    expect(uploaded).toEqual({ fileToken, fileId: expect.any(String), name: 'busy.bin', size: bytes.length });
    // The slow one had no credentials: read whole, then refused.
    expect(await slowAnswer).toBe('HTTP/1.1 403 Forbidden');
    expect((await agent.listFiles(chatId)).map((f) => f.id)).toEqual([uploaded.fileId]);
    expect(v.fileRequests).toEqual([]);
  });

  it('gives up with the refusal after three tries while the server stays busy; the request stays open', async () => {
    const { v, fileToken } = await askedChat('Gil Giveup');
    const slow = await slowUpload(40_000, 45_000);
    cleanups.push(async () => void slow.socket.destroy());
    const waits: UploadBusyWait[] = [];
    const started = Date.now();
    const err = await v.uploadFile(fileToken, new Uint8Array(20_000).fill(8), 'never.bin', { onBusyWait: (w) => waits.push(w) }).then(
      () => { throw new Error('resolved, expected a rejection'); },
      (e: unknown) => e as SwitchboardHttpError,
    );
    expect(err).toBeInstanceOf(SwitchboardHttpError);
    expect([err.status, err.code]).toEqual([503, 'UPLOADS_BUSY']);
    expect(err.body).toMatch(/^Too many uploads in progress/);
    expect(waits.map((w) => w.attempt)).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * BUSY_RETRY_AFTER_MS);
    expect(v.fileRequests.map((r) => r.fileToken)).toEqual([fileToken]);

    // Its wait ends when the client is let go (detach): no more tries, SwitchboardClosedError.
    const waiting = v.uploadFile(fileToken, new Uint8Array(20_000).fill(9), 'detached.bin', { onBusyWait: () => void v.detach() });
    const t0 = Date.now();
    await expect(waiting).rejects.toBeInstanceOf(SwitchboardClosedError);
    expect(Date.now() - t0).toBeLessThan(BUSY_RETRY_AFTER_MS);
  });
});
