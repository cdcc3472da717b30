/**
 * The node lock of a PostgreSQL database: a session-level advisory
 * lock held on a connection of its own for the life of the process. PostgreSQL
 * drops it when that connection ends, so a crashed node never leaves it behind.
 *
 * If the connection is lost (the database restarted, a proxy cut it), the lock
 * is gone with it: the node takes it again on a new connection as soon as it
 * can. Should another node have taken it meanwhile, two nodes now write the
 * same sessions: `onTakenOver` is told, and the node must stop.
 */
import pg from 'pg';
import { DEAD_PEER_OPTIONS } from './dead-peer.js';
import { retryLock, type LockWaitListener, type LockWaitOptions, type NodeLock } from '../../ports/node-lock.js';

/** First half of the advisory lock key: "SB" and a version, so other applications' locks never collide. */
const LOCK_CLASS = 0x5342_0001;


export interface PostgresNodeLockEvents {
  /** The lock's connection ended; the node is trying to take the lock again. */
  onLost?: (err: Error) => void;
  /** Taken again after a loss. */
  onRegained?: () => void;
  /** Another node took the lock while this one had lost it. */
  onTakenOver?: () => void;
}

export class PostgresNodeLock implements NodeLock {
  private client: pg.Client | null = null;
  /** The connection of the last attempt that found the lock taken: the next attempt asks on it again. */
  private waiting: pg.Client | null = null;
  private released = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    /** The schema whose tables the node uses (`public` when none is set). */
    private readonly schema: string,
    private readonly events: PostgresNodeLockEvents = {},
    private readonly applicationName = 'switchboard-node-lock',
    /** How soon after a loss the lock is taken again. */
    private readonly retryDelayMs = 100,
    /**
     * Cluster mode (ADR 0066): the shards this node may serve, in order: one, or every shard of
     * the cluster for a node that takes whichever is free (`cluster.shard: "*"`). The lock is then
     * a shard's, held exclusively, with the database's own held shared: shards run side by side,
     * and a node without a cluster (which holds the database's exclusively) never runs beside them.
     */
    private readonly shards: readonly string[] | null = null,
  ) {}

  /** The shard whose lock this node holds (or held last); null without a cluster, or before it has one. */
  private heldShard: string | null = null;

  get shard(): string | null {
    return this.heldShard;
  }

  async acquire(waitMs: number, onWaiting?: LockWaitListener, opts?: LockWaitOptions): Promise<void> {
    const shards = this.shards === null ? '' : this.shards.length === 1 ? `shard ${this.shards[0]!}` : `any of shards ${this.shards.join(', ')}`;
    const where = this.shards === null
      ? `schema ${this.schema} of the PostgreSQL database`
      : `${shards} of schema ${this.schema} of the PostgreSQL database (held by other nodes of the cluster, or by a node without cluster mode on the database)`;
    try {
      await retryLock(() => this.tryOnce(), waitMs, where, onWaiting, opts);
    } finally {
      await this.endWaiting();
    }
  }

  /**
   * One attempt; keeps the connection when the lock was taken. One that finds it
   * taken is kept for the next attempt: a standby asks for hours (ADR 0048), on
   * one connection rather than four new ones a second.
   */
  private async tryOnce(): Promise<boolean> {
    let client = this.waiting;
    this.waiting = null;
    if (!client) {
      const fresh = new pg.Client({ connectionString: this.url, application_name: this.applicationName, options: DEAD_PEER_OPTIONS });
      // A connection error before `connect` resolves is thrown by it; afterwards it arrives here
      // (while waiting, `lost` ignores it: the next attempt's query fails and a new connection is made).
      fresh.on('error', (err) => this.lost(fresh, err));
      await fresh.connect();
      client = fresh;
    }
    try {
      if (await this.tryLocks(client)) {
        this.client = client;
        return true;
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.waiting = client;
    return false;
  }

  /** Takes this node's locks on `client`: all of them, or none (a shared lock taken alone is given back). */
  private async tryLocks(client: pg.Client): Promise<boolean> {
    const store = `switchboard:${this.schema}`;
    if (this.shards === null) {
      const res = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::int, hashtext($2)) as locked', [LOCK_CLASS, store]);
      return res.rows[0]?.locked === true;
    }
    const shared = await client.query<{ locked: boolean }>('select pg_try_advisory_lock_shared($1::int, hashtext($2)) as locked', [LOCK_CLASS, store]);
    if (shared.rows[0]?.locked !== true) return false;
    // Once a shard is this node's, a lock lost with its connection is taken again for that shard only.
    for (const shard of this.heldShard === null ? this.shards : [this.heldShard]) {
      const own = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::int, hashtext($2)) as locked', [LOCK_CLASS, `${store}:shard:${shard}`]);
      if (own.rows[0]?.locked === true) {
        this.heldShard = shard;
        return true;
      }
    }
    // A waiting connection holds nothing: the database's lock goes back until both can be had.
    await client.query('select pg_advisory_unlock_shared($1::int, hashtext($2))', [LOCK_CLASS, store]);
    return false;
  }

  private async endWaiting(): Promise<void> {
    const client = this.waiting;
    this.waiting = null;
    await client?.end().catch(() => undefined);
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.released) return;
    this.client = null;
    this.events.onLost?.(err);
    const again = (): void => {
      this.retryTimer = null;
      if (this.released) return;
      this.tryOnce().then(
        (held) => {
          if (this.released) {
            void this.release();
            return;
          }
          if (held) this.events.onRegained?.();
          else {
            void this.endWaiting();
            this.events.onTakenOver?.();
          }
        },
        () => {
          // The database is not reachable yet: keep trying.
          if (!this.released) this.retryTimer = setTimeout(again, 1000);
        },
      );
    };
    this.retryTimer = setTimeout(again, this.retryDelayMs);
  }

  /** True while this node holds the lock. */
  get held(): boolean {
    return this.client !== null;
  }

  async release(): Promise<void> {
    this.released = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.endWaiting();
    const client = this.client;
    this.client = null;
    // Ending the connection ends the lock.
    await client?.end().catch(() => undefined);
  }
}
