/**
 * The JSON Lines export streams a long chat from the store a page at a time: the
 * store is never asked for more than a page at once, and a store that fails
 * midway cuts the download off (the client sees it fail) rather than ending it
 * short as if it were the whole chat. A real server on 127.0.0.1, real fetch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { listeningBotChat } from '../../core/inject-harness.test-support.js';
import type { Switchboard } from '../../main.js';
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
  const { sb, base, v, token } = await listeningBotChat(store, messages, (n) => `m${n}`);
  running = sb;
  return { sb, store, base, chatId: v.id, token };
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
