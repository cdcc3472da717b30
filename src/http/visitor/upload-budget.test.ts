/**
 * fileTransfer.maxBytesInFlight: the bytes all uploads hold at once. An upload that would
 * go past it is refused with 503 UPLOADS_BUSY and Retry-After while another is still being
 * read; once that one is written the bytes are free again, and one upload alone always fits.
 * A refusal (this one, or any decided before the body is read) reads the rest of the body
 * first, up to 1 MiB, so a client still sending hears it rather than a reset.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/load-config.js';
import { demoOrg } from '../../config/demo-deployment.js';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { init, newVisitor, session, until, type Visitor } from '../../core/inject-harness.test-support.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { createSwitchboard, type Switchboard } from '../../main.js';

const running: Switchboard[] = [];
afterEach(async () => {
  for (const sb of running.splice(0)) await sb.stop();
});

async function start(fileTransfer: { maxBytes: number; maxBytesInFlight: number }): Promise<Switchboard> {
  const config = validateConfig({ storage: { kind: 'memory' }, fileTransfer, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { clock: new FakeClock(), store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  running.push(sb);
  return sb;
}

/** A visitor in a chat with the demo bot, asked for a file: its upload URL. */
async function asked(sb: Switchboard): Promise<string> {
  const v: Visitor = await newVisitor(sb);
  await init(sb, v);
  await until('the bot accepts', () => session(sb, v).record.chatState === 'established');
  const s = session(sb, v);
  const { fileToken } = sb.engine.files.request(s.record.agentId!, s.id, 'http://127.0.0.1');
  await sb.engine.queue.commit();
  return `/chat/file-transfer?${new URLSearchParams({ chatKey: v.key, fileToken }).toString()}`;
}

const upload = (sb: Switchboard, url: string, payload: Buffer | PassThrough, remoteAddress: string) =>
  sb.app.inject({ method: 'POST', url, remoteAddress, headers: { 'content-type': 'application/octet-stream' }, payload });

/** The same as a multipart form (the other reader). */
function uploadForm(sb: Switchboard, url: string, bytes: Buffer, remoteAddress: string) {
  const head = Buffer.from('--b0undary\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n');
  const payload = Buffer.concat([head, bytes, Buffer.from('\r\n--b0undary--\r\n')]);
  return sb.app.inject({ method: 'POST', url, remoteAddress, headers: { 'content-type': 'multipart/form-data; boundary=b0undary' }, payload });
}

