/**
 * The SQLite store keeps checkpoints out of its commits: the writer connection
 * never checkpoints, the background thread does, and the WAL is reused rather
 * than growing without bound. Real SQLite files in a temp dir.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../memory/fake-clock.js';
import type { LogEvent } from '../../ports/records.js';
import { createSqliteChatStore } from './sqlite-chat-store.js';
import type { WalCheckpointer } from './wal-checkpointer.js';

function batchOf(sessionId: string, fromOffset: number, count: number): { sessions: never[]; events: LogEvent[]; buttonStats: never[]; visitorBreadcrumbs: never[] } {
  const events: LogEvent[] = [];
  for (let i = 0; i < count; i++) {
    const offset = fromOffset + i;
    events.push({ sessionId, offset, vseq: offset, type: 'ChatMessage', actor: 'agent', at: offset, data: { text: `message ${offset} ${'x'.repeat(400)}` } });
  }
  return { sessions: [], events, buttonStats: [], visitorBreadcrumbs: [] };
}

describe('SQLite WAL checkpoints', () => {
  it('copies the WAL back into the database from the background thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-wal-'));
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    await store.migrate();
    for (let b = 0; b < 200; b++) await store.write(batchOf('s1', b * 10 + 1, 10));
    const walBytes = statSync(join(dir, 'switchboard.sqlite-wal')).size;
    // 2,000 events of ~450 bytes: the WAL holds them, the database file does not yet.
    expect(walBytes).toBeGreaterThan(500_000);

    const result = (await store.checkpointNow()) as { log: number; checkpointed: number; busy: number };
    expect(result.busy).toBe(0);
    expect(result.log).toBeGreaterThan(0);
    expect(result.checkpointed).toBe(result.log);
    expect(statSync(join(dir, 'switchboard.sqlite')).size).toBeGreaterThan(500_000);

    // The next commits reuse the WAL from its start instead of growing it.
    for (let b = 200; b < 220; b++) await store.write(batchOf('s1', b * 10 + 1, 10));
    expect(statSync(join(dir, 'switchboard.sqlite-wal')).size).toBeLessThanOrEqual(walBytes);
    expect(await store.readEvents('s1', 2195, 100)).toHaveLength(5);
    await store.close();

    // Everything is in the file a fresh connection opens.
    const check = new Sqlite(join(dir, 'switchboard.sqlite'), { readonly: true });
    expect((check.prepare('select count(*) as n from events').get() as { n: number }).n).toBe(2200);
    check.close();
  });

  it('never checkpoints inside a commit on the writer connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-wal-'));
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    await store.migrate();
    // Well past SQLite's default 1,000-page automatic checkpoint: without the
    // background thread (stopped here by closing it first) the WAL only grows.
    await (store as unknown as { checkpointer: { stop(): Promise<unknown> } }).checkpointer.stop();
    const before = statSync(join(dir, 'switchboard.sqlite')).size;
    for (let b = 0; b < 150; b++) await store.write(batchOf('s2', b * 100 + 1, 100));
    expect(statSync(join(dir, 'switchboard.sqlite-wal')).size).toBeGreaterThan(4096 * 1000);
    expect(statSync(join(dir, 'switchboard.sqlite')).size).toBe(before);
    await store.close();
  });

  it('replaces a checkpointer thread that died, and close() settles whether one runs or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-wal-'));
    const clock = new FakeClock();
    const logged: { obj: object; msg: string }[] = [];
    const logger = { info: () => undefined, warn: (obj: object, msg: string) => logged.push({ obj, msg }), error: (obj: object, msg: string) => logged.push({ obj, msg }) };
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal', logger, clock });
    await store.migrate();
    const checkpointer = (store as unknown as { checkpointer: WalCheckpointer }).checkpointer;
    // A crash of the thread, as a native fault or an out-of-memory in it would end it.
    await checkpointer.thread!.terminate();
    expect(logged.map((l) => l.msg)).toEqual([expect.stringMatching(/exited unexpectedly/)]);

    const before = statSync(join(dir, 'switchboard.sqlite')).size;
    for (let b = 0; b < 200; b++) await store.write(batchOf('s3', b * 10 + 1, 10));
    expect(statSync(join(dir, 'switchboard.sqlite')).size).toBe(before);

    // After the back-off a new thread runs, and its periodic checkpoints copy the WAL back.
    clock.advance(1_000);
    expect(checkpointer.restarts).toBe(1);
    for (let i = 0; i < 100 && statSync(join(dir, 'switchboard.sqlite')).size < 500_000; i++) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(join(dir, 'switchboard.sqlite')).size).toBeGreaterThan(500_000);

    expect(store.checkpointsStopped()).toBe(false);
    // Crashing again and again: after eight restarts in a row no new thread is started, and the
    // store says so (the node's /readyz answers 503 'WAL checkpoints stopped').
    const exits = () => logged.filter((l) => /exited/.test(l.msg)).length;
    const crash = async () => {
      for (let w = 0; w < 100 && !checkpointer.thread; w++) await new Promise((r) => setTimeout(r, 20));
      const before = exits();
      await checkpointer.thread!.terminate();
      // The exit is handled (and the restart scheduled) on the worker's 'exit' event.
      for (let w = 0; w < 100 && exits() === before; w++) await new Promise((r) => setTimeout(r, 10));
    };
    for (let i = 0; i < 7; i++) {
      await crash();
      clock.advance(60_000);
    }
    expect(checkpointer.restarts).toBe(8);
    await crash();
    expect(store.checkpointsStopped()).toBe(true);
    clock.advance(60_000);
    expect(checkpointer.restarts).toBe(8);
    expect(logged.map((l) => l.msg)).toContain('WAL checkpointer thread exited again: no more restarts, the WAL now grows until the server restarts');
    await expect(settlesWithin(store.close(), 2_000)).resolves.toBe('settled');
  });

  it('close() settles when the thread dies just before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-wal-'));
    const clock = new FakeClock();
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal', clock });
    await store.migrate();
    const checkpointer = (store as unknown as { checkpointer: WalCheckpointer }).checkpointer;
    // The replacement dies too: close() (SIGTERM) settles before any new one starts.
    await checkpointer.thread!.terminate();
    await expect(settlesWithin(store.close(), 2_000)).resolves.toBe('settled');
    clock.advance(60_000);
    expect(checkpointer.restarts).toBe(0);
  });
});

/** 'settled' once `p` settles, 'timed out' after `ms` (a hung shutdown fails the test instead of the suite). */
function settlesWithin(p: Promise<unknown>, ms: number): Promise<'settled' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => { timer = setTimeout(() => resolve('timed out'), ms); });
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), timeout]).finally(() => clearTimeout(timer));
}
