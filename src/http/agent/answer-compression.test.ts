/**
 * The agent API's answers go out compressed (ADR 0057): brotli or gzip by Accept-Encoding, over a
 * kilobyte, with `Vary`; the JSON Lines export as a stream flushed a page at a time; never the event
 * stream and never a visitor answer (Live Agent clients expect none). A real server on 127.0.0.1:
 * inject for the headers, node:http for what goes over the socket, zlib to decode it.
 */
import { request } from 'node:http';
import { brotliDecompressSync, createBrotliDecompress, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { listeningBotChat, headers as visitorHeaders, type Visitor } from '../../core/inject-harness.test-support.js';
import type { Switchboard } from '../../main.js';
import type { LogEvent } from '../../ports/records.js';
import { TRANSCRIPT_PAGE_MAX } from '../../protocol/agent-api-types.js';

/** The memory store, whose event reads after the next `n` wait until `release()` (`gateAfter`). */
class GatedStore extends MemoryChatStore {
  private openReads = Infinity;
  private reads = 0;
  private opened: (() => void) | null = null;
  private readonly gate = new Promise<void>((resolve) => { this.opened = resolve; });

  release(): void { this.opened?.(); }

  gateAfter(n: number): void {
    this.reads = 0;
    this.openReads = n;
  }

  override async readEvents(sessionId: string, afterOffset: number, limit: number): Promise<LogEvent[]> {
    if (++this.reads > this.openReads) await this.gate;
    return super.readEvents(sessionId, afterOffset, limit);
  }
}

let running: Switchboard | null = null;
let store: GatedStore | null = null;
afterEach(async () => {
  store?.release();
  await running?.stop();
  running = null;
});

/** A server on a free port with one chat of the demo bot: `messages` visitor messages and their echoes. */
async function chatWith(messages: number): Promise<{ sb: Switchboard; base: string; v: Visitor; token: string }> {
  store = new GatedStore();
  const chat = await listeningBotChat(store, messages, (n) => `message number ${n} from the visitor`);
  running = chat.sb;
  return chat;
}

/** A GET over a real socket: status, headers, and the body's bytes as they came (nothing decoded). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('agent API answers', () => {
  it('a transcript page goes out as brotli or gzip by Accept-Encoding and its q-values, with Vary; none is asked, none is sent', async () => {
    const { sb, v, token } = await chatWith(500);
    const url = `/agent/v1/chats/${v.id}/transcript?limit=${TRANSCRIPT_PAGE_MAX}`;
    const get = (acceptEncoding?: string) => sb.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }) } });

    const plain = await get();
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    const page = plain.json<{ events: unknown[] }>();
    expect(page.events.length).toBe(TRANSCRIPT_PAGE_MAX);

    const br = await get('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString('utf8'))).toEqual(page);
    expect(br.rawPayload.length, 'brotli bytes against the JSON').toBeLessThan(plain.rawPayload.length / 5);

    const gz = await get('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8'))).toEqual(page);

    expect((await get('br;q=0.5, gzip')).headers['content-encoding'], 'the higher q-value').toBe('gzip');
    expect((await get('br;q=0, *')).headers['content-encoding'], '* stands for gzip, br refused').toBe('gzip');
    expect((await get('gzip;q=0, *')).headers['content-encoding'], '* stands for br, gzip refused').toBe('br');
    expect((await get('*;q=0.5, gzip')).headers['content-encoding'], 'gzip named at 1 over br by * at 0.5').toBe('gzip');
    expect((await get('x-gzip')).headers['content-encoding'], 'x-gzip is gzip').toBe('gzip');
    expect((await get('*;q=0')).headers['content-encoding'], 'nothing coded is acceptable: as it is').toBeUndefined();
    for (const refused of ['identity', 'gzip;q=0, br;q=0', 'identity;q=0', 'compress']) {
      const res = await get(refused);
      expect(res.headers['content-encoding'], refused).toBeUndefined();
      expect(res.json(), refused).toEqual(page);
    }

    // Under a kilobyte an answer goes as it is, still with Vary (a larger one would have been coded).
    const me = await sb.app.inject({ method: 'GET', url: '/agent/v1/me', headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'br' } });
    expect(me.statusCode).toBe(200);
    expect(me.rawPayload.length).toBeLessThan(1024);
    expect(me.headers['content-encoding']).toBeUndefined();
    expect(me.headers.vary).toMatch(/accept-encoding/i);

    const doc = await sb.app.inject({ method: 'GET', url: '/agent/v1/openapi.json', headers: { 'accept-encoding': 'br' } });
    expect(doc.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(doc.rawPayload).toString('utf8'))).toHaveProperty('openapi', '3.1.0');

    // A cross-origin answer keeps CORS's Vary beside it.
    const cors = await sb.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, origin: 'http://127.0.0.1:1', 'accept-encoding': 'br' } });
    if (cors.headers['access-control-allow-origin']) expect(String(cors.headers.vary).toLowerCase().split(/\s*,\s*/).sort()).toEqual(['accept-encoding', 'origin']);
  }, 30_000);

  it('the JSON Lines export is one brotli stream over a real socket, each page flushed as the store gives it', async () => {
    const { base, v, token } = await chatWith(600);
    const url = `${base}/agent/v1/chats/${v.id}/transcript?format=jsonl`;
    const identity = await rawGet(url, { authorization: `Bearer ${token}` });
    expect(identity.headers['content-encoding']).toBeUndefined();
    const lines = identity.body.toString('utf8').trim().split('\n');
    expect(lines.length, 'the chat line and two pages of events').toBeGreaterThan(TRANSCRIPT_PAGE_MAX + 1);

    const br = await rawGet(url, { authorization: `Bearer ${token}`, 'accept-encoding': 'br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(brotliDecompressSync(br.body).toString('utf8').trim().split('\n')).toEqual(lines);

    // The second page's read waits: the first page must reach the client whole meanwhile, decoded as it comes.
    store!.gateAfter(1);
    const decoded = await new Promise<string>((resolve, reject) => {
      let text = '';
      // Without a flush nothing at all comes (not even the headers, written with the first bytes).
      const timer = setTimeout(() => { req.destroy(); resolve(text); }, 3000);
      const req = request(url, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'br' } }, (res) => {
        res.pipe(createBrotliDecompress()).on('data', (c: Buffer) => {
          text += c.toString('utf8');
          if (text.split('\n').length > TRANSCRIPT_PAGE_MAX + 1) { clearTimeout(timer); req.destroy(); resolve(text); }
        }).on('error', reject);
      });
      req.on('error', () => undefined);
      req.end();
    });
    expect(decoded.split('\n').slice(0, TRANSCRIPT_PAGE_MAX + 1), 'the chat line and the whole first page, before the second is read').toEqual(lines.slice(0, TRANSCRIPT_PAGE_MAX + 1));
  }, 30_000);

  it('the event stream (SSE) is never compressed: it must not wait in a compressor', async () => {
    const { base, token } = await chatWith(0);
    const first = await new Promise<{ headers: Record<string, unknown>; chunk: string }>((resolve, reject) => {
      const req = request(`${base}/agent/v1/events`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip, br' } }, (res) => {
        res.once('data', (c: Buffer) => { resolve({ headers: res.headers, chunk: c.toString('utf8') }); req.destroy(); });
      });
      req.on('error', reject);
      req.end();
    });
    expect(first.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(first.headers['content-encoding']).toBeUndefined();
    expect(first.chunk).toMatch(/^(event|id|data|:)/);
  }, 30_000);
});

