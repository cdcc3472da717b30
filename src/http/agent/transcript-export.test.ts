/**
 * The JSON Lines export streams a long chat from the store a page at a time: the
 * store is never asked for more than a page at once, and a store that fails
 * midway cuts the download off (the client sees it fail) rather than ending it
 * short as if it were the whole chat. A real server on 127.0.0.1, real fetch.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { init, newVisitor, post } from '../../core/inject-harness.test-support.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { LogEvent } from '../../ports/records.js';
import { TRANSCRIPT_PAGE_MAX } from '../../protocol/agent-api-types.js';

/** The memory store, counting event reads, and failing them once `failAfter` reads were served. */
class WatchedStore extends MemoryChatStore {
  reads: number[] = [];
  failAfter = Infinity;

  override readEvents(sessionId: string, afterOffset: number, limit: number): Promise<LogEvent[]> {
    this.reads.push(limit);
    if (this.reads.length > this.failAfter) return Promise.reject(new Error('Connection terminated unexpectedly'));
    return super.readEvents(sessionId, afterOffset, limit);
  }
}

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

/** A server on a free port with one chat of the demo bot holding `messages` visitor messages and their echoes. */
async function longChat(messages: number): Promise<{ sb: Switchboard; store: WatchedStore; base: string; chatId: string; token: string }> {
  const store = new WatchedStore();
  const config = validateConfig({ server: { host: '127.0.0.1', port: 0 }, storage: { kind: 'memory' }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { clock: new FakeClock(), store, logger: pino({ level: 'silent' }) });
  running = sb;
  const base = await sb.listen();
  const v = await newVisitor(sb);
  await init(sb, v);
  for (let i = 0, seq = 2; i < messages; i += 50, seq++) {
    const nouns = Array.from({ length: Math.min(50, messages - i) }, (_, k) => ({ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: `m${i + k + 1}` } }));
    expect((await post(sb, v, 'System/MultiNoun', { nouns }, seq)).statusCode).toBe(200);
  }
  // The bot's echoes too: twice the messages, plus the chat's start.
  for (const end = Date.now() + 20_000; (sb.engine.sessions.get(v.id)?.record.lastOffset ?? 0) <= 2 * messages; await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error('the bot did not answer every message');
  }
  await sb.bots[0]!.idle();
  const login = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: 'supervisor', password: 'supervisor-demo' } });
  return { sb, store, base, chatId: v.id, token: login.json<{ accessToken: string }>().accessToken };
}

describe('the JSON Lines export of a long chat', () => {
  it('reads the store a page at a time, and a store failure midway fails the download', async () => {
    const { store, base, chatId, token } = await longChat(1500);
    const url = `${base}/agent/v1/chats/${chatId}/transcript?format=jsonl`;
    const headers = { Authorization: `Bearer ${token}` };

    store.reads = [];
    const whole = await fetch(url, { headers });
    const lines = (await whole.text()).trim().split('\n');
    expect(lines.length).toBeGreaterThan(3000);
    expect(store.reads.length, 'pages read').toBeGreaterThan(3);
    expect(Math.max(...store.reads), 'the most events asked of the store at once').toBeLessThanOrEqual(TRANSCRIPT_PAGE_MAX);

    store.reads = [];
    store.failAfter = 2;
    const cut = await fetch(url, { headers });
    expect(cut.status, 'the failure comes after the answer started').toBe(200);
    await expect(cut.text(), 'a download cut off, not one that ends short as if whole').rejects.toThrow();
    store.failAfter = Infinity;
  });
});