describe('uploads in flight', () => {
  it('refuses an upload past fileTransfer.maxBytesInFlight with 503 and Retry-After while another is read; then takes it', async () => {
    const sb = await start({ maxBytes: 65_536, maxBytesInFlight: 100_000 });
    const first = await asked(sb);
    const second = await asked(sb);
    const slow = new PassThrough();
    const pending = upload(sb, first, slow, '192.0.2.40');
    slow.write(Buffer.alloc(60_000, 1));
    await until('the first upload holds its bytes', () => slow.readableLength === 0 && slow.writableLength === 0);
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));

    const refused = await upload(sb, second, Buffer.alloc(60_000, 2), '192.0.2.41');
    expect([refused.statusCode, refused.body]).toEqual([503, 'Too many uploads in progress: over fileTransfer.maxBytesInFlight (100000 bytes)']);
    expect(refused.headers['retry-after']).toBe('5');
    const refusedForm = await uploadForm(sb, second, Buffer.alloc(60_000, 2), '192.0.2.41');
    expect([refusedForm.statusCode, refusedForm.headers['retry-after']]).toEqual([503, '5']);
    // A small one still fits beside it.
    const third = await asked(sb);
    expect((await upload(sb, third, Buffer.alloc(30_000, 3), '192.0.2.42')).statusCode).toBe(200);

    slow.end(Buffer.alloc(1000, 1));
    expect((await pending).statusCode).toBe(200);
    const again = await uploadForm(sb, second, Buffer.alloc(60_000, 2), '192.0.2.41');
    expect(again.statusCode, again.body).toBe(200);
  });

  it('reads a refused upload to its end, so a client still sending hears the 503 and keeps its connection', async () => {
    const sb = await start({ maxBytes: 65_536, maxBytesInFlight: 100_000 });
    const slow = new PassThrough();
    const pending = upload(sb, await asked(sb), slow, '192.0.2.45');
    slow.write(Buffer.alloc(60_000, 1));
    await until('the first upload holds its bytes', () => slow.readableLength === 0 && slow.writableLength === 0);
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    const address = await sb.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const head = '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n\r\n';
    const bodies = [
      { type: 'application/octet-stream', bytes: Buffer.alloc(60_000, 2) },
      { type: 'multipart/form-data; boundary=b0undary', bytes: Buffer.concat([Buffer.from(head), Buffer.alloc(60_000, 2), Buffer.from('\r\n--b0undary--\r\n')]) },
    ];
    for (const { type, bytes } of bodies) {
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      socket.write(`POST ${await asked(sb)} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${bytes.length}\r\n\r\n`);
      // Past the budget with its first part; the rest follows once the server has read that.
      socket.write(bytes.subarray(0, 50_000));
      await new Promise<void>((resolve) => setTimeout(resolve, 100));
      socket.write(bytes.subarray(50_000));
      await until('the answer', () => answer.includes('\r\n\r\nToo many'));
      expect(answer.split('\r\n')[0], type).toBe('HTTP/1.1 503 Service Unavailable');
      expect(answer, 'kept open: the body was read').not.toMatch(/^connection: close/im);
      // The same connection answers the next request.
      answer = '';
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('the next answer on the same connection', () => /^HTTP\/1\.1 \d{3}/.test(answer));
      socket.destroy();
    }
    slow.end(Buffer.alloc(1000, 1));
    expect((await pending).statusCode).toBe(200);
  });

  it('gives the bytes back when the client goes away mid-upload', async () => {
    const sb = await start({ maxBytes: 65_536, maxBytesInFlight: 100_000 });
    const first = await asked(sb);
    const address = await sb.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`POST ${first} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 65000\r\n\r\n`);
    socket.write(Buffer.alloc(60_000, 1));
    await new Promise<void>((resolve) => setTimeout(resolve, 200));
    const whileHeld = await upload(sb, await asked(sb), Buffer.alloc(60_000, 2), '192.0.2.44');
    expect(whileHeld.statusCode, 'the cut upload held its bytes until then').toBe(503);
    socket.destroy();
    await new Promise<void>((resolve) => setTimeout(resolve, 200));
    const after = await upload(sb, await asked(sb), Buffer.alloc(60_000, 2), '192.0.2.44');
    expect(after.statusCode, after.body).toBe(200);
  });

  it('always lets one upload in alone, even past a budget smaller than maxBytes', async () => {
    const sb = await start({ maxBytes: 65_536, maxBytesInFlight: 1000 });
    const res = await upload(sb, await asked(sb), Buffer.alloc(50_000, 4), '192.0.2.43');
    expect(res.statusCode, res.body).toBe(200);
    const res2 = await upload(sb, await asked(sb), Buffer.alloc(50_000, 5), '192.0.2.43');
    expect(res2.statusCode, res2.body).toBe(200);
  });
});

describe('an upload refused before its body is read', () => {
  /** Sends the body in two parts, the second after the server could have answered: the status line and the headers of the answer. */
  async function twoPartUpload(sb: Switchboard, path: string, bytes: Buffer): Promise<{ status: string; head: string; nextAnswered: boolean }> {
    const address = await sb.app.listen({ host: '127.0.0.1', port: 0 });
    const socket = connect(Number(new URL(address).port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes.length}\r\n\r\n`);
    socket.write(bytes.subarray(0, 1000));
    await new Promise<void>((resolve) => setTimeout(resolve, 100));
    socket.write(bytes.subarray(1000));
    await until('the answer', () => answer.includes('\r\n\r\n'));
    const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
    answer = '';
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('the next answer, or the connection closed', () => answer !== '' || socket.destroyed || socket.readableEnded);
    const nextAnswered = /^HTTP\/1\.1 200/.test(answer);
    socket.destroy();
    await sb.app.close();
    return { status: head.split('\r\n')[0]!, head, nextAnswered };
  }

  it('reads and drops the rest (up to 1 MiB) so the client still sending hears the 403, on a connection kept open', async () => {
    const sb = await start({ maxBytes: 65_536, maxBytesInFlight: 100_000 });
    const url = new URL(`http://x${await asked(sb)}`);
    url.searchParams.set('chatKey', `${url.searchParams.get('chatKey')!}x`);
    const res = await twoPartUpload(sb, `${url.pathname}${url.search}`, Buffer.alloc(50_000, 6));
    expect(res.status).toBe('HTTP/1.1 403 Forbidden');
    expect(res.head).not.toMatch(/^connection: close/im);
    expect(res.nextAnswered).toBe(true);
  });

  it('closes the connection after the answer when more than that is left', async () => {
    const sb = await start({ maxBytes: 65_536, maxBytesInFlight: 100_000 });
    const url = new URL(`http://x${await asked(sb)}`);
    url.searchParams.set('chatKey', `${url.searchParams.get('chatKey')!}x`);
    const res = await twoPartUpload(sb, `${url.pathname}${url.search}`, Buffer.alloc(1024 * 1024 + 10_000, 6));
    expect(res.status).toBe('HTTP/1.1 403 Forbidden');
    expect(res.head).toMatch(/^connection: close/im);
    expect(res.nextAnswered).toBe(false);
  });
});