describe('visitor API answers', () => {
  it('are never compressed, even asked for gzip and br: through fastify and on the poll fast path', async () => {
    const { sb, base, v } = await chatWith(0);
    const ask = { 'accept-encoding': 'gzip, br' };
    // A poll answer carries one message (ADR 0003): long ones, echoed by the bot, are well over the threshold.
    const long = (n: number) => `message ${n}: ${'the visitor writes at length. '.repeat(100)}`;
    const send = async (n: number, seq: number) => {
      const res = await sb.app.inject({ method: 'POST', url: '/chat/rest/Chasitor/ChatMessage', headers: visitorHeaders(v, { ...ask, 'content-type': 'application/json', 'x-liveagent-sequence': String(seq) }), payload: JSON.stringify({ text: long(n) }) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
    };
    const echoed = async (n: number) => {
      for (const end = Date.now() + 10_000; !JSON.stringify(await sb.store.readEvents(v.id, 0, 10_000)).includes(`message ${n}:`); await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() > end) throw new Error('the bot did not answer');
      }
      await sb.bots[0]!.idle();
      await sb.engine.queue.commit();
    };
    await send(1, 2);
    await echoed(1);
    await send(2, 3);
    await echoed(2);

    // Through fastify (inject): polled until the first echo, each answer as it is.
    let viaFastify = await sb.app.inject({ method: 'GET', url: '/chat/rest/System/Messages', headers: visitorHeaders(v, ask) });
    for (let i = 0; i < 10 && viaFastify.statusCode === 200 && !viaFastify.body.includes('message 1:'); i++) {
      expect(viaFastify.headers['content-encoding']).toBeUndefined();
      viaFastify = await sb.app.inject({ method: 'GET', url: `/chat/rest/System/Messages?ack=${viaFastify.json<{ sequence: number }>().sequence}`, headers: visitorHeaders(v, ask) });
    }
    expect(viaFastify.statusCode).toBe(200);
    expect(viaFastify.rawPayload.length, 'an answer well over the threshold').toBeGreaterThan(2048);
    expect(viaFastify.headers['content-encoding']).toBeUndefined();
    expect(String(viaFastify.headers.vary ?? '')).not.toMatch(/accept-encoding/i);
    expect(viaFastify.body).toContain(long(1));

    // The poll fast path (ADR 0014) answers the guide's spelling over a socket, in front of fastify.
    const fast = await rawGet(`${base}/chat/rest/System/Messages?ack=${viaFastify.json<{ sequence: number }>().sequence}`, visitorHeaders(v, ask));
    expect(fast.status).toBe(200);
    expect(fast.body.length).toBeGreaterThan(2048);
    expect(fast.headers['content-encoding']).toBeUndefined();
    expect(fast.body.toString('utf8')).toContain(long(2));
  }, 30_000);
});
