/**
 * The node lock of a PostgreSQL database: a session-level advisory
 * lock held on a connection of its own for the life of the process. PostgreSQL
 * drops it when that connection ends, so a crashed node never leaves it behind.
 *
 * If the connection is lost (the database restarted, a proxy cut it), the lock
 * is gone with it: the node takes it again on a new connection as soon as it
 * can. Should another node have taken it meanwhile, two nodes now write the
 * same sessions: `onTakenOver` is told, and the node must stop. Lost for
 * `lostTooLongMs` without being taken again (the database out of reach),
 * `onLostTooLong` is told, and the node steps aside (ADR 0073).
 */
import pg from 'pg';
import { DEAD_PEER_OPTIONS } from './dead-peer.js';
import { retryLock, StoreInUseError, type LockWaitListener, type LockWaitOptions, type NodeLock } from '../../ports/node-lock.js';

/** First half of the advisory lock key: "SB" and a version, so other applications' locks never collide. */
const LOCK_CLASS = 0x5342_0001;

/**
 * Cluster mode's record of each shard's node (ADR 0066, note "one shard map"): the shard map its
 * config gives (`map`), and when a node of that shard alone last asked for the shard's lock
 * (`wanted_at`, the database's clock, ms). A table of its own, made on demand, not a migration: it
 * is read and written by the lock's connection before the node opens the store.
 */
const SHARD_TABLE = 'switchboard_shard_maps';
/** A spare leaves a shard whose own node asked for it this recently: that node is restarting (a rolling deploy). */
export const OWN_NODE_WANTS_MS = 3_000;
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';


export interface PostgresNodeLockEvents {
  /** The lock's connection ended; the node is trying to take the lock again. */
  onLost?: (err: Error) => void;
  /** Taken again after a loss. */
  onRegained?: () => void;
  /** Another node took the lock while this one had lost it. */
  onTakenOver?: () => void;
  /**
   * How long (ms) the lock may stay lost before `onLostTooLong` is told (storage.lockLostExitSeconds,
   * ADR 0073); 0 or absent: never, the node keeps trying.
   */
  lostTooLongMs?: number;
  /** The lock has been lost for `lostTooLongMs` without being taken again: the node must stop; no more attempts are made. */
  onLostTooLong?: (lostMs: number) => void;
}

