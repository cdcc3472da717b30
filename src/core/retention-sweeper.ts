/**
 * Retention: deletes ended chats created more than `retentionDays` ago (the closed
 * session, its whole event log, hence its transcript), breadcrumbs as old, and offline
 * messages left as long ago (ADR 0063), handled or not.
 * Off by default (`retentionDays: 0` keeps everything). Visitor blocks that expired
 * more than `blockGraceDays` ago are deleted too, whatever `retentionDays` says
 * (ADR 0055, later note): an expired block no longer applies nor is listed. Runs in small batches
 * with a pause between them, so a first sweep over years of history never holds
 * the event loop (SQLite deletes run on it) for more than one small batch.
 */
import type { ChatStore, UndeliveredChats, UndeliveredOfflineMessages } from '../ports/chat-store.js';
import type { Clock, TimerHandle } from '../ports/clock.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long an expired visitor block is kept before the sweep deletes it (ADR 0055, later note). */
export const BLOCK_GRACE_DAYS = 7;

/**
 * How long a closed session that never asked for a chat (no ChasitorInit: nothing in it any
 * transcript or search shows) is kept, whatever `retentionDays` says. Anyone can make one with
 * `GET System/SessionId`; kept for ever, each was ~1 KB of the store (session 28's soak audit).
 * A day still answers a retried DELETE of one as done.
 */
export const CHATLESS_KEEP_DAYS = 1;

/** What the sweeper deletes expired visitor blocks through (core/visitor-blocks.ts: the store and its memory). */
export interface ExpiredBlocks {
  purgeExpired(before: number): Promise<number>;
}

export interface RetentionOptions {
  retentionDays: number;
  /** Time between sweeps. */
  intervalMs?: number;
  /** Sessions (and breadcrumbs) per batch. */
  batchSize?: number;
  /** Pause between two batches of one sweep. */
  pauseMs?: number;
  /** Visitor blocks to sweep; none: only chats are swept. */
  blocks?: ExpiredBlocks;
  /** Days an expired block is kept (default {@link BLOCK_GRACE_DAYS}). */
  blockGraceDays?: number;
  /** Days a closed session that never had a chat is kept (default {@link CHATLESS_KEEP_DAYS}; 0: kept for ever). */
  chatlessKeepDays?: number;
  /** Ended chats a webhook has not delivered yet: kept whatever their age (ADR 0065). Asked before every batch. */
  undelivered?: () => readonly UndeliveredChats[];
  /** Offline messages a webhook has not delivered yet: kept whatever their age (ADR 0068). */
  undeliveredOfflineMessages?: () => readonly UndeliveredOfflineMessages[];
  /** A cluster node's orgs (ADR 0066): only their chats (and sessions of no org) and offline messages are swept; absent, every org's. */
  orgs?: readonly string[];
}

export interface RetentionLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class RetentionSweeper {
  private timer: TimerHandle | null = null;
  private first: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  /**
   * When the last run came that found a sweep still running (null: none did): a sweep
   * as of that moment follows. Normally a sweep ends long before the next hour; but
   * when the emulator's clock is moved forward a day, every hourly run of the span
   * comes at once, and without this only the first would sweep (ADR 0030).
   */
  private missedAt: number | null = null;
  private stopped = false;
  /** Totals since start, for /metrics. */
  readonly purged = { sessions: 0, breadcrumbs: 0, blocks: 0, offlineMessages: 0 };

  constructor(
    private readonly store: ChatStore,
    private readonly clock: Clock,
    private readonly opts: RetentionOptions,
    private readonly log: RetentionLog,
  ) {}

  /** Whether ended chats are deleted (`retentionDays` above 0). */
  get enabled(): boolean {
    return this.opts.retentionDays > 0;
  }

  /** Sweeps once soon after start, then every interval (when there is anything to sweep). */
  start(): void {
    if (!this.enabled && !this.opts.blocks && this.chatlessKeepDays === 0) return;
    const run = (): void => {
      if (this.stopped) return;
      if (this.running) this.missedAt = this.clock.now();
      else this.running = this.sweepFrom(this.clock.now());
    };
    this.timer = this.clock.setInterval(run, this.opts.intervalMs ?? 60 * 60 * 1000);
    this.first = this.clock.setTimeout(run, 5_000);
  }

  /** Stops sweeping; waits for a batch in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.first?.cancel();
    this.timer = null;
    this.first = null;
    await this.running;
  }

  /** Sweeps as of `at`, then as of the last run that came meanwhile, until none did. */
  private async sweepFrom(at: number): Promise<void> {
    for (let next: number | null = at; next !== null && !this.stopped; next = this.missedAt) {
      this.missedAt = null;
      await this.sweep(next);
    }
    this.running = null;
  }

