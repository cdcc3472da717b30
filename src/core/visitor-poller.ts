/**
 * System/Messages, the visitor's long poll. Answers at once when events wait, holds otherwise, and gives an empty answer (204) after the hold. A
 * newer poll on the same session replaces an older one, and a poll the client
 * abandoned gives back what it took, so no message goes to a dead socket.
 */
import type { SettingsConfig } from '../config/config-schema.js';
import type { ChatStore } from '../ports/chat-store.js';
import type { Clock } from '../ports/clock.js';
import type { LogEvent } from '../ports/records.js';
import { fail } from '../protocol/errors.js';
import { STATE_CHANGING_TYPES, type WireMessage } from '../protocol/visitor-messages.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
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

export type PollOutcome =
  | { kind: 'messages'; messages: WireMessage[]; sequence: number; offset: number }
  | { kind: 'empty' }
  | { kind: 'abandoned' };

/** Store reads per poll when the tail is not in memory. */
const READ_BATCH = 100;

export class VisitorPoller {
  private shuttingDown = false;
  private readonly held = new Set<{ wake(): void }>();
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

  async poll(s: ChatSession, ack: number | undefined, signal: ClientGone): Promise<PollOutcome> {
    const generation = ++s.pollGeneration;
    s.heldPoll?.wake(); // an older poll gives way (it sees the newer generation)
    s.applyAck(ack);
    const deadline = this.clock.now() + this.settings.pollHoldSeconds * 1000;
    for (;;) {
      this.touch(s);
      if (s.record.closed || this.engine.sessions.get(s.id) !== s) fail('SESSION_INVALID');
      const r = s.record;
      if (r.chatState === 'ended' && r.cursor >= r.lastVseq && r.lastVseq > 0) {
        // Everything including the final event was delivered and not re-requested.
        this.engine.close(s);
        fail('SESSION_INVALID');
      }
      const events = await this.pending(s);
      if (s.pollGeneration !== generation) fail('POLL_REPLACED');
      if (signal.aborted) return { kind: 'abandoned' };
      if (events.length) return this.deliver(s, events, signal);
      if (this.shuttingDown) return { kind: 'empty' };
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) return { kind: 'empty' };
      const why = await this.hold(s, remaining, signal);
      if (s.pollGeneration !== generation) fail('POLL_REPLACED');
      if (why === 'timeout') {
        this.touch(s);
        return { kind: 'empty' };
      }
      if (why === 'aborted') return { kind: 'abandoned' };
    }
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

  /**
   * Visitor events after the cursor, from memory or, after a restart, the store.
   * They may not be durable yet: `deliver` answers only after the group commit
   * that holds them (and the cursor move), so nothing reaches a client before the disk.
   */
  private async pending(s: ChatSession): Promise<LogEvent[]> {
    const after = s.record.cursor;
    let events = s.cachedVisitorEvents(after);
    if (events === null) {
      s.adoptTail(await this.store.readVisitorEvents(s.id, after, READ_BATCH));
      events = s.cachedVisitorEvents(s.record.cursor) ?? [];
    }
    return events;
  }

  private hold(s: ChatSession, ms: number, signal: ClientGone): Promise<'wake' | 'timeout' | 'aborted'> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (why: 'wake' | 'timeout' | 'aborted') => {
        if (done) return;
        done = true;
        timer.cancel();
        if (signal.onAbort === onAbort) signal.onAbort = null;
        if (s.heldPoll === holder) s.heldPoll = null;
        this.held.delete(holder);
        resolve(why);
      };
      const onAbort = () => finish('aborted');
      const holder = { wake: () => finish('wake') };
      const timer = this.clock.setTimeout(() => finish('timeout'), ms);
      s.heldPoll = holder;
      this.held.add(holder);
      if (signal !== NEVER_GONE) signal.onAbort = onAbort;
      if (this.shuttingDown) finish('wake');
    });
  }

  private touch(s: ChatSession): void {
    s.record.lastSeenAt = this.clock.now();
  }
}