export class PostgresNodeLock implements NodeLock {
  private client: pg.Client | null = null;
  /** The connection of the last attempt that found the lock taken: the next attempt asks on it again. */
  private waiting: pg.Client | null = null;
  private released = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Ends the wait for the lock lost (`lostTooLongMs`); null while it is held. */
  private lostTimer: NodeJS.Timeout | null = null;
  /** Gave up taking the lock again (`onLostTooLong`): the node is stopping. */
  private gaveUp = false;

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
    /**
     * Cluster mode: this node's shard map (which orgs each shard serves, as its config says, in a
     * canonical text). A shard is not taken while another shard's node runs another map: two
     * nodes would serve an org that moved (ADR 0066, note "one shard map").
     */
    private readonly shardMap: string | null = null,
  ) {}

  /** Why the last attempt did not take a shard it could lock (another shard's node runs another map); null otherwise. */
  private refusal: string | null = null;
  private tableReady = false;

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
    // The wait says why the shard is not taken when the lock itself was free.
    const told = onWaiting && ((waitedMs: number, w: string) => onWaiting(waitedMs, this.refusal ? `${w}; ${this.refusal}` : w));
    try {
      await retryLock(() => this.tryOnce(), waitMs, where, told, opts);
    } catch (err) {
      if (err instanceof StoreInUseError && this.refusal) throw new Error(`${err.message}; ${this.refusal}`);
      throw err;
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
    if (this.shardMap !== null) await this.ensureTable(client);
    const spare = this.heldShard === null && this.shards.length > 1;
    // Once a shard is this node's, a lock lost with its connection is taken again for that shard only.
    for (const shard of this.heldShard === null ? this.shards : [this.heldShard]) {
      const key = `${store}:shard:${shard}`;
      const own = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::int, hashtext($2)) as locked', [LOCK_CLASS, key]);
      if (own.rows[0]?.locked !== true) continue;
      const refused = this.shardMap === null ? null : spare && await this.ownNodeWants(client, store, shard) ? '' : await this.admit(client, store, shard);
      if (refused === null) {
        this.heldShard = shard;
        this.refusal = null;
        return true;
      }
      if (refused) this.refusal = refused;
      await client.query('select pg_advisory_unlock($1::int, hashtext($2))', [LOCK_CLASS, key]);
    }
    // A shard's own node that waits says so: a spare then leaves the shard to it (a rolling restart).
    if (this.shardMap !== null && !spare && this.heldShard === null) {
      await client.query(`insert into ${SHARD_TABLE} (store, shard, wanted_at) values ($1, $2, ${NOW_MS}) on conflict (store, shard) do update set wanted_at = excluded.wanted_at`, [store, this.shards[0]!]);
    }
    // A waiting connection holds nothing: the database's lock goes back until both can be had.
    await client.query('select pg_advisory_unlock_shared($1::int, hashtext($2))', [LOCK_CLASS, store]);
    return false;
  }

  private async ensureTable(client: pg.Client): Promise<void> {
    if (this.tableReady) return;
    try {
      await client.query(`create table if not exists ${SHARD_TABLE} (store text not null, shard text not null, map text, wanted_at bigint, primary key (store, shard))`);
    } catch (err) {
      // Two nodes making it at once: the loser's "already exists" (a unique violation on the catalog) is no failure.
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw err;
    }
    this.tableReady = true;
  }

  /** A shard's own node asked for its lock within the last {@link OWN_NODE_WANTS_MS}: a spare leaves it that shard. */
  private async ownNodeWants(client: pg.Client, store: string, shard: string): Promise<boolean> {
    const res = await client.query<{ wants: boolean }>(`select coalesce(wanted_at > ${NOW_MS} - $3, false) as wants from ${SHARD_TABLE} where store = $1 and shard = $2`, [store, shard, OWN_NODE_WANTS_MS]);
    return res.rows[0]?.wants === true;
  }

  /**
   * Holding `shard`'s lock: records this node's map for it and refuses (says why) when another
   * shard's lock is held by a node that recorded another map. A shard whose lock nobody holds is
   * not asked: whoever takes it next checks against this record.
   */
  private async admit(client: pg.Client, store: string, shard: string): Promise<string | null> {
    const map = this.shardMap!;
    await client.query(`insert into ${SHARD_TABLE} (store, shard, map) values ($1, $2, $3) on conflict (store, shard) do update set map = excluded.map`, [store, shard, map]);
    const others = await client.query<{ shard: string; map: string; held: boolean }>(
      `select m.shard, m.map, exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.granted and l.classid = ($3::int)::oid
         and l.objid = hashtext($1 || ':shard:' || m.shard)::oid and l.objsubid = 2) as held
       from ${SHARD_TABLE} m where m.store = $1 and m.shard <> $2 and m.map is not null and m.map <> $4`, [store, shard, LOCK_CLASS, map]);
    const clash = others.rows.find((r) => r.held);
    if (!clash) return null;
    return `shard ${clash.shard}'s node runs another shard map (${describeMap(clash.map)}; this node's: ${describeMap(map)}): every node of the cluster must have the same cluster.shards; restart the other shards' nodes with this config (ADR 0066)`;
  }

  private async endWaiting(): Promise<void> {
    const client = this.waiting;
    this.waiting = null;
    await client?.end().catch(() => undefined);
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.released || this.gaveUp) return;
    this.client = null;
    this.events.onLost?.(err);
    // While it is lost the node can write nothing (unreachable, or fenced off by whoever took
    // it): past the deadline it steps aside, so that a balancer sends its traffic elsewhere (ADR 0073).
    const limitMs = this.events.lostTooLongMs ?? 0;
    if (limitMs > 0 && this.events.onLostTooLong) {
      const tell = this.events.onLostTooLong;
      this.lostTimer = setTimeout(() => {
        this.lostTimer = null;
        if (this.released || this.client !== null) return;
        this.gaveUp = true;
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = null;
        void this.endWaiting();
        tell(limitMs);
      }, limitMs);
    }
    const again = (): void => {
      this.retryTimer = null;
      if (this.released || this.gaveUp) return;
      this.tryOnce().then(
        (held) => {
          // Released, or given up while this attempt was under way: whatever it took goes back.
          if (this.released || this.gaveUp) {
            void this.giveBack();
            return;
          }
          this.clearLostTimer();
          if (held) this.events.onRegained?.();
          else {
            void this.endWaiting();
            this.events.onTakenOver?.();
          }
        },
        () => {
          // The database is not reachable yet: keep trying.
          if (!this.released && !this.gaveUp) this.retryTimer = setTimeout(again, 1000);
        },
      );
    };
    this.retryTimer = setTimeout(again, this.retryDelayMs);
  }

  private clearLostTimer(): void {
    if (this.lostTimer) clearTimeout(this.lostTimer);
    this.lostTimer = null;
  }

  /** Ends the lock's connection (and so the lock), leaving `released` as it is. */
  private async giveBack(): Promise<void> {
    await this.endWaiting();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** True while this node holds the lock. */
  get held(): boolean {
    return this.client !== null;
  }

  async release(): Promise<void> {
    this.released = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.clearLostTimer();
    // Ending the connection ends the lock.
    await this.giveBack();
  }
}

/** A shard map as the log says it: `a: org1, org2; b: org3`. */
export function describeMap(map: string): string {
  try {
    return (JSON.parse(map) as [string, string[]][]).map(([shard, orgs]) => `${shard}: ${orgs.join(', ')}`).join('; ');
  } catch {
    return map;
  }
}

/** The canonical text of a cluster's shard map: shards and their orgs, each sorted, so two configs that agree give one text. */
export function shardMapText(shards: readonly { id: string; orgs: readonly string[] }[]): string {
  return JSON.stringify([...shards].map((s) => [s.id, [...s.orgs].sort()] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
}
