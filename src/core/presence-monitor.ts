/**
 * Drops agents who went silent: online (or away) with no stream connection open
 * and no heartbeat for the grace period, or offline but still holding chats for
 * the grace period (counted from the start, or the takeover), connected or not.
 * Their chats go back to the queue at their old place and the visitor hears
 * AgentDisconnect (engine.agentDisconnected). An agent holds chats while offline
 * after a restart (everyone starts offline, their chats are given back to them)
 * or after a supervisor moved a chat to them: without this, such a chat would
 * wait for that one agent for ever. In-process bots have no stream and are never
 * dropped.
 */
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { AgentStreamHub } from './agent-stream-hub.js';
import type { ChatEngine } from './chat-engine.js';

export class PresenceMonitor {
  private timer: TimerHandle | null = null;
  /**
   * A sweep at the moment the next agent's grace runs out (the periodic sweep, a quarter of the
   * grace apart, would drop it up to that much late). So an emulator advance of just over the grace
   * drops the agent inside the advance, and a real clock drops it on time.
   */
  private exact: TimerHandle | null = null;
  /** Agents get their grace from the monitor's start too: after a restart none has been seen yet. */
  private startedAt = 0;

  constructor(
    private readonly engine: ChatEngine,
    private readonly hub: AgentStreamHub,
    private readonly clock: Clock,
    private readonly graceMs: number,
  ) {}

  start(): void {
    this.startedAt = this.clock.now();
    this.timer = this.clock.setInterval(() => this.sweep(), Math.max(100, Math.min(5000, this.graceMs / 4)));
  }

  stop(): void {
    this.timer?.cancel();
    this.exact?.cancel();
    this.exact = null;
  }

  sweep(): string[] {
    const now = this.clock.now();
    const dropped: string[] = [];
    let nextDue = Infinity;
    this.hub.dropExpired();
    for (const a of this.engine.directory.all()) {
      if (a.config.bot || (a.presence === 'offline' && a.chats.size === 0)) continue;
      let since: number;
      if (a.presence === 'offline') {
        // Offline with chats (after a restart, or a takeover while offline): coming back is setting a
        // presence, not being connected. A client that opens its stream again but stays offline
        // would otherwise keep its visitors with nobody for ever (offline is a disconnect).
        since = Math.max(a.lastSeenAt, this.startedAt);
      } else {
        const live = this.hub.liveness(a.id);
        if (live.connections > 0) continue;
        since = Math.max(live.lastAliveAt, a.lastSeenAt, this.startedAt);
      }
      if (now - since <= this.graceMs) {
        nextDue = Math.min(nextDue, since + this.graceMs + 1);
        continue;
      }
      this.engine.agentActions.agentDisconnected(a.id);
      dropped.push(a.id);
    }
    this.exact?.cancel();
    // A heartbeat or a stream opened since only moves the due time later: that sweep finds nothing
    // and sets the next. One whose grace starts later is set by a periodic sweep before it is due.
    this.exact = nextDue === Infinity ? null : this.clock.setTimeout(() => {
      this.exact = null;
      this.sweep();
    }, nextDue - now);
    return dropped;
  }
}
