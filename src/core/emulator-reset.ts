/**
 * The emulator's reset (docs/emulator.md, ADR 0022): puts the server back to what
 * a fresh start with the same config gives, without a restart, so that one CI
 * test cannot leave chats behind for the next. Every session and chat is
 * dropped without a word to the visitor (a held poll answers 403, as for a
 * session that ended), queues and wait statistics are emptied, agents hold
 * nothing and have their start-up presence (bots online, people offline), their
 * streams get a `resync`, and the store's chat data is wiped in the write order
 * of the group commit, and the clock is back to real time (ADR 0030). Users,
 * API keys and tokens stay: agents stay logged in.
 *
 * Only the memory store is wiped: on SQLite or PostgreSQL the reset is refused,
 * because there it would delete every transcript for good on one HTTP request,
 * and an emulator switched on by mistake in production must not be able to.
 */
import type { ChatStore } from '../ports/chat-store.js';
import type { AdjustableClock } from '../ports/clock.js';
import type { ResetOutcome } from '../protocol/emulator-types.js';
import { fail } from '../protocol/errors.js';
import type { AgentStreamHub } from './agent-stream-hub.js';
import type { ChatEngine } from './chat-engine.js';

export interface EmulatorResetDeps {
  engine: ChatEngine;
  hub: AgentStreamHub;
  store: ChatStore;
  /** The emulator's clock, back to real time first (a fresh start has no offset; ADR 0030). */
  clock?: Pick<AdjustableClock, 'rewind'> | null;
  /** Whatever else a fresh start has empty (faults, rate limits): cleared in the same turn. */
  alsoClear: readonly (() => void)[];
}

export class EmulatorReset {
  constructor(private readonly deps: EmulatorResetDeps) {}

  /**
   * Resets; resolves once the wipe is durable, after which every agent stream has had
   * its `resync`. Everything in memory changes in this one turn of the event loop, so a
   * request is wholly before the reset or wholly after it.
   */
  async reset(): Promise<ResetOutcome> {
    const { engine, hub, store } = this.deps;
    if (!store.canWipe) fail('CONFLICT', `reset needs storage.kind memory; this server's store is ${store.kind}, whose chats a reset would delete for good (docs/emulator.md)`);
    // First, so that what the reset writes (agents' last-seen times) has real time.
    this.deps.clock?.rewind();
    const dropped = engine.discardAllSessions();
    const chats = dropped.filter((s) => s.record.request !== null && s.record.endedAt === null).length;
    engine.waits.clear();
    const now = engine.clock.now();
    for (const a of engine.directory.all()) {
      a.chats.clear();
      a.transfersOut.clear();
      // As at start-up: a bot goes online as it starts, a person logs in and chooses.
      a.presence = a.config.bot ? 'online' : 'offline';
      a.capacity = a.config.capacity;
      a.lastSeenAt = now;
    }
    for (const clear of this.deps.alsoClear) clear();
    await engine.queue.discardAndWipe();
    // Told once the wipe is durable, like every notification (ADR 0005).
    hub.resetStreams();
    return { sessions: dropped.length, chats };
  }
}
