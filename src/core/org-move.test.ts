/**
 * Moving an org to another shard (ADR 0066): the file is edited and the nodes restarted. The
 * org's open chats go with it, though another node's affinity token made them: the new shard
 * recovers them, its visitors carry on with the token they hold, and the demo bot answers there.
 * (The memory store stands in for the shared database; the real database's locks are
 * test/protocol/org-shards-postgres.test.ts's.)
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { SECOND_ORG, twoShardConfig } from '../config/cluster-config.test-support.js';
import { demoOrg } from '../config/demo-deployment.js';
import { DEFAULT_GREETING } from '../bots/echo-bot.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import { newVisitor, post, take, until } from './inject-harness.test-support.js';

const PG = 'postgres://postgres@127.0.0.1:5432/test';

let running: Switchboard[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

async function start(raw: Record<string, unknown>, store: MemoryChatStore): Promise<Switchboard> {
  const sb = await createSwitchboard(validateConfig(raw, 'test'), { clock: new FakeClock(), store, logger: pino({ level: 'silent' }) });
  running.push(sb);
  return sb;
}

describe('an org moved to another shard', () => {
  it('brings its open chat along: the new shard recovers it, the visitor carries on, and the bot answers there', async () => {
    const store = new MemoryChatStore();
    const b = await start(twoShardConfig(PG, 'b'), store);
    const v = await newVisitor(b);
    const init = await post(b, v, 'Chasitor/ChasitorInit', {
      organizationId: SECOND_ORG.organizationId, deploymentId: SECOND_ORG.deploymentId, buttonId: SECOND_ORG.botButtonId, sessionId: v.id, visitorName: 'Bea',
    }, 1);
    expect(init.statusCode).toBe(200);
    await until('the bot to take the chat', () => b.engine.sessions.get(v.id)?.record.chatState === 'established');
    await b.bots[0]!.idle();
    await take(b, v);
    await b.stop();
    running = running.filter((s) => s !== b);

    // Org 2 moves to shard a; shard b is gone from the file.
    const moved = twoShardConfig(PG, 'a') as { cluster: { shards: { id: string; orgs: string[] }[] } };
    moved.cluster.shards = [{ id: 'a', orgs: [demoOrg.id, SECOND_ORG.organizationId] }];
    const a = await start(moved, store);
    expect(a.engine.sessions.get(v.id)?.record.chatState).toBe('established');
    // The chat keeps its affinity token (the session's own, checked against the session, not the node): no resync needed.
    const here = v;
    // What shard b had not delivered yet is delivered here, once.
    const first = await take(a, here);
    expect(first.messages.map((m) => m.type)).toContain('ChatEstablished');
    let texts = first.messages.filter((m) => m.type === 'ChatMessage').map((m) => String((m.message as { text?: unknown }).text));
    expect((await post(a, here, 'Chasitor/ChatMessage', { text: 'still there?' }, 2)).statusCode).toBe(200);
    await until('the bot to answer on the new shard', () => (a.engine.sessions.get(v.id)?.record.lastOffset ?? 0) > 0 && a.bots.some((bot) => bot.agentId === SECOND_ORG.botAgentId));
    const bot = a.bots.find((x) => x.agentId === SECOND_ORG.botAgentId)!;
    for (let i = 0; i < 50 && !texts.includes('still there?'); i++) {
      await bot.idle();
      const payload = await take(a, here);
      texts = [...texts, ...payload.messages.filter((m) => m.type === 'ChatMessage').map((m) => String((m.message as { text?: unknown }).text))];
    }
    expect(texts).toEqual([DEFAULT_GREETING, 'still there?']);
  });
});
