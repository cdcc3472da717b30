/**
 * One webhook's sender of one event (ADR 0065, ADR 0068). Deliveries are derived from the
 * store, not queued on the message path: the sender keeps a durable cursor (the time and id
 * of the last item it delivered: a chat's end, an offline message's creation) in the store's
 * `meta`, reads the org's items after it from its feed, oldest first, and POSTs them one at a
 * time. The cursor moves on only after a 2xx, so an item is delivered at least once, in
 * order, across restarts and kill -9; an item that fails holds back those after it
 * (head-of-line) and is tried again with an exponential back-off on the Clock.
 */
import type { ChatStore, EndedPosition } from '../../ports/chat-store.js';
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type { WebhookPoster } from '../../ports/webhook-poster.js';
import type { WebhookEvent } from '../../config/config-schema.js';
import { fail } from '../../protocol/errors.js';
import type { EngineLogger } from '../chat-engine.js';
import { signWebhook } from './webhook-signature.js';

/** How long a receiver has to answer one POST. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** The first retry's delay; each failure in a row doubles it, up to WEBHOOK_MAX_BACKOFF_MS. */
export const WEBHOOK_FIRST_BACKOFF_MS = 1_000;
export const WEBHOOK_MAX_BACKOFF_MS = 10 * 60_000;
/** How often a sender with nothing to send looks for chats that ended. */
export const WEBHOOK_POLL_MS = 1_000;
/** Items read per store call. */
const READ_BATCH = 50;

/** The delay before attempt `failures + 1`, after `failures` (≥ 1) failed in a row: 1 s, 2 s, 4 s … 10 min. */
export function backoffMs(failures: number): number {
  return Math.min(WEBHOOK_FIRST_BACKOFF_MS * 2 ** Math.min(failures - 1, 30), WEBHOOK_MAX_BACKOFF_MS);
}

/**
 * A place in a feed's order: the item's time (`endedAt`: a chat's end; an offline message's
 * creation, whose cursor keeps the field's name so one parser reads both) and its id.
 */
export type FeedPosition = EndedPosition;

/**
 * What one event's sender sends (ADR 0068): the items of an org in a fixed order by time
 * and id, how to read them after a place and how to make each one's body.
 */
export interface WebhookFeed<T> {
  readonly event: WebhookEvent;
  /** What an item is called in messages and logs ("chat", "offline message"). */
  readonly noun: string;
  /** Up to `limit` of the org's items after `after` (null: from the first), oldest first. */
  list(orgId: string, after: FeedPosition | null, limit: number): Promise<T[]>;
  /** How many come after `after`, counted up to `cap` (the backlog an admin sees). */
  count(orgId: string, after: FeedPosition | null, cap: number): Promise<number>;
  positionOf(item: T): FeedPosition;
  /** Resolves once every item stamped before this call is readable (a write under way is in the store). */
  settled(): Promise<void>;
  /** The body; the same for every attempt at one item, its `id` the `webhook-id`. */
  payload(item: T): Promise<{ id: string }>;
}

/**
 * A webhook's place, kept in `meta`: the position (`endedAt`, `id`) after which items are
 * still to send, and the last item the receiver took and when. The two are the same item
 * but after an admin moved the position (a replay or a skip, which deliver nothing).
 */
export interface WebhookCursor extends FeedPosition {
  /** When the receiver last took an item (epoch ms); null until it first did. */
  deliveredAt: number | null;
  /** The item it then took; null until it first did. */
  deliveredId: string | null;
}

/** An admin's move of a webhook's position (ADR 0065's note "replay and skip"). */
export type WebhookMove =
  /** Send again every stored item at or after `since` (epoch ms), in order. */
  | { kind: 'replay'; since: number }
  /** Pass over the next item to send, `id` (the one a receiver keeps refusing). */
  | { kind: 'skip'; id: string };

/**
 * The `meta` key of a webhook's cursor of one event: per org and name (renaming a webhook
 * starts it afresh). `chat.ended`'s keeps the key it had before there were other events.
 */
export function cursorKey(orgId: string, name: string, event: WebhookEvent = 'chat.ended'): string {
  return event === 'chat.ended' ? `webhook_cursor:${orgId}:${name}` : `webhook_cursor:${orgId}:${name}:${event}`;
}

