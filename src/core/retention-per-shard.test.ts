/**
 * Retention in cluster mode (ADR 0066): a node sweeps its shard's orgs only. The other shard's
 * chats are that shard's to delete, by its own rules: only it knows where its webhooks stand
 * (ADR 0065), so a sweep from here could delete what its receiver has not had yet. (The memory
 * store stands in for the shared database; the conformance suite runs the same scope on SQLite
 * and PostgreSQL.)
 */
import { setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { chatRecord } from '../adapters/chat-store-search-conformance.js';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { SECOND_ORG, twoShardConfig } from '../config/cluster-config.test-support.js';
import { DEMO_IDS } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import { emptyBatch } from '../ports/chat-store.js';
import { toSessionRow } from '../ports/records.js';

const DAY = 24 * 60 * 60 * 1000;
let running: Switchboard[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

async function node(shard: 'a' | 'b', store: MemoryChatStore, clock: FakeClock): Promise<Switchboard> {
  const raw = twoShardConfig('postgres://postgres@127.0.0.1:5432/test', shard) as { settings?: Record<string, unknown> };
  raw.settings = { ...raw.settings, retentionDays: 1 };
  const sb = await createSwitchboard(validateConfig(raw, 'test'), { clock, store, logger: pino({ level: 'silent' }) });
  running.push(sb);
  return sb;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await tick();
}

describe('retention on a cluster node', () => {
  it('deletes its shard\'s old chats and leaves the other shard\'s to it', async () => {
    const store = new MemoryChatStore();
    const clockA = new FakeClock();
    const clockB = new FakeClock();
    const old = clockA.now() - 3 * DAY;
    const ended = (id: string, org: string) => toSessionRow(chatRecord(id, { org, createdAt: old, endedAt: old + 1000, state: 'ended', endReason: 'agent', closed: true }));
    await store.write({ ...emptyBatch(), sessions: [ended('old-of-a', DEMO_IDS.organizationId), ended('old-of-b', SECOND_ORG.organizationId)] });

    await node('a', store, clockA);
    await node('b', store, clockB);
    // The first sweep runs 5 s after start.
    clockA.advance(6_000);
    await settle();
    expect(await store.getSession('old-of-a')).toBeNull();
    expect((await store.getSession('old-of-b'))?.id, 'shard b\'s, not swept from shard a').toBe('old-of-b');
    clockB.advance(6_000);
    await settle();
    expect(await store.getSession('old-of-b')).toBeNull();
  });
});
