/**
 * System/Messages, the visitor's long poll. Answers at once when events wait, holds otherwise, and gives an empty answer (204) after the hold. A
 * newer poll on the same session replaces an older one, and a poll the client
 * abandoned gives back what it took, so no message goes to a dead socket.
 */
import type { SettingsConfig } from '../config/config-schema.js';
import type { ChatStore } from '../ports/chat-store.js';
import type { Clock } from '../ports/clock.js';
import type { LogEvent } from '../ports/records.js';
import { fail, SwitchboardError } from '../protocol/errors.js';
import { STATE_CHANGING_TYPES, type WireMessage } from '../protocol/visitor-messages.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession, HeldPoll } from './chat-session.js';
import { DeadlineWheel, type Expiring } from './deadline-wheel.js';
import { toVisitorMessage } from './event-types.js';

/**
 * Tells a poll that its client went away. A plain object rather than an
 * AbortSignal: one is made for every held poll, and an EventTarget per poll
 * costs memory and GC time on a server holding tens of thousands of them.
 */
export interface ClientGone {
  aborted: boolean;
  /**
   * Set by the poller while it holds; told once by the HTTP layer when the client
   * leaves. An object with a method, not a callback: no closure per held poll.
   */
  watcher: { clientGone(): void } | null;
}

/** For requests that cannot be abandoned mid-way. */
export const NEVER_GONE: ClientGone = Object.freeze({ aborted: false, watcher: null }) as ClientGone;

const EMPTY: PollOutcome = Object.freeze({ kind: 'empty' }) as PollOutcome;
const ABANDONED: PollOutcome = Object.freeze({ kind: 'abandoned' }) as PollOutcome;

/** How a poll ends: an error (a SwitchboardError such as POLL_REPLACED) or its outcome. */
export type PollDone = (err: unknown, outcome: PollOutcome | null) => void;

/**
 * One Messages request, from arrival to answer: checks, takes waiting events or
 * holds until an append, a newer poll, shutdown, its client leaving or the end
 * of the hold wakes it, then checks again. Calls `done` once.
 *
 * One plain object with a callback, not a promise chain: a held poll is alive
 * for seconds and survives young-generation GCs, so everything it references is
 * copied by each of them, and a promise resolved with the payload would keep the
 * payload alive (from an already promoted, dead object) until the next full GC
 * (bench/results/profiling-notes.md, session 3).
 */
class PollRun implements HeldPoll, Expiring {
  /** The poller's deadline slot while holding, -1 otherwise. */
  private slot = -1;
  private tailRead = false;
  private finished = false;
  /** Held after a store failure until its next try, not until the end of the hold. */
  private retrying = false;

  constructor(
    private readonly poller: VisitorPoller,
    private readonly s: ChatSession,
    private readonly generation: number,
    private readonly deadline: number,
    private readonly signal: ClientGone,
    private readonly done: PollDone,
  ) {}

  step(): void {
    const { poller, s } = this;
    try {
      poller.touch(s);
      if (s.record.closed || poller.engine.sessions.get(s.id) !== s) {
        // The visitor's own ChatEnd (or DELETE) closed the session under this poll: the
        // close is normal, and clients that alert on any non-2xx would show an error for
        // it. The poll ends as a quiet one; what was still undelivered stays so (the
        // visitor left), and a new poll is refused at the gate (403) as before.
        if (s.endedByVisitor) return this.end(null, EMPTY);
        fail('SESSION_INVALID');
      }
      const r = s.record;
      s.passResyncBlocks();
      if (r.chatState === 'ended' && r.cursor >= r.lastVseq && r.lastVseq > 0) {
        // Everything including the final event was delivered and not re-requested.
        poller.engine.close(s);
        fail('SESSION_INVALID');
      }
      let events = s.cachedVisitorEvents(r.cursor);
      if (events === null) {
        if (!this.tailRead) {
          // After a restart or a deep rewind the tail comes from the store, then the checks run again.
          this.tailRead = true;
          poller.store.readVisitorEvents(s.id, r.cursor, READ_BATCH).then((read) => { s.adoptTail(read); this.step(); }, () => this.storeFailed());
          return;
        }
        events = [];
      }
      this.tailRead = false;
      if (s.pollGeneration !== this.generation) fail('POLL_REPLACED');
      if (this.signal.aborted) return this.end(null, ABANDONED);
      if (events.length) return poller.deliver(s, events, this.signal, this.done, this);
      if (poller.shuttingDown) return this.end(null, EMPTY);
      if (this.deadline <= poller.clock.now()) return this.end(null, EMPTY);
      this.hold();
    } catch (err) {
      this.end(err, null);
    }
  }

  /** Woken by an append, a newer poll or shutdown: look again. */
  wake(): void {
    this.resume('wake');
  }

  /** The client went away while this poll was held (ClientGone). */
  clientGone(): void {
    this.resume('aborted');
  }

  /** The hold is over (the poller's deadline wheel). */
  expire(): void {
    this.resume('timeout');
  }

