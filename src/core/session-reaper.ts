/**
 * Ends sessions whose visitor went silent: no poll held and nothing heard for
 * clientPollTimeout plus a grace period. The agent side is told (an event in the
 * log) and the session key answers 403 from then on.
 */
import type { SettingsConfig } from '../config/config-schema.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';

export class SessionReaper {
  private timer: TimerHandle | null = null;
  /**
   * While the emulator's clock advances: the sessions whose client is taken to
   * go on polling through the span, which is therefore not their silence
   * (emulator-time.ts, ADR 0030). Null otherwise.
   */
  private excused: ReadonlySet<ChatSession> | null = null;

  constructor(
    private readonly engine: ChatEngine,
    private readonly clock: Clock,
    private readonly settings: SettingsConfig,
  ) {}

  start(): void {
    const limitMs = this.limitMs();
    // Sweep often enough that a session ends within a quarter of its limit of being due.
    this.timer = this.clock.setInterval(() => this.sweep(), Math.max(50, Math.min(1000, limitMs / 4)));
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Ends every overdue session; returns how many. */
  sweep(): number {
    const now = this.clock.now();
    const limit = this.limitMs();
    // Runs every second over every session: collect the few that are due rather
    // than copying the whole map first (ending a session changes the map).
    let due: ChatSession[] | null = null;
    for (const s of this.engine.sessions.values()) {
      if (s.heldPoll || now - s.record.lastSeenAt <= limit || this.excused?.has(s)) continue;
      (due ??= []).push(s);
    }
    for (const s of due ?? []) this.engine.visitorTimedOut(s);
    return due?.length ?? 0;
  }

  /** Runs `during` (an advance of the emulator's clock) with `sessions` not timed out by it. */
  excuseDuring(sessions: ReadonlySet<ChatSession>, during: () => void): void {
    this.excused = sessions;
    try {
      during();
    } finally {
      this.excused = null;
    }
  }

  private limitMs(): number {
    return (this.settings.clientPollTimeoutSeconds + this.settings.sessionGraceSeconds) * 1000;
  }
}
