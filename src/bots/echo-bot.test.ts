/**
 * The demo bot keeps per-chat state only while it holds the chat: a chat that
 * leaves it without ending there (a supervisor's takeover or reassign, the
 * agent disconnected) is forgotten, or every such chat would stay in its map for
 * the life of the process. A whole Switchboard on a real SQLite file, driven
 * through inject().
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { createSqliteChatStore } from '../adapters/sqlite/sqlite-chat-store.js';
import { DEMO_IDS, demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { init, newVisitor, post, until, type Visitor } from '../core/inject-harness.test-support.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import type { ChatStore } from '../ports/chat-store.js';
import { TRANSCRIPT_PAGE_MAX } from '../protocol/agent-api-types.js';
import { DEFAULT_GREETING, fileAcknowledgement, type EchoBot } from './echo-bot.js';

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function boot(dataDir = mkdtempSync(join(tmpdir(), 'sb-bot-')), store: ChatStore = createSqliteChatStore({ dataDir, synchronous: 'normal' }), logger = pino({ level: 'silent' })): Promise<{ sb: Switchboard; bot: EchoBot; dataDir: string }> {
  const config = validateConfig({ server: { dataDir }, settings: { pollHoldSeconds: 25 }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { clock: new FakeClock(), store, logger });
  running = sb;
  return { sb, bot: sb.bots[0]!, dataDir };
}

/** Resolves once `cond()` holds, on real time (the bot's requests and back-offs run on real timers). */
async function within(what: string, ms: number, cond: () => boolean | Promise<boolean>): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) if (await cond()) return;
  throw new Error(`not within ${ms} ms: ${what}`);
}

/** The visitor sends `m<from>`…`m<from + n - 1>`, 50 to a MultiNoun, from X-LIVEAGENT-SEQUENCE `seq` on; returns the next sequence. */
async function sayMany(sb: Switchboard, v: Visitor, from: number, n: number, seq: number): Promise<number> {
  for (let i = from; i < from + n; i += 50, seq++) {
    const nouns = [];
    for (let k = i; k < Math.min(i + 50, from + n); k++) nouns.push({ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: `m${k}` } });
    expect((await post(sb, v, 'System/MultiNoun', { nouns }, seq)).body).toBe('OK');
  }
  return seq;
}

/** A SQLite store that records each event read (after, limit) of one session; `unwatched` reads without being recorded. */
function watchedStore(dataDir: string, reads: [number, number][], sessionId: string): { store: ChatStore; unwatched: ChatStore['readEvents'] } {
  const store = createSqliteChatStore({ dataDir, synchronous: 'normal' });
  const unwatched = store.readEvents.bind(store);
  store.readEvents = (id, after, limit) => {
    if (id === sessionId) reads.push([after, limit]);
    return unwatched(id, after, limit);
  };
  return { store, unwatched };
}

async function supervisorToken(sb: Switchboard): Promise<string> {
  const res = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: 'supervisor', password: 'supervisor-demo' } });
  expect(res.statusCode).toBe(200);
  return res.json<{ accessToken: string }>().accessToken;
}

/** A visitor whose chat the bot accepted and greeted. */
async function chatWithBot(sb: Switchboard, bot: EchoBot): Promise<Visitor> {
  const v = await newVisitor(sb);
  await init(sb, v);
  await until('the bot holds the chat', () => sb.engine.sessions.get(v.id)?.record.chatState === 'established');
  await bot.idle();
  return v;
}

