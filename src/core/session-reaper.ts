/**
 * Ends sessions whose visitor went silent: no poll held and nothing heard for
 * clientPollTimeout plus a grace period. The agent side is told (an event in the
 * log) and the session key answers 403 from then on.
 */
import type { SettingsConfig } from '../config/config-schema.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { ChatEngine } from './chat-engine.js';

export class SessionReaper {
  private timer: TimerHandle | null = null;

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
    let ended = 0;
    for (const s of [...this.engine.sessions.values()]) {
      if (s.heldPoll || now - s.record.lastSeenAt <= limit) continue;
      this.engine.visitorTimedOut(s);
      ended++;
    }
    return ended;
  }

  private limitMs(): number {
    return (this.settings.clientPollTimeoutSeconds + this.settings.sessionGraceSeconds) * 1000;
  }
}
