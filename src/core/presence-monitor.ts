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
  }

  sweep(): string[] {
    const now = this.clock.now();
    const dropped: string[] = [];
    this.hub.dropExpired();
    for (const a of this.engine.directory.all()) {
      if (a.config.bot || (a.presence === 'offline' && a.chats.size === 0)) continue;
      if (a.presence === 'offline') {
        // Offline with chats (after a restart, or a takeover while offline): coming back is setting a
        // presence, not being connected. A client that opens its stream again but stays offline
        // would otherwise keep its visitors with nobody for ever (offline is a disconnect).
        if (now - Math.max(a.lastSeenAt, this.startedAt) <= this.graceMs) continue;
      } else {
        const live = this.hub.liveness(a.id);
        if (live.connections > 0 || now - Math.max(live.lastAliveAt, a.lastSeenAt, this.startedAt) <= this.graceMs) continue;
      }
      this.engine.agentActions.agentDisconnected(a.id);
      dropped.push(a.id);
    }
    return dropped;
  }
}
