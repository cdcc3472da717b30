/**
 * One node per PostgreSQL schema (ADR 0017), against the real server: a second
 * node's lock waits and gives up; a lock whose connection the server ends is
 * taken again; and if another node took it meanwhile, the first is told to stop.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { StoreInUseError } from '../../ports/node-lock.js';
import { PostgresNodeLock } from './postgres-node-lock.js';

const PG_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const unique = () => `lock_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

async function endBackends(applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    const res = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName]);
    return res.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 250 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

describe('PostgreSQL node lock', () => {
  it('a second node on the same schema gives up after its wait, and gets the lock once the first lets go', async () => {
    const schema = unique();
    const first = new PostgresNodeLock(PG_URL, schema);
    const second = new PostgresNodeLock(PG_URL, schema);
    await first.acquire(0);
    try {
      await expect(second.acquire(300)).rejects.toBeInstanceOf(StoreInUseError);
      // Another schema is another store.
      const elsewhere = new PostgresNodeLock(PG_URL, unique());
      await elsewhere.acquire(0);
      await elsewhere.release();
      const waiting = second.acquire(5_000);
      setTimeout(() => void first.release(), 300);
      await waiting;
      expect(second.held).toBe(true);
    } finally {
      await first.release();
      await second.release();
    }
  });

  it('a lock whose connection the server ended is taken again', async () => {
    const app = unique();
    const events: string[] = [];
    const lock = new PostgresNodeLock(PG_URL, unique(), {
      onLost: () => events.push('lost'), onRegained: () => events.push('regained'), onTakenOver: () => events.push('taken over'),
    }, app);
    await lock.acquire(0);
    try {
      expect(await endBackends(app)).toBe(1);
      await until(() => events.includes('regained'), 'the lock to be taken again');
      expect(events).toEqual(['lost', 'regained']);
      expect(lock.held).toBe(true);
    } finally {
      await lock.release();
    }
  });

  it('if another node takes the lock while it was lost, the first is told to stop', async () => {
    const app = unique();
    const schema = unique();
    const events: string[] = [];
    const first = new PostgresNodeLock(PG_URL, schema, {
      onLost: () => events.push('lost'), onRegained: () => events.push('regained'), onTakenOver: () => events.push('taken over'),
    }, app, 1_000);
    const second = new PostgresNodeLock(PG_URL, schema);
    await first.acquire(0);
    try {
      expect(await endBackends(app)).toBe(1);
      await until(() => events.includes('lost'), 'the loss');
      await second.acquire(900);
      await until(() => events.includes('taken over'), 'the first node to be told');
      expect(events).toEqual(['lost', 'taken over']);
      expect(first.held).toBe(false);
    } finally {
      await first.release();
      await second.release();
    }
  });
});
