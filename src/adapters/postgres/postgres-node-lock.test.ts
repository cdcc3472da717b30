/**
 * One node per PostgreSQL schema (ADR 0017), against the real server: a second
 * node's lock waits and gives up; a lock whose connection the server ends is
 * taken again; and if another node took it meanwhile, the first is told to stop.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { LockWaitAbortedError, StoreInUseError } from '../../ports/node-lock.js';
import { PostgresNodeLock, shardMapText } from './postgres-node-lock.js';

const PG_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const unique = () => `lock_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

async function backends(applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    return (await admin.query('select 1 from pg_stat_activity where application_name = $1', [applicationName])).rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

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

/**
 * A TCP proxy to the PostgreSQL of PG_URL, on a free port: `cut()` ends every connection and
 * refuses new ones (the database out of reach), `restore()` forwards again. `url` goes through it.
 */
async function cuttableDatabase(): Promise<{ url: string; cut(): void; restore(): void; stop(): Promise<void> }> {
  const target = new URL(PG_URL);
  const sockets = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(PG_URL);
  url.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: url.toString(),
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
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

  it('cluster shards (ADR 0066): shards of one database lock side by side, a shard has one holder, and a node without a cluster never runs beside them', async () => {
    const schema = unique();
    const a = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['a']);
    const b = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['b']);
    const secondA = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['a']);
    const single = new PostgresNodeLock(PG_URL, schema);
    try {
      await a.acquire(0);
      await b.acquire(0);
      await expect(secondA.acquire(300)).rejects.toThrow(/shard a of schema/);
      await expect(single.acquire(300)).rejects.toBeInstanceOf(StoreInUseError);
      await a.release();
      // Shard a is free, b still runs: the database stays the cluster's.
      await expect(single.acquire(300)).rejects.toBeInstanceOf(StoreInUseError);
      await secondA.acquire(0);
      await secondA.release();
      await b.release();
      await single.acquire(0);
      // A shard node waiting meanwhile holds nothing (its shared lock goes back each try).
      const late = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['c']);
      await expect(late.acquire(300)).rejects.toBeInstanceOf(StoreInUseError);
      await single.release();
      await late.acquire(0);
      await late.release();
    } finally {
      for (const l of [a, b, secondA, single]) await l.release();
    }
  });

  it('a node for any shard takes the first free one, in order, and waits while every shard is held (ADR 0066)', async () => {
    const schema = unique();
    const b = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['b']);
    const any1 = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['a', 'b', 'c']);
    const any2 = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['a', 'b', 'c']);
    const any3 = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['a', 'b', 'c']);
    try {
      expect(any1.shard).toBeNull();
      await b.acquire(0);
      await any1.acquire(0);
      await any2.acquire(0);
      expect([any1.shard, any2.shard]).toEqual(['a', 'c']);
      await expect(any3.acquire(300)).rejects.toThrow(/any of shards a, b, c of schema/);
      const waiting = any3.acquire(5_000);
      setTimeout(() => void b.release(), 300);
      await waiting;
      expect(any3.shard).toBe('b');
    } finally {
      for (const l of [b, any1, any2, any3]) await l.release();
    }
  });

  it('a shard is not taken while another shard\'s node runs another shard map: an org that moved is never served twice (ADR 0066, note "one shard map")', async () => {
    const schema = unique();
    const v1 = shardMapText([{ id: 'a', orgs: ['o1'] }, { id: 'b', orgs: ['o3', 'o2'] }]);
    const v2 = shardMapText([{ id: 'b', orgs: ['o2'] }, { id: 'a', orgs: ['o1', 'o3'] }]);
    expect(shardMapText([{ id: 'b', orgs: ['o2', 'o3'] }, { id: 'a', orgs: ['o1'] }]), 'the order in the file does not matter').toBe(v1);
    const node = (shard: string, map: string) => new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, [shard], map);
    const b1 = node('b', v1);
    const a2 = node('a', v2);
    const a1 = node('a', v1);
    const b2 = node('b', v2);
    try {
      await b1.acquire(0);
      // Org o3 moves to shard a: shard a's node restarted first with the new file waits for shard b's.
      await expect(a2.acquire(400)).rejects.toThrow("shard b's node runs another shard map (a: o1; b: o2, o3; this node's: a: o1, o3; b: o2)");
      expect(a2.held).toBe(false);
      // A node with the running map is admitted.
      await a1.acquire(0);
      await a1.release();
      // Both on the new file, in either order: shard a's node waits until shard b's runs it too.
      const waiting = a2.acquire(10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(a2.held).toBe(false);
      await b1.release();
      await b2.acquire(5_000);
      await waiting;
      expect([a2.shard, b2.shard]).toEqual(['a', 'b']);
    } finally {
      for (const l of [b1, a2, a1, b2]) await l.release();
    }
  });

  it('a spare leaves a shard to the shard\'s own node that waits for it (a rolling restart), and takes it once that node stops asking', async () => {
    const schema = unique();
    const map = shardMapText([{ id: 'a', orgs: ['o1'] }, { id: 'b', orgs: ['o2'] }]);
    const oldA = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['a'], map);
    const newA = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['a'], map);
    const b = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['b'], map);
    const spare = new PostgresNodeLock(PG_URL, schema, {}, undefined, undefined, ['a', 'b'], map);
    try {
      await oldA.acquire(0);
      await b.acquire(0);
      const spareWaits = spare.acquire(20_000);
      // The new process starts first and waits; then the old one stops.
      const newWaits = newA.acquire(10_000);
      await new Promise((r) => setTimeout(r, 600));
      await oldA.release();
      await newWaits;
      expect([newA.shard, spare.held]).toEqual(['a', false]);
      // The shard's node gone for good: the spare covers it once it no longer asks.
      await newA.release();
      await spareWaits;
      expect(spare.shard).toBe('a');
    } finally {
      for (const l of [oldA, newA, b, spare]) await l.release();
    }
  }, 30_000);

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

  it('lost for lostTooLongMs without being taken again (the database out of reach), the node is told to stop once, and tries no more (ADR 0073)', async () => {
    const db = await cuttableDatabase();
    const events: string[] = [];
    const lock = new PostgresNodeLock(db.url, unique(), {
      onLost: () => events.push('lost'), onRegained: () => events.push('regained'), onTakenOver: () => events.push('taken over'),
      lostTooLongMs: 600, onLostTooLong: (ms) => events.push(`lost too long ${ms}`),
    }, unique());
    try {
      await lock.acquire(0);
      const cutAt = performance.now();
      db.cut();
      await until(() => events.includes('lost too long 600'), 'the node to be told');
      expect(performance.now() - cutAt).toBeGreaterThanOrEqual(550);
      expect(lock.held).toBe(false);
      // The database back: the lock is not taken again (the node is stopping), nor is the node told twice.
      db.restore();
      await new Promise((r) => setTimeout(r, 1_500));
      expect(events).toEqual(['lost', 'lost too long 600']);
      expect(lock.held).toBe(false);
    } finally {
      await lock.release();
      await db.stop();
    }
  });

  it('a lock taken again before lostTooLongMs does not stop the node, nor does a later loss that is short (ADR 0073)', async () => {
    const db = await cuttableDatabase();
    const app = unique();
    const events: string[] = [];
    const lock = new PostgresNodeLock(db.url, unique(), {
      onLost: () => events.push('lost'), onRegained: () => events.push('regained'), onTakenOver: () => events.push('taken over'),
      lostTooLongMs: 1_500, onLostTooLong: () => events.push('lost too long'),
    }, app);
    try {
      await lock.acquire(0);
      // Out of reach for a second: the first attempt (after 100 ms) fails, the next (1 s later) takes it.
      db.cut();
      setTimeout(() => db.restore(), 700);
      await until(() => events.includes('regained'), 'the lock to be taken again');
      // A second loss a moment later has a deadline of its own, not what was left of the first one's.
      await new Promise((r) => setTimeout(r, 800));
      expect(await endBackends(app)).toBe(1);
      await until(() => events.filter((e) => e === 'regained').length === 2, 'the lock to be taken again, twice');
      await new Promise((r) => setTimeout(r, 1_500));
      expect(events).toEqual(['lost', 'regained', 'lost', 'regained']);
      expect(lock.held).toBe(true);
    } finally {
      await lock.release();
      await db.stop();
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

  it('a standby waits on one connection however long, survives that connection ending, and gives the wait up when told (ADR 0048)', async () => {
    const app = unique();
    const schema = unique();
    const first = new PostgresNodeLock(PG_URL, schema);
    const standby = new PostgresNodeLock(PG_URL, schema, {}, app);
    const failures: unknown[] = [];
    const stop = new AbortController();
    await first.acquire(0);
    try {
      const waiting = standby.acquire(Infinity, undefined, { signal: stop.signal, onAttemptFailed: (err) => failures.push(err) });
      const outcome = waiting.then(() => 'taken', (err: unknown) => err);
      await new Promise((r) => setTimeout(r, 1_000));
      // Four attempts a second, on one kept connection (not one new connection each).
      expect(await backends(app)).toBe(1);
      // The database ends it: told, and the standby goes on waiting on a new one.
      expect(await endBackends(app)).toBe(1);
      await until(() => failures.length > 0, 'the failed attempt to be told');
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await backends(app)).toBe(1);
      const asked = performance.now();
      stop.abort();
      expect(await outcome).toBeInstanceOf(LockWaitAbortedError);
      expect(performance.now() - asked).toBeLessThan(1_000);
      expect(standby.held).toBe(false);
      expect(await backends(app)).toBe(0);
    } finally {
      await first.release();
      await standby.release();
    }
  });

  it('a standby takes the lock as soon as the active node lets go', async () => {
    const schema = unique();
    const first = new PostgresNodeLock(PG_URL, schema);
    const standby = new PostgresNodeLock(PG_URL, schema);
    await first.acquire(0);
    try {
      const waiting = standby.acquire(Infinity);
      await new Promise((r) => setTimeout(r, 600));
      const freed = performance.now();
      await first.release();
      await waiting;
      expect(standby.held).toBe(true);
      expect(performance.now() - freed).toBeLessThan(1_000);
    } finally {
      await first.release();
      await standby.release();
    }
  });
});
