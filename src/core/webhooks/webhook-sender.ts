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

/** A webhook's place, kept in `meta`: the last chat delivered, and when. */
export interface WebhookCursor extends EndedPosition {
  /** When the receiver took it (epoch ms); null for the cursor a new webhook starts with. */
  deliveredAt: number | null;
}

/** The `meta` key of a webhook's cursor: per org and name (renaming a webhook starts it afresh). */
export function cursorKey(orgId: string, name: string): string {
  return `webhook_cursor:${orgId}:${name}`;
}

export function parseCursor(text: string | null): WebhookCursor | null {
  if (text === null) return null;
  const v = JSON.parse(text) as Partial<WebhookCursor>;
  return typeof v.endedAt === 'number' && typeof v.id === 'string' ? { endedAt: v.endedAt, id: v.id, deliveredAt: typeof v.deliveredAt === 'number' ? v.deliveredAt : null } : null;
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
  /** Counts one attempt's outcome (metrics). */
  counted(outcome: 'delivered' | 'failed'): void;
}

type Attempt = { ok: true } | { ok: false; error: string; status: number | null };

export class WebhookSender {
  private cursor: WebhookCursor | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private inFlight: AbortController | null = null;
  private wait: { timer: TimerHandle; done: () => void } | null = null;
  failingSince: number | null = null;
  lastError: string | null = null;
  nextAttemptAt: number | null = null;
  private failures = 0;

  constructor(readonly target: WebhookTarget, private readonly deps: WebhookSenderDeps) {}

  get lastDelivered(): WebhookCursor | null {
    return this.cursor;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops at once: an attempt under way is abandoned (its chat is sent again after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.inFlight?.abort(new Error('stopping'));
    this.wait?.timer.cancel();
    this.wait?.done();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.cursor ??= await this.loadCursor();
        // Chats that ended before this moment are all queued to the store by now; once
        // those writes are durable, none of them can turn up behind the cursor later.
        const before = this.deps.clock.now();
        await this.deps.durable();
        const chats = await this.deps.store.listEndedChats(this.target.orgId, this.cursor, READ_BATCH);
        const ready = chats.filter((c) => c.endedAt! < before);
        if (!ready.length) {
          await this.sleep(WEBHOOK_POLL_MS);
          continue;
        }
        for (const chat of ready) if (!(await this.deliver(chat))) return;
      } catch (err) {
        if (this.stopped) return;
        // The store failed (a read, the cursor's write): nothing moved on; try again in a while.
        this.deps.logger.warn({ err, webhook: this.target.name, org: this.target.orgId }, 'webhook sender could not read or keep its place: trying again');
        await this.sleep(WEBHOOK_POLL_MS * 5);
      }
    }
  }

  /** The cursor kept in the store; a new webhook's starts now (it does not send the chats before it). */
  private async loadCursor(): Promise<WebhookCursor> {
    const key = cursorKey(this.target.orgId, this.target.name);
    const known = parseCursor(await this.deps.store.getMeta(key));
    if (known) return known;
    // Kept at once: a restart before the first delivery must not move "now" on past chats that ended meanwhile.
    const fresh: WebhookCursor = { endedAt: this.deps.clock.now(), id: '', deliveredAt: null };
    await this.deps.store.setMeta(key, JSON.stringify(fresh));
    return fresh;
  }

  /** Sends one chat until the receiver takes it; false when stopped first. */
  private async deliver(chat: SessionRecord): Promise<boolean> {
    const payload = await this.deps.payload(chat);
    const body = JSON.stringify(payload);
    for (;;) {
      if (this.stopped) return false;
      const attempt = await this.attempt(payload.id, body);
      if (this.stopped) return false;
      const now = this.deps.clock.now();
      if (attempt.ok) {
        this.deps.counted('delivered');
        if (this.failingSince !== null) this.deps.logger.info({ webhook: this.target.name, org: this.target.orgId, chatId: chat.id, failedAttempts: this.failures, failingSince: this.failingSince }, 'webhook delivering again');
        this.failingSince = null;
        this.lastError = null;
        this.failures = 0;
        const next: WebhookCursor = { endedAt: chat.endedAt!, id: chat.id, deliveredAt: now };
        await this.deps.store.setMeta(cursorKey(this.target.orgId, this.target.name), JSON.stringify(next));
        this.cursor = next;
        return true;
      }
      this.deps.counted('failed');
      this.failures += 1;
      this.lastError = attempt.error;
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
