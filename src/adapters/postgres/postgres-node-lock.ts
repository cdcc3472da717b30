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
  ) {}

  async acquire(waitMs: number, onWaiting?: LockWaitListener, opts?: LockWaitOptions): Promise<void> {
    try {
      await retryLock(() => this.tryOnce(), waitMs, `schema ${this.schema} of the PostgreSQL database`, onWaiting, opts);
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
      const res = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::int, hashtext($2)) as locked', [LOCK_CLASS, `switchboard:${this.schema}`]);
      if (res.rows[0]?.locked === true) {
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