  /**
   * The store failed the read or the write this answer needed (ADR 0016: the batch
   * is written again after a back-off). Never a 5xx: several clients stop polling
   * for good on any non-2xx answer to Messages (wire-compat.md). The poll stays
   * held and tries again shortly, or when the session wakes it; at the end of its
   * hold it answers empty, like any quiet poll, and the client polls again.
   */
  storeFailed(): void {
    this.tailRead = false;
    if (this.deadline <= this.poller.clock.now() || this.poller.shuttingDown) return this.end(null, EMPTY);
    this.retrying = true;
    this.hold(Math.min(this.deadline, this.poller.clock.now() + STORE_RETRY_MS));
  }

  private hold(until = this.deadline): void {
    this.slot = this.poller.deadlines.add(this, until);
    this.s.heldPoll = this;
    if (this.signal !== NEVER_GONE) this.signal.watcher = this;
    if (this.poller.shuttingDown) this.wake();
  }

  private resume(why: 'wake' | 'timeout' | 'aborted'): void {
    if (this.slot < 0) return; // not holding (woken already)
    this.poller.deadlines.remove(this, this.slot);
    this.slot = -1;
    if (this.signal !== NEVER_GONE) this.signal.watcher = null;
    if (this.s.heldPoll === this) this.s.heldPoll = null;
    if (this.s.pollGeneration !== this.generation) return this.end(new SwitchboardError('POLL_REPLACED'), null);
    const retrying = this.retrying;
    this.retrying = false;
    if (why === 'timeout' && retrying && this.deadline > this.poller.clock.now()) return this.step();
    if (why === 'timeout') {
      this.poller.touch(this.s);
      return this.end(null, EMPTY);
    }
    if (why === 'aborted') return this.end(null, ABANDONED);
    this.step();
  }

  private end(err: unknown, outcome: PollOutcome | null): void {
    if (this.finished) return;
    this.finished = true;
    this.done(err, outcome);
  }
}

export type PollOutcome =
  | { kind: 'messages'; messages: WireMessage[]; sequence: number; offset: number }
  | { kind: 'empty' }
  | { kind: 'abandoned' };

/** After a store failure, a held poll looks again this soon (or when woken). */
const STORE_RETRY_MS = 1_000;
/** Store reads per poll when the tail is not in memory. */
const READ_BATCH = 100;
/** Granularity of poll holds: a hold ends at its deadline or up to this much later. */
const HOLD_RESOLUTION_MS = 25;

export class VisitorPoller {
  private stopping = false;
  /** Every held poll, by when its hold ends (read by PollRun). */
  readonly deadlines: DeadlineWheel<PollRun>;
  /** Told, for every answered payload, how long its oldest event waited since it was appended (ms). */
  onDelivered: (waitedMs: number) => void = () => undefined;

  // engine, store and clock are read by PollRun.
  constructor(
    readonly engine: ChatEngine,
    readonly store: ChatStore,
    readonly clock: Clock,
    private readonly settings: SettingsConfig,
  ) {
    this.deadlines = new DeadlineWheel(clock, HOLD_RESOLUTION_MS);
  }

  /** True once shutdown() ran: polls answer at once instead of holding. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Number of polls being held right now. */
  get heldCount(): number {
    return this.deadlines.size;
  }

  /** One Messages request (see PollRun); `done` is called once, with an error or the outcome. */
  poll(s: ChatSession, ack: number | undefined, signal: ClientGone, done: PollDone): void {
    const generation = ++s.pollGeneration;
    s.heldPoll?.wake(); // an older poll gives way (it sees the newer generation)
    s.applyAck(ack);
    new PollRun(this, s, generation, this.clock.now() + this.settings.pollHoldSeconds * 1000, signal, done).step();
  }

  /** Answers every held poll (with what is waiting, else empty): used by SIGTERM. */
  shutdown(): void {
    this.stopping = true;
    for (const h of this.deadlines.items()) h.wake();
  }

  /**
   * Hands events to a poll (called by PollRun). Events in a payload may not be
   * durable yet: the answer waits for the group commit that holds them and the
   * cursor move, so nothing reaches a client before the disk.
   */
  deliver(s: ChatSession, events: LogEvent[], signal: ClientGone, done: PollDone, run: { storeFailed(): void }): void {
    const payload = [events[0]!];
    for (let i = 1; i < events.length && payload.length < this.settings.messagesPerPayload; i++) {
      // Clients that read only messages[0] must still see every state change.
      if (STATE_CHANGING_TYPES.has(events[i]!.type)) break;
      payload.push(events[i]!);
    }
    const last = payload[payload.length - 1]!;
    const previousCursor = s.record.cursor;
    s.markDelivered(last.vseq!);
    this.engine.queue.commit().then(() => {
      if (signal.aborted) {
        s.undoDelivery(last.vseq!, previousCursor);
        return done(null, ABANDONED);
      }
      this.onDelivered(this.clock.now() - payload[0]!.at);
      done(null, { kind: 'messages', messages: payload.map(toVisitorMessage), sequence: last.vseq!, offset: last.offset });
    }, () => {
      // Not written yet: the events stay unread, and the poll tries again (storeFailed).
      s.undoDelivery(last.vseq!, previousCursor);
      if (signal.aborted) return done(null, ABANDONED);
      run.storeFailed();
    });
  }

  /** The visitor was heard from (every poll step and hold timeout). */
  touch(s: ChatSession): void {
    s.record.lastSeenAt = this.clock.now();
  }
}
