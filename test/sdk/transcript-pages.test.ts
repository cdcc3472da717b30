/**
 * AgentClient's transcript reads of a chat longer than a page: one page
 * (transcriptPage), every page in turn (transcriptPages), and the whole
 * transcript joined from its pages (transcript), on the demo deployment with a
 * chat the demo bot answered.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, type ChatEventWire, type TranscriptPage } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { Visitor } from '../protocol/visitor.js';

const server = useServer({}, { withConfig: false });

describe('AgentClient: transcripts longer than a page', () => {
  it('reads one page, every page in turn, or all of it joined: each event once, in order', async () => {
    const v = new Visitor(server);
    await v.start();
    for (let i = 1; i <= 700; i += 50) {
      const nouns = Array.from({ length: 50 }, (_, k) => ({ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: `m${i + k}` } }));
      expect((await v.post('System/MultiNoun', { nouns })).status).toBe(200);
    }
    const supervisor = new AgentClient({ baseUrl: server.baseUrl, WebSocket });
    await supervisor.login('supervisor', 'supervisor-demo');
    const chats = await supervisor.chats();
    expect(chats).toHaveLength(1);
    const chatId = chats[0]!.chatId;
    const echoes = (events: ChatEventWire[]) => events.filter((e) => e.type === 'ChatMessage').map((e) => String(e.data['text']));
    let all = await supervisor.transcript(chatId);
    for (const end = Date.now() + 30_000; echoes(all.events).length < 701; all = await supervisor.transcript(chatId)) {
      if (Date.now() > end) throw new Error(`the bot echoed ${echoes(all.events).length - 1} of 700`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // All of it: more than any one page, each event once, in order.
    const events = all.events;
    expect(events.length).toBeGreaterThan(1000);
    expect(all.hasMore).toBe(false);
    expect(all.nextAfter).toBe(events.at(-1)!.offset);
    expect(echoes(events).slice(1)).toEqual(Array.from({ length: 700 }, (_, i) => `m${i + 1}`));
    const offsets = events.map((e) => e.offset);
    expect(offsets).toEqual([...new Set(offsets)].sort((a, b) => a - b));

    // One page.
    const first = await supervisor.transcriptPage(chatId, { limit: 100 });
    expect(first.events).toEqual(events.slice(0, 100));
    expect(first).toMatchObject({ hasMore: true, nextAfter: events[99]!.offset });
    expect((await supervisor.transcriptPage(chatId)).events, 'the server default').toHaveLength(500);
    expect((await supervisor.transcriptPage(chatId, { after: events[1000]!.offset, limit: 3 })).events).toEqual(events.slice(1001, 1004));

    // Page by page.
    const pages: TranscriptPage[] = [];
    for await (const page of supervisor.transcriptPages(chatId, { limit: 400 })) pages.push(page);
    expect(pages.map((p) => p.hasMore)).toEqual([...pages.slice(1).map(() => true), false]);
    expect(pages.flatMap((p) => p.events)).toEqual(events);
    // From an offset on.
    expect((await supervisor.transcript(chatId, events[1200]!.offset)).events).toEqual(events.slice(1201));

    // A limit the server refuses rejects with its 400.
    const refused = await supervisor.transcriptPage(chatId, { limit: 1001 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SwitchboardHttpError);
    expect((refused as SwitchboardHttpError).status).toBe(400);
    await v.end();
    await supervisor.logout();
  });
});