export function parseCursor(text: string | null): WebhookCursor | null {
  if (text === null) return null;
  const v = JSON.parse(text) as Partial<WebhookCursor>;
  if (typeof v.endedAt !== 'number' || typeof v.id !== 'string') return null;
  const deliveredAt = typeof v.deliveredAt === 'number' ? v.deliveredAt : null;
  // Cursors kept before positions could move have no deliveredId: their position is the chat delivered.
  const deliveredId = typeof v.deliveredId === 'string' ? v.deliveredId : deliveredAt !== null ? v.id : null;
  return { endedAt: v.endedAt, id: v.id, deliveredAt, deliveredId };
}

/**
 * Where a move puts a webhook now at `from` (null: it never ran), given `next`, the next item
 * it would send; throws what refuses it. Shared by a running sender and a disabled webhook.
 * `noun` names the items ("chat") in the refusals.
 */
export function movedCursor(from: WebhookCursor | null, move: WebhookMove, next: FeedPosition | null, name: string, now: number, noun = 'chat'): WebhookCursor {
  const delivered = { deliveredAt: from?.deliveredAt ?? null, deliveredId: from?.deliveredId ?? null };
  if (move.kind === 'replay') {
    refuseReplay(from, move.since, name, now, noun);
    // Id '' sorts before every id: the items at `since` itself are sent too.
    return { endedAt: move.since, id: '', ...delivered };
  }
  if (next?.id !== move.id) fail('CONFLICT', `${noun} ${move.id} is not the next ${noun} of webhook ${name} (${next ? `next: ${next.id}` : `it has delivered every ${noun}`})`);
  return { endedAt: next.endedAt, id: next.id, ...delivered };
}

/** Throws when a replay from `since` is refused: in the future, or ahead of where the webhook stands. */
export function refuseReplay(from: WebhookCursor | null, since: number, name: string, now: number, noun = 'chat'): void {
  if (since > now) fail('BODY_INVALID', 'since is in the future');
  // Only back: a later `since` would pass over items not delivered yet without a word.
  if (from && since > from.endedAt) fail('CONFLICT', `since is after where webhook ${name} stands (${new Date(from.endedAt).toISOString()}): the ${noun}s between have not been delivered yet`);
}

export interface WebhookTarget {
  orgId: string;
  name: string;
  url: string;
  key: Buffer;
}

export interface WebhookSenderDeps {
  /** Where the cursor is kept (`meta`). */
  store: Pick<ChatStore, 'getMeta' | 'setMeta'>;
  /** The engine's clock: chats' end times, polls and back-off (the emulator's clock moves them). */
  clock: Clock;
  /** Real time, for the `webhook-timestamp` header: receivers compare it with their own clock. */
  realTime: Pick<Clock, 'now'>;
  poster: WebhookPoster;
  logger: EngineLogger;
  /** Counts one attempt's outcome, or an item an admin had skipped (metrics). */
  counted(outcome: 'delivered' | 'failed' | 'skipped'): void;
}

interface MoveRequest {
  move: WebhookMove;
  /** Who asked (a user id), for the log. */
  by: string;
  resolve: (to: WebhookCursor) => void;
  reject: (err: unknown) => void;
}

type Attempt = { ok: true } | { ok: false; error: string; status: number | null };

export class WebhookSender<T = unknown> {
  private cursor: WebhookCursor | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private inFlight: AbortController | null = null;
  private wait: { timer: TimerHandle; done: () => void } | null = null;
  /** Moves asked for, applied by the loop between two attempts, in order. */
  private moves: MoveRequest[] = [];
  failingSince: number | null = null;
  /** The item being tried again while failing. */
  failingId: string | null = null;
  lastError: string | null = null;
  nextAttemptAt: number | null = null;
  private failures = 0;

  constructor(readonly target: WebhookTarget, readonly feed: WebhookFeed<T>, private readonly deps: WebhookSenderDeps) {}

  /** Where the webhook stands: items after this position are still to send (null: not read yet). */
  get lastDelivered(): WebhookCursor | null {
    return this.cursor;
  }

