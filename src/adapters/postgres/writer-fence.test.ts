/**
 * The writer epoch (ADR 0048) against the real server: once another node has
 * claimed the store, every kind of write of the old one is refused with
 * WriterFencedError (told once), and the claim itself waits for a write
 * transaction of the old node that is under way, so none lands after it.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { WriterFencedError, emptyBatch } from '../../ports/chat-store.js';
import { toSessionRow } from '../../ports/records.js';
import { logEvent, sessionRecord } from '../chat-store-conformance.js';
import { createPostgresChatStore } from './postgres-chat-store.js';
import { PG_TEST_URL } from './scratch-database.test-support.js';

const schema = `sb_fence_${process.pid}_${Date.now() % 100000}`;

afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
});

function batchOf(sessionId: string, offset: number) {
  const b = emptyBatch();
  b.sessions.push(toSessionRow(sessionRecord(sessionId)));
  b.events.push(logEvent(sessionId, offset, offset));
  return b;
}

describe('PostgreSQL store: the writer epoch', () => {
  it('is a cluster shard\'s own (ADR 0066): a claim fences that shard\'s old writer only', async () => {
    const oldA = await createPostgresChatStore({ url: PG_TEST_URL, schema, poolSize: 2 });
    const b = await createPostgresChatStore({ url: PG_TEST_URL, schema, poolSize: 2 });
    const newA = await createPostgresChatStore({ url: PG_TEST_URL, schema, poolSize: 2 });
    try {
      await oldA.migrate();
      let toldA = 0;
      let toldB = 0;
      await oldA.claimWriter(() => { toldA++; }, 'writer_epoch:shard:a');
      const epochB = await b.claimWriter(() => { toldB++; }, 'writer_epoch:shard:b');
      await oldA.write(batchOf('shard-a-1', 1));
      await b.write(batchOf('shard-b-1', 1));
      await newA.claimWriter(() => undefined, 'writer_epoch:shard:a');
      await expect(oldA.write(batchOf('shard-a-1', 2))).rejects.toBeInstanceOf(WriterFencedError);
      await b.write(batchOf('shard-b-1', 2));
      await newA.write(batchOf('shard-a-1', 2));
      expect([toldA, toldB]).toEqual([1, 0]);
      expect(await b.getMeta('writer_epoch:shard:b')).toBe(String(epochB));
      expect((await b.readEvents('shard-b-1', 0, 10)).map((e) => e.offset)).toEqual([1, 2]);
    } finally {
      await oldA.close();
      await b.close();
      await newA.close();
    }
  });

  it('refuses every write of a node whose store another node claimed, and tells it once', async () => {
    const old = await createPostgresChatStore({ url: PG_TEST_URL, schema, poolSize: 2 });
    const taker = await createPostgresChatStore({ url: PG_TEST_URL, schema, poolSize: 2 });
    try {
      await old.migrate();
      let told = 0;
      const first = await old.claimWriter(() => { told++; });
      await old.write(batchOf('s1', 1));
      await old.setMeta('k', 'old');
      expect(await taker.claimWriter(() => undefined)).toBe(first + 1);
      const writes: [string, () => Promise<unknown>][] = [
        ['write', () => old.write(batchOf('s1', 2))],
        ['setMeta', () => old.setMeta('k', 'old again')],
        ['putDocument', () => old.putDocument('users', 'u1', { a: 1 })],
        ['deleteDocument', () => old.deleteDocument('users', 'u1')],
        ['claimDocument', () => old.claimDocument('users', 'u2', { a: 1 })],
        ['deleteBreadcrumbs', () => old.deleteBreadcrumbs('org', 'v', true)],
        ['purgeClosedBefore', () => old.purgeClosedBefore(Date.now(), 10)],
        ['deleteClosedSessions', () => old.deleteClosedSessions(['s1'])],
      ];
      for (const [name, write] of writes) await expect(write(), name).rejects.toBeInstanceOf(WriterFencedError);
      expect(told).toBe(1);
      // Nothing of them landed; the new writer writes.
      expect(await old.getMeta('k')).toBe('old');
      expect((await old.readEvents('s1', 0, 10)).map((e) => e.offset)).toEqual([1]);
      await taker.write(batchOf('s1', 2));
      expect((await taker.readEvents('s1', 0, 10)).map((e) => e.offset)).toEqual([1, 2]);
    } finally {
      await old.close();
      await taker.close();
    }
  });

  it('a claim waits for a write under way of the old writer, which then lands before it', async () => {
    const store = await createPostgresChatStore({ url: PG_TEST_URL, schema, poolSize: 2 });
    const taker = await createPostgresChatStore({ url: PG_TEST_URL, schema, poolSize: 2 });
    const old = new pg.Client({ connectionString: PG_TEST_URL, options: `-c search_path=${schema}` });
    await old.connect();
    try {
      await store.migrate();
      await store.claimWriter(() => undefined);
      // The old writer's transaction as KyselyChatStore begins it: the epoch row, share-locked.
      await old.query('begin');
      expect((await old.query("select value from meta where key = 'writer_epoch' for share")).rows).toHaveLength(1);
      let claimed = false;
      const claim = taker.claimWriter(() => undefined).then((epoch) => { claimed = true; return epoch; });
      await new Promise((r) => setTimeout(r, 300));
      expect(claimed).toBe(false);
      await old.query("insert into meta (key, value) values ('in-flight', 'landed')");
      await old.query('commit');
      await claim;
      expect(await taker.getMeta('in-flight')).toBe('landed');
    } finally {
      await old.end();
      await store.close();
      await taker.close();
    }
  });
});
