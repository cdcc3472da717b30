/**
 * One webhook's sender (ADR 0065). Deliveries are derived from the store, not queued on
 * the message path: the webhook keeps a durable cursor (when the last chat it delivered
 * ended, and that chat's id) in the store's `meta`, reads the org's chats ended after it,
 * oldest first, and POSTs them one at a time. The cursor moves on only after a 2xx, so a
 * chat is delivered at least once, in the order chats ended, across restarts and kill -9;
 * a chat that fails holds back those after it (head-of-line) and is tried again with an
 * exponential back-off on the Clock.
 */
import type { ChatStore, EndedPosition } from '../../ports/chat-store.js';
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type { SessionRecord } from '../../ports/records.js';
import type { WebhookPoster } from '../../ports/webhook-poster.js';
import type { ChatEndedWebhook } from '../../protocol/webhook-types.js';
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
/** Ended chats read per store call. */
const READ_BATCH = 50;

/** The delay before attempt `failures + 1`, after `failures` (≥ 1) failed in a row: 1 s, 2 s, 4 s … 10 min. */
export function backoffMs(failures: number): number {
  return Math.min(WEBHOOK_FIRST_BACKOFF_MS * 2 ** Math.min(failures - 1, 30), WEBHOOK_MAX_BACKOFF_MS);
}

/**
 * A webhook's place, kept in `meta`: the position (`endedAt`, `id`) after which chats are
 * still to send, and the last chat the receiver took and when. The two are the same chat
 * but after an admin moved the position (a replay or a skip, which deliver nothing).
 */
export interface WebhookCursor extends EndedPosition {
  /** When the receiver last took a chat (epoch ms); null until it first did. */
  deliveredAt: number | null;
  /** The chat it then took; null until it first did. */
  deliveredId: string | null;
}

/** An admin's move of a webhook's position (ADR 0065's note "replay and skip"). */
export type WebhookMove =
  /** Send again every stored chat that ended at or after `since` (epoch ms), in order. */
  | { kind: 'replay'; since: number }
  /** Pass over the next chat to send, `chatId` (the one a receiver keeps refusing). */
  | { kind: 'skip'; chatId: string };