  /**
   * Moves the position (an admin's replay or skip). The loop takes it between two
   * attempts: a POST under way is abandoned and a back-off ends, so a move never waits for
   * a receiver. Resolves with the new place once it is stored; rejects with why it was
   * refused (a skip of an item that is not the next one, a replay past the position).
   */
  reposition(move: WebhookMove, by: string): Promise<WebhookCursor> {
    if (this.stopped || !this.running) return Promise.reject(new Error(`webhook ${this.target.name} is not running`));
    return new Promise((resolve, reject) => {
      this.moves.push({ move, by, resolve, reject });
      this.inFlight?.abort(new Error('moved'));
      this.wait?.timer.cancel();
      this.wait?.done();
    });
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops at once: an attempt under way is abandoned (its item is sent again after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const m of this.moves.splice(0)) m.reject(new Error(`webhook ${this.target.name} stopped`));
    this.inFlight?.abort(new Error('stopping'));
    this.wait?.timer.cancel();
    this.wait?.done();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.cursor ??= await this.loadCursor();
        if (this.moves.length) await this.applyMoves();
        const ready = await this.readyItems(READ_BATCH);
        if (!ready.length) {
          await this.sleep(WEBHOOK_POLL_MS);
          continue;
        }
        for (const [i, item] of ready.entries()) {
          // The first item was read just now: its first attempt needs no second look (stillNext).
          const outcome = await this.deliver(item, i === 0);
          if (outcome === 'stopped') return;
          // Moved by an admin, or the batch is stale (an item was deleted or erased): read again.
          if (outcome === 'moved' || outcome === 'gone') break;
        }
      } catch (err) {
        if (this.stopped) return;
        // The store failed (a read, the cursor's write): nothing moved on; try again in a while.
        this.deps.logger.warn({ err, webhook: this.target.name, org: this.target.orgId, event: this.feed.event }, 'webhook sender could not read or keep its place: trying again');
        await this.sleep(WEBHOOK_POLL_MS * 5);
      }
    }
  }

  /** Up to `limit` items after the position that are safe to send now. */
  private async readyItems(limit: number): Promise<T[]> {
    // Items stamped before this moment are all on their way to the store by now; once
    // those writes are in, none of them can turn up behind the cursor later.
    const before = this.deps.clock.now();
    await this.feed.settled();
    const items = await this.feed.list(this.target.orgId, this.cursor, limit);
    return items.filter((i) => this.feed.positionOf(i).endedAt < before);
  }

  /** Applies the moves asked for, each from where the one before left the webhook. */
  private async applyMoves(): Promise<void> {
    for (const m of this.moves.splice(0)) {
      try {
        const first = m.move.kind === 'skip' ? (await this.readyItems(1))[0] : undefined;
        const next = first === undefined ? null : this.feed.positionOf(first);
        const to = movedCursor(this.cursor, m.move, next, this.target.name, this.deps.clock.now(), this.feed.noun);
        await this.deps.store.setMeta(this.key, JSON.stringify(to));
        this.cursor = to;
        // What was failing is no longer what is sent next (a skip), or is sent afresh (a replay).
        this.forgetFailing();
        const at = { webhook: this.target.name, org: this.target.orgId, event: this.feed.event, by: m.by };
        if (m.move.kind === 'skip') {
          this.deps.counted('skipped');
          this.deps.logger.warn({ ...at, id: m.move.id }, `webhook ${this.feed.noun} skipped by an admin: it is not sent`);
        } else {
          this.deps.logger.info({ ...at, since: m.move.since }, `webhook replay: ${this.feed.noun}s since are sent again`);
        }
        m.resolve(to);
      } catch (err) {
        m.reject(err);
      }
    }
  }

  private get key(): string {
    return cursorKey(this.target.orgId, this.target.name, this.feed.event);
  }

  /** The cursor kept in the store; a new webhook's starts now (it does not send the items before it). */
  private async loadCursor(): Promise<WebhookCursor> {
    const known = parseCursor(await this.deps.store.getMeta(this.key));
    if (known) return known;
    // Kept at once: a restart before the first delivery must not move "now" on past items that came meanwhile.
    const fresh: WebhookCursor = { endedAt: this.deps.clock.now(), id: '', deliveredAt: null, deliveredId: null };
    await this.deps.store.setMeta(this.key, JSON.stringify(fresh));
    return fresh;
  }

  /**
   * Sends one item until the receiver takes it, the webhook stops, an admin moves its position,
   * or the item is gone from the feed: before every attempt, the first one included, the item
   * must still be the next one. An offline message a supervisor deleted, or a chat an erasure
   * took, after it was read (while the receiver was failing, or further down the batch) is then
   * not sent, as the docs promise, rather than posted with the body read before.
   */
  private async deliver(item: T, justRead: boolean): Promise<'delivered' | 'stopped' | 'moved' | 'gone'> {
    const at = this.feed.positionOf(item);
    const payload = await this.feed.payload(item);
    const body = JSON.stringify(payload);
    for (let first = true; ; first = false) {
      if (this.stopped) return 'stopped';
      if (this.moves.length) return 'moved';
      if (!(first && justRead) && !(await this.stillNext(at.id))) {
        if (this.stopped) return 'stopped';
        this.forgetFailing();
        return 'gone';
      }
      const attempt = await this.attempt(payload.id, body);
      if (this.stopped) return 'stopped';
      const now = this.deps.clock.now();
      // A move abandoned this attempt (or came while it failed): not a failure of the receiver's.
      if (!attempt.ok && this.moves.length) return 'moved';
      if (attempt.ok) {
        this.deps.counted('delivered');
        if (this.failingSince !== null) this.deps.logger.info({ webhook: this.target.name, org: this.target.orgId, event: this.feed.event, id: at.id, failedAttempts: this.failures, failingSince: this.failingSince }, 'webhook delivering again');
        this.forgetFailing();
        const next: WebhookCursor = { endedAt: at.endedAt, id: at.id, deliveredAt: now, deliveredId: at.id };
        await this.deps.store.setMeta(this.key, JSON.stringify(next));
        this.cursor = next;
        return 'delivered';
      }
      this.deps.counted('failed');
      this.failures += 1;
      this.lastError = attempt.error;
      this.failingId = at.id;
      // Said once per failing streak, not per attempt: a receiver down for an hour is one warning.
      if (this.failingSince === null) {
        this.failingSince = now;
        this.deps.logger.warn({ webhook: this.target.name, org: this.target.orgId, event: this.feed.event, id: at.id, status: attempt.status, error: attempt.error }, 'webhook delivery failed');
      }
      const delay = backoffMs(this.failures);
      this.nextAttemptAt = now + delay;
      await this.sleep(delay);
      this.nextAttemptAt = null;
    }
  }

  /** Whether the item `id` is still the next one to send (not deleted or erased meanwhile). */
  private async stillNext(id: string): Promise<boolean> {
    const [next] = await this.readyItems(1);
    return next !== undefined && this.feed.positionOf(next).id === id;
  }

  /** Nothing is failing any more (delivered, skipped or replayed, or deleted or erased): the status says so. */
  private forgetFailing(): void {
    this.failingSince = null;
    this.failingId = null;
    this.lastError = null;
    this.nextAttemptAt = null;
    this.failures = 0;
  }

  private async attempt(id: string, body: string): Promise<Attempt> {
    const controller = new AbortController();
    this.inFlight = controller;
    let timedOut = false;
    const timer = this.deps.clock.setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, WEBHOOK_TIMEOUT_MS);
    const timestamp = Math.floor(this.deps.realTime.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Switchboard-Webhooks',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(this.target.key, id, timestamp, body),
    };
    try {
      const status = await this.deps.poster.post(this.target.url, headers, body, controller.signal);
      return status >= 200 && status < 300 ? { ok: true } : { ok: false, status, error: `HTTP ${status}` };
    } catch (err) {
      if (timedOut) return { ok: false, status: null, error: `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` };
      return { ok: false, status: null, error: networkError(err) };
    } finally {
      timer.cancel();
      this.inFlight = null;
    }
  }

  /** Waits on the clock; stop() ends the wait at once. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.wait = null;
        resolve();
      };
      this.wait = { timer: this.deps.clock.setTimeout(done, ms), done };
    });
  }
}

/** What a failed fetch says, with the system's code when there is one (ECONNREFUSED, ENOTFOUND). */
function networkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return `network error: ${cause.code}`;
  if (cause && typeof cause.message === 'string') return `network error: ${cause.message}`;
  return `network error: ${err instanceof Error ? err.message : String(err)}`;
}