describe('EchoBot', () => {
  it('forgets a chat a supervisor took over, reassigned, or that went back to the queue', async () => {
    const { sb, bot } = await boot();
    const token = await supervisorToken(sb);
    const as = (method: 'POST' | 'PUT', url: string, payload?: object) => sb.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    expect((await as('PUT', '/agent/v1/presence', { status: 'online' })).statusCode).toBe(200);

    const taken = await chatWithBot(sb, bot);
    expect(bot.trackedChats).toBe(1);
    expect((await as('POST', `/agent/v1/chats/${taken.id}/takeover`)).statusCode).toBe(200);
    await until('the bot forgets the chat taken over', () => bot.trackedChats === 0);

    const reassigned = await chatWithBot(sb, bot);
    expect(bot.trackedChats).toBe(1);
    expect((await as('POST', `/agent/v1/chats/${reassigned.id}/reassign`, { agentId: DEMO_IDS.supervisorId })).statusCode).toBe(200);
    await until('the bot forgets the reassigned chat', () => bot.trackedChats === 0);

    const requeued = await chatWithBot(sb, bot);
    expect(bot.trackedChats).toBe(1);
    sb.engine.agentActions.agentDisconnected(bot.agentId);
    await until('the bot forgets the chat it was disconnected from', () => bot.trackedChats === 0);
    expect(sb.engine.sessions.get(requeued.id)?.record.chatState).not.toBe('established');
  });

  it('forgets every chat when the emulator\'s reset drops them (its resync lists none), and serves new ones', async () => {
    const admin = { id: '005000000000009', name: 'Root', username: 'root', password: 'plain:root-pw', role: 'admin' as const, skills: [], capacity: 0 };
    const org = structuredClone(demoOrg);
    org.agents.push(admin);
    const config = validateConfig({ server: { emulator: true }, storage: { kind: 'memory' }, settings: { pollHoldSeconds: 25 }, orgs: [org] }, 'test');
    const sb = await createSwitchboard(config, { clock: new FakeClock(), store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
    running = sb;
    const bot = sb.bots[0]!;
    await chatWithBot(sb, bot);
    await chatWithBot(sb, bot);
    expect(bot.trackedChats).toBe(2);
    const login = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: 'root', password: 'root-pw' } });
    const reset = await sb.app.inject({ method: 'POST', url: '/emulator/v1/reset', headers: { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` } });
    expect(reset.json()).toEqual({ sessions: 2, chats: 2 });
    await until('the bot forgets the chats the reset dropped', () => bot.trackedChats === 0);
    await chatWithBot(sb, bot);
    expect(bot.trackedChats).toBe(1);
  });

  it('tries a request the server failed (a store read lost to a database blip) again: the chat is still greeted and answered', async () => {
    const { sb, bot } = await boot();
    const real = sb.store.readEvents.bind(sb.store);
    let failures = 2;
    sb.store.readEvents = (...args) => {
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(new Error('Connection terminated unexpectedly'));
      }
      return real(...args);
    };
    const v = await newVisitor(sb);
    await init(sb, v);
    const agentTexts = async () => (await real(v.id, 0, 1000)).filter((e) => e.type === 'ChatMessage').map((e) => (e.data as { text?: string }).text);
    await within('the greeting is written', 5_000, async () => (await agentTexts()).length > 0);
    expect(failures, 'the bot read the transcript through the failing store').toBe(0);
    expect(await agentTexts()).toEqual([DEFAULT_GREETING]);
    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'after the blip' }, 2)).body).toBe('OK');
    await within('the answer is written', 5_000, async () => (await agentTexts()).length > 1);
    await bot.idle();
    expect(await agentTexts()).toEqual([DEFAULT_GREETING, 'after the blip']);
  });

  it('stops before the server closes: nothing sent to the closed server, and what it still owed is answered after a restart, once, in order', async () => {
    const lines: string[] = [];
    const first = await boot(undefined, undefined, pino({ level: 'debug' }, { write: (line: string) => { lines.push(line); } }));
    const v = await chatWithBot(first.sb, first.bot);
    await sayMany(first.sb, v, 1, 300, 2);
    // The bot is still answering (a message costs it a request): the server stops meanwhile.
    expect(first.sb.engine.sessions.get(v.id)!.record.lastOffset).toBeGreaterThan(300);
    await first.sb.stop();
    running = null;
    const warnings = lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
    expect(warnings).toEqual([]);
    expect(lines.filter((l) => l.includes('already been closed'))).toEqual([]);
    const dropped = lines.filter((l) => l.includes('demo bot stopped'));
    expect(dropped.length, 'one debug line for the work left to the restart').toBeLessThanOrEqual(1);

    const second = await boot(first.dataDir);
    const agentTexts = async () => (await second.sb.store.readEvents(v.id, 0, 10_000)).filter((e) => e.type === 'ChatMessage').map((e) => String(e.data.text));
    await within('the bot answered all 300 after the restart', 20_000, async () => (await agentTexts()).length >= 301);
    await second.bot.idle();
    expect(await agentTexts()).toEqual([DEFAULT_GREETING, ...Array.from({ length: 300 }, (_, i) => `m${i + 1}`)]);
  });

  it('acknowledges a file uploaded while it was gone (durable, never answered) once after a restart, and not again after another', async () => {
    const first = await boot();
    const v = await chatWithBot(first.sb, first.bot);
    const s = first.sb.engine.sessions.get(v.id)!;
    const { fileToken } = first.sb.engine.files.request(DEMO_IDS.botAgentId, v.id, 'http://127.0.0.1');
    await first.sb.engine.queue.commit();
    // As after kill -9 between the upload's commit and the bot's answer: the bot is told nothing.
    await first.bot.stop();
    const url = `/chat/file-transfer?${new URLSearchParams({ chatKey: v.key, fileToken, filename: 'receipt.png' }).toString()}`;
    const up = await first.sb.app.inject({ method: 'POST', url, headers: { 'content-type': 'image/png' }, payload: Buffer.alloc(1234, 7) });
    expect(up.statusCode, up.body).toBe(200);
    expect(s.record.lastOffset).toBeGreaterThan(0);
    await first.sb.stop();
    running = null;

    const acks = async (sb: Switchboard) => (await sb.store.readEvents(v.id, 0, 10_000)).filter((e) => e.type === 'ChatMessage' && String(e.data.text) === fileAcknowledgement({ name: 'receipt.png', size: 1234 }));
    const second = await boot(first.dataDir);
    await within('the bot acknowledged the file after the restart', 20_000, async () => (await acks(second.sb)).length >= 1);
    await second.bot.idle();
    expect(await acks(second.sb)).toHaveLength(1);
    await second.sb.stop();
    running = null;
    const third = await boot(first.dataDir);
    await third.bot.idle();
    await new Promise<void>((resolve) => setTimeout(resolve, 200));
    await third.bot.idle();
    expect(await acks(third.sb)).toHaveLength(1);
  });

  it('after a restart, catches up on a chat longer than a transcript page: each message echoed once, in order, the greeting not repeated', async () => {
    const first = await boot();
    const v = await newVisitor(first.sb);
    await init(first.sb, v);
    // The test's own reads of what the bot sent, not recorded as the bot's.
    let read: ChatStore['readEvents'] = first.sb.store.readEvents.bind(first.sb.store);
    const agentTexts = async () => {
      const texts: string[] = [];
      for (let after = 0; ;) {
        const page = await read(v.id, after, 1000);
        for (const e of page) if (e.type === 'ChatMessage') texts.push(String(e.data.text));
        if (page.length < 1000) return texts;
        after = page[page.length - 1]!.offset;
      }
    };
    const expected = (n: number) => [DEFAULT_GREETING, ...Array.from({ length: n }, (_, i) => `m${i + 1}`)];
    // Answered before the restart: more than a page of the transcript.
    let seq = await sayMany(first.sb, v, 1, 400, 2);
    await within('the bot answered 400 messages', 20_000, async () => (await agentTexts()).length === 401);
    // The bot goes (as in a crash: nothing of it is told); the visitor goes on talking.
    await first.bot.stop();
    seq = await sayMany(first.sb, v, 401, 300, seq);
    await first.sb.stop();
    running = null;

    const reads: [number, number][] = [];
    const watched = watchedStore(first.dataDir, reads, v.id);
    read = watched.unwatched;
    const second = await boot(first.dataDir, watched.store);
    await within('the bot answered the 300 messages sent while it was away', 30_000, async () => (await agentTexts()).length >= 701);
    await second.bot.idle();
    expect(await agentTexts()).toEqual(expected(700));
    const lastOffset = second.sb.engine.sessions.get(v.id)!.record.lastOffset;
    expect(lastOffset, 'a chat longer than a page').toBeGreaterThan(TRANSCRIPT_PAGE_MAX);
    expect(Math.max(...reads.map(([, limit]) => limit)), 'events read at once').toBeLessThanOrEqual(TRANSCRIPT_PAGE_MAX + 1);

    // Its stream is cut and it catches up again: it reads on from where it had read, not from the start.
    reads.length = 0;
    second.sb.hub.disconnectUser(second.bot.agentId);
    await post(second.sb, v, 'Chasitor/ChatMessage', { text: 'm701' }, seq);
    await within('the bot answered after its stream came back', 10_000, async () => (await agentTexts()).length === 702);
    await second.bot.idle();
    expect(await agentTexts()).toEqual(expected(701));
    expect(reads.length, 'the catch-up read the transcript').toBeGreaterThan(0);
    // At the latest, after the last message it had read before (what followed were its own replies).
    const readBefore = (await watched.unwatched(v.id, 0, lastOffset)).find((e) => e.type === 'ChasitorChatMessage' && e.data.text === 'm700')!.offset;
    expect(Math.min(...reads.map(([after]) => after)), 'where the catch-up started reading').toBeGreaterThanOrEqual(readBefore);
  });
});
