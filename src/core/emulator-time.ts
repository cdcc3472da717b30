/**
 * The emulator's time control (docs/emulator.md "Controlling time", ADR 0030):
 * a test moves the server's clock forward, and everything due in the span
 * happens at once, in time order — idle warnings and ends, offer timeouts,
 * the end of poll holds, session timeouts, presence checks, retention.
 *
 * What an advance means for the clients, which cannot act during it: a client
 * that is polling goes on polling. Its held poll is answered when its hold ends
 * in the span (204, or the events that woke it), as in real time, and the span
 * is not counted as its silence: the session reaper leaves it alone inside the
 * span, and its silence counts from the end. A session with no poll held is
 * silent throughout, and times out inside the span when its clientPollTimeout
 * plus grace falls there. A client between two polls (answered a moment ago,
 * its next poll on the way) is waited for, up to a second, so that a test that
 * advances right after its visitor got a message does not race the re-poll.
 *
 * Only with the memory store: on SQLite and PostgreSQL an advance would write
 * timestamps ahead of real time for good and let retention delete transcripts
 * early, which an emulator mode left on in production must not be able to do
 * (the same reason a reset is refused there, ADR 0022).
 */
import type { AdjustableClock, Clock } from '../ports/clock.js';
import type { ClockReading } from '../protocol/emulator-types.js';
import { fail } from '../protocol/errors.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
import type { SessionReaper } from './session-reaper.js';

/** A visitor heard from this recently (ms) with no poll held is taken to be between two polls. */
export const REPOLL_WAIT_MS = 1_000;
/** How often the wait for those polls looks again. */
const REPOLL_CHECK_MS = 10;

export interface EmulatorTimeDeps {
  /** The server's clock; null when the store is durable (no time control there). */
  clock: AdjustableClock | null;
  /** Real time, for the wait on clients between two polls. */
  realTime: Clock;
  engine: ChatEngine;
  reaper: SessionReaper;
  /** The store's kind, for the refusal's text. */
  storeKind: string;
}

export class EmulatorTime {
  /** Advances run one after another (each waits for re-polls first). */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: EmulatorTimeDeps) {}

  /** The clock as it reads now. */
  reading(): ClockReading {
    const now = this.deps.engine.clock.now();
    return { now, iso: new Date(now).toISOString(), offsetSeconds: (this.deps.clock?.offsetMs ?? 0) / 1000 };
  }

  /** Moves the clock `seconds` forward (see the file comment); resolves with the new reading. */
  advance(seconds: number): Promise<ClockReading> {
    const { clock, storeKind } = this.deps;
    if (!clock) fail('CONFLICT', `clock control needs storage.kind memory; this server's store is ${storeKind}, where an advance would leave timestamps ahead of real time for good and let retention delete transcripts early (docs/emulator.md)`);
    const ms = Math.round(seconds * 1000);
    const run = this.last.then(() => this.advanceNow(clock, ms));
    this.last = run.catch(() => undefined);
    return run;
  }

  private async advanceNow(clock: AdjustableClock, ms: number): Promise<ClockReading> {
    const { engine, reaper } = this.deps;
    await this.repolls();
    const polling = new Set<ChatSession>();
    for (const s of engine.sessions.values()) if (s.heldPoll) polling.add(s);
    try {
      reaper.excuseDuring(polling, () => clock.advance(ms));
    } finally {
      // Their clients poll again the moment the advance answers: their silence starts here.
      const now = clock.now();
      for (const s of polling) if (!s.record.closed && engine.sessions.get(s.id) === s) s.record.lastSeenAt = Math.max(s.record.lastSeenAt, now);
    }
    return this.reading();
  }

  /** Waits, up to {@link REPOLL_WAIT_MS}, until no visitor is between two polls. */
  private async repolls(): Promise<void> {
    const { realTime } = this.deps;
    const giveUpAt = realTime.now() + REPOLL_WAIT_MS;
    while (this.someBetweenPolls() && realTime.now() < giveUpAt) {
      await new Promise<void>((resolve) => realTime.setTimeout(resolve, REPOLL_CHECK_MS));
    }
  }

  private someBetweenPolls(): boolean {
    const { engine } = this.deps;
    const now = engine.clock.now();
    for (const s of engine.sessions.values()) {
      if (!s.heldPoll && !s.record.closed && now - s.record.lastSeenAt < REPOLL_WAIT_MS) return true;
    }
    return false;
  }
}
