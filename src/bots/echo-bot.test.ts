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
import { createSqliteChatStore } from '../adapters/sqlite/sqlite-chat-store.js';
import { DEMO_IDS, demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { init, newVisitor, post, until, type Visitor } from '../core/inject-harness.test-support.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import { DEFAULT_GREETING, type EchoBot } from './echo-bot.js';

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function boot(): Promise<{ sb: Switchboard; bot: EchoBot }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bot-'));
  const config = validateConfig({ server: { dataDir }, settings: { pollHoldSeconds: 25 }, orgs: [structuredClone(demoOrg)] }, 'test');
  const store = createSqliteChatStore({ dataDir, synchronous: 'normal' });
  const sb = await createSwitchboard(config, { clock: new FakeClock(), store, logger: pino({ level: 'silent' }) });
  running = sb;
  return { sb, bot: sb.bots[0]! };
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
    // Real time: the bot's back-off runs on real timers.
    const within = async (what: string, ms: number, cond: () => Promise<boolean>) => {
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) if (await cond()) return;
      throw new Error(`not within ${ms} ms: ${what}`);
    };
    await within('the greeting is written', 5_000, async () => (await agentTexts()).length > 0);
    expect(failures, 'the bot read the transcript through the failing store').toBe(0);
    expect(await agentTexts()).toEqual([DEFAULT_GREETING]);
    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'after the blip' }, 2)).body).toBe('OK');
    await within('the answer is written', 5_000, async () => (await agentTexts()).length > 1);
    await bot.idle();
    expect(await agentTexts()).toEqual([DEFAULT_GREETING, 'after the blip']);
  });
});
