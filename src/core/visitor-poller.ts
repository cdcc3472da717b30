/**
 * System/Messages, the visitor's long poll. Answers at once when events wait, holds otherwise, and gives an empty answer (204) after the hold. A
 * newer poll on the same session replaces an older one, and a poll the client
 * abandoned gives back what it took, so no message goes to a dead socket.
 */
import type { SettingsConfig } from '../config/config-schema.js';
import type { ChatStore } from '../ports/chat-store.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { LogEvent } from '../ports/records.js';
import { fail, SwitchboardError } from '../protocol/errors.js';
import { STATE_CHANGING_TYPES, type WireMessage } from '../protocol/visitor-messages.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession, HeldPoll } from './chat-session.js';
import { toVisitorMessage } from './event-types.js';

/**
 * Tells a poll that its client went away. A plain object rather than an
 * AbortSignal: one is made for every held poll, and an EventTarget per poll
 * costs memory and GC time on a server holding tens of thousands of them.
 */
export interface ClientGone {
  aborted: boolean;
  /** Set by the poller while it holds; called once by the HTTP layer when the client leaves. */
  onAbort: (() => void) | null;
}

/** For requests that cannot be abandoned mid-way. */
export const NEVER_GONE: ClientGone = Object.freeze({ aborted: false, onAbort: null }) as ClientGone;

const EMPTY: PollOutcome = Object.freeze({ kind: 'empty' }) as PollOutcome;
const ABANDONED: PollOutcome = Object.freeze({ kind: 'abandoned' }) as PollOutcome;

/**
 * A poll waiting for events: woken by an append, by a newer poll, by shutdown,
 * by its client leaving, or by the end of the hold. Calls `done` once.
 */
class HeldWait implements HeldPoll {
  private done = false;
  private readonly timer: TimerHandle;

  constructor(
    private readonly poller: VisitorPoller,
    clock: Clock,
    private readonly s: ChatSession,
    private readonly signal: ClientGone,
    ms: number,
    private readonly callback: (why: 'wake' | 'timeout' | 'aborted') => void,
  ) {
    this.timer = clock.setTimeout(() => this.finish('timeout'), ms);
    s.heldPoll = this;
    if (signal !== NEVER_GONE) signal.onAbort = () => this.finish('aborted');
    poller.hold(this);
  }

  wake(): void {
    this.finish('wake');
  }

  private finish(why: 'wake' | 'timeout' | 'aborted'): void {
    if (this.done) return;
    this.done = true;
    this.timer.cancel();
    if (this.signal !== NEVER_GONE) this.signal.onAbort = null;
    if (this.s.heldPoll === this) this.s.heldPoll = null;
    this.poller.release(this);
    this.callback(why);
  }
}

export type PollOutcome =
  | { kind: 'messages'; messages: WireMessage[]; sequence: number; offset: number }
  | { kind: 'empty' }
  | { kind: 'abandoned' };

/** Store reads per poll when the tail is not in memory. */
const READ_BATCH = 100;

export class VisitorPoller {
  private shuttingDown = false;
  private readonly held = new Set<HeldPoll>();
  /** Told, for every answered payload, how long its oldest event waited since it was appended (ms). */
  onDelivered: (waitedMs: number) => void = () => undefined;

  constructor(
    private readonly engine: ChatEngine,
    private readonly store: ChatStore,
    private readonly clock: Clock,
    private readonly settings: SettingsConfig,
  ) {}

  /** Number of polls being held right now. */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * One Messages request. Written as a small state machine rather than an async
   * loop: a held poll then keeps one promise and one hold object alive, not a
   * chain of suspended async frames. With tens of thousands of polls held, that
   * difference is most of what each young-generation GC has to copy (bench/results).
   */
  poll(s: ChatSession, ack: number | undefined, signal: ClientGone): Promise<PollOutcome> {
    const generation = ++s.pollGeneration;
    s.heldPoll?.wake(); // an older poll gives way (it sees the newer generation)
    s.applyAck(ack);
    const deadline = this.clock.now() + this.settings.pollHoldSeconds * 1000;
    return new Promise<PollOutcome>((resolve, reject) => {
      const step = (tailRead: boolean): void => {
        try {
          this.touch(s);
          if (s.record.closed || this.engine.sessions.get(s.id) !== s) fail('SESSION_INVALID');
          const r = s.record;
          if (r.chatState === 'ended' && r.cursor >= r.lastVseq && r.lastVseq > 0) {
            // Everything including the final event was delivered and not re-requested.
            this.engine.close(s);
            fail('SESSION_INVALID');
          }
          let events = s.cachedVisitorEvents(r.cursor);
          if (events === null) {
            if (!tailRead) {
              // After a restart or a deep rewind the tail comes from the store, then the checks run again.
              this.store.readVisitorEvents(s.id, r.cursor, READ_BATCH).then((read) => { s.adoptTail(read); step(true); }, reject);
              return;
            }
            events = [];
          }
          if (s.pollGeneration !== generation) fail('POLL_REPLACED');
          if (signal.aborted) return resolve(ABANDONED);
          if (events.length) {
            this.deliver(s, events, signal).then(resolve, reject);
            return;
          }
          if (this.shuttingDown) return resolve(EMPTY);
          const remaining = deadline - this.clock.now();
          if (remaining <= 0) return resolve(EMPTY);
          new HeldWait(this, this.clock, s, signal, remaining, (why) => {
            if (s.pollGeneration !== generation) return reject(new SwitchboardError('POLL_REPLACED'));
            if (why === 'timeout') {
              this.touch(s);
              return resolve(EMPTY);
            }
            if (why === 'aborted') return resolve(ABANDONED);
            step(false);
          });
        } catch (err) {
          reject(err);
        }
      };
      step(false);
    });
  }

  /** Answers every held poll (with what is waiting, else empty): used by SIGTERM. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const h of [...this.held]) h.wake();
  }

  private async deliver(s: ChatSession, events: LogEvent[], signal: ClientGone): Promise<PollOutcome> {
    const payload = [events[0]!];
    for (let i = 1; i < events.length && payload.length < this.settings.messagesPerPayload; i++) {
      // Clients that read only messages[0] must still see every state change.
      if (STATE_CHANGING_TYPES.has(events[i]!.type)) break;
      payload.push(events[i]!);
    }
    const last = payload[payload.length - 1]!;
    const previousCursor = s.record.cursor;
    s.markDelivered(last.vseq!);
    await this.engine.queue.commit();
    if (signal.aborted) {
      s.undoDelivery(last.vseq!, previousCursor);
      return { kind: 'abandoned' };
    }
    this.onDelivered(this.clock.now() - payload[0]!.at);
    return { kind: 'messages', messages: payload.map(toVisitorMessage), sequence: last.vseq!, offset: last.offset };
  }

  /** Registers a held poll so shutdown can answer it (called by HeldWait). */
  hold(h: HeldWait): void {
    this.held.add(h);
    if (this.shuttingDown) h.wake();
  }

  release(h: HeldWait): void {
    this.held.delete(h);
  }

  /**
   * Events handed to a payload may not be durable yet: `deliver` answers only
   * after the group commit that holds them (and the cursor move), so nothing
   * reaches a client before the disk.
   */
  private touch(s: ChatSession): void {
    s.record.lastSeenAt = this.clock.now();
  }
}