  /** Deletes everything due at `at` (now), batch by batch; returns what went. */
  async sweep(at = this.clock.now()): Promise<{ sessions: number; breadcrumbs: number; blocks: number; offlineMessages: number }> {
    const chats = this.enabled ? await this.sweepChats(at) : { sessions: 0, breadcrumbs: 0 };
    const chatless = await this.sweepChatless(at);
    chats.sessions += chatless;
    const total = { ...chats, blocks: await this.sweepBlocks(at), offlineMessages: this.enabled ? await this.sweepOfflineMessages(at) : 0 };
    this.purged.sessions += total.sessions;
    this.purged.breadcrumbs += total.breadcrumbs;
    this.purged.blocks += total.blocks;
    this.purged.offlineMessages += total.offlineMessages;
    if (chatless) this.log.info({ sessions: chatless, keepDays: this.chatlessKeepDays }, 'retention: deleted closed sessions that never had a chat');
    if (total.sessions - chatless || total.breadcrumbs) {
      this.log.info({ sessions: total.sessions - chatless, breadcrumbs: total.breadcrumbs, retentionDays: this.opts.retentionDays }, 'retention: deleted ended chats and breadcrumbs');
    }
    if (total.offlineMessages) this.log.info({ offlineMessages: total.offlineMessages, retentionDays: this.opts.retentionDays }, 'retention: deleted offline messages');
    if (total.blocks) this.log.info({ blocks: total.blocks, graceDays: this.graceDays }, 'retention: deleted expired visitor blocks');
    return total;
  }

  private get chatlessKeepDays(): number {
    return this.opts.chatlessKeepDays ?? CHATLESS_KEEP_DAYS;
  }

  /** Closed sessions of no org (never a ChasitorInit) older than chatlessKeepDays, in batches; no breadcrumb. */
  private async sweepChatless(at: number): Promise<number> {
    if (this.chatlessKeepDays === 0 || this.stopped) return 0;
    const limit = this.opts.batchSize ?? 200;
    let total = 0;
    try {
      for (;;) {
        const n = await this.store.purgeClosedBefore(at - this.chatlessKeepDays * DAY_MS, limit, { orgs: [], sessionsOnly: true });
        total += n.sessions;
        if (this.stopped || n.sessions < limit) break;
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.opts.pauseMs ?? 50));
      }
      if (total) await this.store.scrubDeleted();
    } catch (err) {
      this.log.error({ err }, 'sweeping sessions that never had a chat failed; it runs again at the next interval');
    }
    return total;
  }

  private get graceDays(): number {
    return this.opts.blockGraceDays ?? BLOCK_GRACE_DAYS;
  }

  private async sweepChats(at: number): Promise<{ sessions: number; breadcrumbs: number }> {
    const before = at - this.opts.retentionDays * DAY_MS;
    const limit = this.opts.batchSize ?? 200;
    const total = { sessions: 0, breadcrumbs: 0 };
    try {
      for (;;) {
        const n = await this.store.purgeClosedBefore(before, limit, { keep: this.opts.undelivered?.() ?? [], ...(this.opts.orgs ? { orgs: this.opts.orgs } : {}) });
        total.sessions += n.sessions;
        total.breadcrumbs += n.breadcrumbs;
        if (this.stopped || (n.sessions < limit && n.breadcrumbs < limit)) break;
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.opts.pauseMs ?? 50));
      }
      if (total.sessions || total.breadcrumbs) await this.store.scrubDeleted();
    } catch (err) {
      this.log.error({ err }, 'retention sweep failed; it runs again at the next interval');
    }
    return total;
  }

  /** Offline messages are few (a handful a minute per address at most): one statement, no batches. */
  private async sweepOfflineMessages(at: number): Promise<number> {
    if (this.stopped) return 0;
    try {
      const n = await this.store.purgeOfflineMessagesBefore(at - this.opts.retentionDays * DAY_MS,
        { keep: this.opts.undeliveredOfflineMessages?.() ?? [], ...(this.opts.orgs ? { orgs: this.opts.orgs } : {}) });
      if (n) await this.store.scrubDeleted();
      return n;
    } catch (err) {
      this.log.error({ err }, 'sweeping offline messages failed; it runs again at the next interval');
      return 0;
    }
  }

  /** Expired blocks are few (one row each, made by hand): one statement, no batches. */
  private async sweepBlocks(at: number): Promise<number> {
    if (!this.opts.blocks || this.stopped) return 0;
    try {
      return await this.opts.blocks.purgeExpired(at - this.graceDays * DAY_MS);
    } catch (err) {
      this.log.error({ err }, 'sweeping expired visitor blocks failed; it runs again at the next interval');
      return 0;
    }
  }
}