/** The `meta` key of a webhook's cursor: per org and name (renaming a webhook starts it afresh). */
export function cursorKey(orgId: string, name: string): string {
  return `webhook_cursor:${orgId}:${name}`;
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
 * Where a move puts a webhook now at `from` (null: it never ran), given `next`, the next chat
 * it would send; throws what refuses it. Shared by a running sender and a disabled webhook.
 */
export function movedCursor(from: WebhookCursor | null, move: WebhookMove, next: SessionRecord | null, name: string, now: number): WebhookCursor {
  const delivered = { deliveredAt: from?.deliveredAt ?? null, deliveredId: from?.deliveredId ?? null };
  if (move.kind === 'replay') {
    if (move.since > now) fail('BODY_INVALID', 'since is in the future');
    // Only back: a later `since` would pass over chats not delivered yet without a word.
    if (from && move.since > from.endedAt) fail('CONFLICT', `since is after where webhook ${name} stands (${new Date(from.endedAt).toISOString()}): the chats between have not been delivered yet`);
    // Id '' sorts before every id: the chats that ended at `since` itself are sent too.
    return { endedAt: move.since, id: '', ...delivered };
  }
  if (next?.id !== move.chatId) fail('CONFLICT', `chat ${move.chatId} is not the next chat of webhook ${name} (${next ? `next: ${next.id}` : 'it has delivered every chat'})`);
  return { endedAt: next.endedAt!, id: next.id, ...delivered };
}

export interface WebhookTarget {
  orgId: string;
  name: string;
  url: string;
  key: Buffer;
}

export interface WebhookSenderDeps {
  store: ChatStore;
  /** The engine's clock: chats' end times, polls and back-off (the emulator's clock moves them). */
  clock: Clock;
  /** Real time, for the `webhook-timestamp` header: receivers compare it with their own clock. */
  realTime: Pick<Clock, 'now'>;
  poster: WebhookPoster;
  logger: EngineLogger;
  /** Resolves once every change queued so far is durable (the commit queue's commit()). */
  durable(): Promise<void>;
  /** The body for an ended chat. */
  payload(chat: SessionRecord): Promise<ChatEndedWebhook>;
  /** Counts one attempt's outcome, or a chat an admin had skipped (metrics). */
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

export class WebhookSender {
  private cursor: WebhookCursor | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private inFlight: AbortController | null = null;
  private wait: { timer: TimerHandle; done: () => void } | null = null;
  /** Moves asked for, applied by the loop between two attempts, in order. */
  private moves: MoveRequest[] = [];
  failingSince: number | null = null;
  /** The chat being tried again while failing. */
  failingChatId: string | null = null;
  lastError: string | null = null;
  nextAttemptAt: number | null = null;
  private failures = 0;

  constructor(readonly target: WebhookTarget, private readonly deps: WebhookSenderDeps) {}

  /** Where the webhook stands: chats after this position are still to send (null: not read yet). */
  get lastDelivered(): WebhookCursor | null {
    return this.cursor;
  }

  /**
   * Moves the position (an admin's replay or skip). The loop takes it between two
   * attempts: a POST under way is abandoned and a back-off ends, so a move never waits for
   * a receiver. Resolves with the new place once it is stored; rejects with why it was
   * refused (a skip of a chat that is not the next one, a replay past the position).
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

  /** Stops at once: an attempt under way is abandoned (its chat is sent again after a restart). */
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
        const ready = await this.readyChats(READ_BATCH);
        if (!ready.length) {
          await this.sleep(WEBHOOK_POLL_MS);
          continue;
        }
        for (const chat of ready) {
          const outcome = await this.deliver(chat);
          if (outcome === 'stopped') return;
          if (outcome === 'moved') break;
        }
      } catch (err) {
        if (this.stopped) return;
        // The store failed (a read, the cursor's write): nothing moved on; try again in a while.
        this.deps.logger.warn({ err, webhook: this.target.name, org: this.target.orgId }, 'webhook sender could not read or keep its place: trying again');
        await this.sleep(WEBHOOK_POLL_MS * 5);
      }
    }
  }

  /** Up to `limit` chats after the position that are safe to send now. */
  private async readyChats(limit: number): Promise<SessionRecord[]> {
    // Chats that ended before this moment are all queued to the store by now; once
    // those writes are durable, none of them can turn up behind the cursor later.
    const before = this.deps.clock.now();
    await this.deps.durable();
    const chats = await this.deps.store.listEndedChats(this.target.orgId, this.cursor, limit);
    return chats.filter((c) => c.endedAt! < before);
  }

  /** Applies the moves asked for, each from where the one before left the webhook. */
  private async applyMoves(): Promise<void> {
    for (const m of this.moves.splice(0)) {
      try {
        const next = m.move.kind === 'skip' ? (await this.readyChats(1))[0] ?? null : null;
        const to = movedCursor(this.cursor, m.move, next, this.target.name, this.deps.clock.now());
        await this.deps.store.setMeta(cursorKey(this.target.orgId, this.target.name), JSON.stringify(to));
        this.cursor = to;
        // What was failing is no longer what is sent next (a skip), or is sent afresh (a replay).
        this.failingSince = null;
        this.failingChatId = null;
        this.lastError = null;
        this.nextAttemptAt = null;
        this.failures = 0;
        const at = { webhook: this.target.name, org: this.target.orgId, by: m.by };
        if (m.move.kind === 'skip') {
          this.deps.counted('skipped');
          this.deps.logger.warn({ ...at, chatId: m.move.chatId }, 'webhook chat skipped by an admin: it is not sent');
        } else {
          this.deps.logger.info({ ...at, since: m.move.since }, 'webhook replay: chats that ended since are sent again');
        }
        m.resolve(to);
      } catch (err) {
        m.reject(err);
      }
    }
  }

  /** The cursor kept in the store; a new webhook's starts now (it does not send the chats before it). */
  private async loadCursor(): Promise<WebhookCursor> {
    const key = cursorKey(this.target.orgId, this.target.name);
    const known = parseCursor(await this.deps.store.getMeta(key));
    if (known) return known;
    // Kept at once: a restart before the first delivery must not move "now" on past chats that ended meanwhile.
    const fresh: WebhookCursor = { endedAt: this.deps.clock.now(), id: '', deliveredAt: null, deliveredId: null };
    await this.deps.store.setMeta(key, JSON.stringify(fresh));
    return fresh;
  }

  /** Sends one chat until the receiver takes it, the webhook stops, or an admin moves its position. */
  private async deliver(chat: SessionRecord): Promise<'delivered' | 'stopped' | 'moved'> {
    const payload = await this.deps.payload(chat);
    const body = JSON.stringify(payload);
    for (;;) {
      if (this.stopped) return 'stopped';
      if (this.moves.length) return 'moved';
      const attempt = await this.attempt(payload.id, body);
      if (this.stopped) return 'stopped';
      const now = this.deps.clock.now();
      // A move abandoned this attempt (or came while it failed): not a failure of the receiver's.
      if (!attempt.ok && this.moves.length) return 'moved';
      if (attempt.ok) {
        this.deps.counted('delivered');
        if (this.failingSince !== null) this.deps.logger.info({ webhook: this.target.name, org: this.target.orgId, chatId: chat.id, failedAttempts: this.failures, failingSince: this.failingSince }, 'webhook delivering again');
        this.failingSince = null;
        this.failingChatId = null;
        this.lastError = null;
        this.failures = 0;
        const next: WebhookCursor = { endedAt: chat.endedAt!, id: chat.id, deliveredAt: now, deliveredId: chat.id };
        await this.deps.store.setMeta(cursorKey(this.target.orgId, this.target.name), JSON.stringify(next));
        this.cursor = next;
        return 'delivered';
      }
      this.deps.counted('failed');
      this.failures += 1;
      this.lastError = attempt.error;
      this.failingChatId = chat.id;
      // Said once per failing streak, not per attempt: a receiver down for an hour is one warning.
      if (this.failingSince === null) {
        this.failingSince = now;
        this.deps.logger.warn({ webhook: this.target.name, org: this.target.orgId, chatId: chat.id, status: attempt.status, error: attempt.error }, 'webhook delivery failed');
      }
      const delay = backoffMs(this.failures);
      this.nextAttemptAt = now + delay;
      await this.sleep(delay);
      this.nextAttemptAt = null;
    }
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
