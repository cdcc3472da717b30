/**
 * Chasitor idle timeout, per button: after an agent's message, a visitor who
 * stays silent for `warningTime` seconds gets a warning, and after `timeout`
 * seconds the chat ends (ChatEnded, reason `chasitorIdleTimeout`). Any visitor
 * message clears it; the visitor typing starts the count again (ADR 0072). While the chat is back in a queue (a transfer, an agent
 * who dropped) nobody holds it and the count is suspended; a transfer that
 * fails resumes it (the visitor never saw the transfer and still owes the
 * caller an answer), and so does a supervisor's reassign (the new holder
 * inherits the visitor's unanswered state as it was); a new agent accepting
 * the chat from the queue drops it.
 */
import type { ButtonConfig } from '../config/config-schema.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { ChatSession } from './chat-session.js';

export interface IdleTimeoutHost {
  buttonFor(s: ChatSession): ButtonConfig | undefined;
  /** The visitor-visible warning (type `triggered` or `cleared`). */
  warn(s: ChatSession, type: 'triggered' | 'cleared'): void;
  expire(s: ChatSession): void;
}

interface Armed {
  warning: TimerHandle | null;
  end: TimerHandle;
  warned: boolean;
}

export class IdleTimeouts {
  private readonly armed = new Map<string, Armed>();
  /** Chats whose count was suspended (see {@link suspend}), with whether the warning had fired. */
  private readonly suspended = new Map<string, boolean>();

  constructor(
    private readonly clock: Clock,
    private readonly host: IdleTimeoutHost,
  ) {}

  /**
   * Starts counting (unless already counting from an earlier unanswered agent
   * message). `warned`: the visitor was warned already (a restart re-arms a chat
   * whose warning had fired): no second warning, and a later visitor message clears it.
   */
  armAfterAgentMessage(s: ChatSession, warned = false): void {
    const cfg = this.host.buttonFor(s)?.chasitorIdleTimeout;
    if (!cfg?.isEnabled || cfg.timeout <= 0) return;
    if (this.armed.has(s.id)) return; // already counting from the first unanswered agent message
    const a: Armed = { warning: null, end: null as unknown as TimerHandle, warned };
    if (!warned && cfg.warningTime > 0 && cfg.warningTime < cfg.timeout) {
      a.warning = this.clock.setTimeout(() => { a.warned = true; this.host.warn(s, 'triggered'); }, cfg.warningTime * 1000);
    }
    a.end = this.clock.setTimeout(() => { this.disarm(s); this.host.expire(s); }, cfg.timeout * 1000);
    this.armed.set(s.id, a);
  }

  /**
   * The visitor is typing (ChasitorTyping, a sneak peek): present, only not done yet. The count
   * starts again from now, and a warning given is cleared, so a slow typist is not cut off with
   * the answer half written (ADR 0072). A count suspended while the chat is queued stays as it is.
   */
  onVisitorTyping(s: ChatSession): void {
    const a = this.armed.get(s.id);
    if (!a) return;
    this.disarm(s);
    if (a.warned) this.host.warn(s, 'cleared');
    this.armAfterAgentMessage(s);
  }

  onVisitorMessage(s: ChatSession): void {
    const warned = this.armed.get(s.id)?.warned ?? this.suspended.get(s.id);
    if (warned === undefined) return;
    this.disarm(s);
    if (warned) this.host.warn(s, 'cleared');
  }

  /**
   * The chat left its agent for a queue: the timers stop, and whether they were
   * counting (and had warned) is kept for {@link resume}.
   */
  suspend(s: ChatSession): void {
    const a = this.armed.get(s.id);
    this.disarm(s);
    if (a) this.suspended.set(s.id, a.warned);
  }

  /**
   * The chat is its agent's again without the visitor having seen a change (a
   * failed transfer): a suspended count starts again from now, with the button
   * the chat is routed through now, and a warning that fired is not repeated
   * (as after a restart).
   */
  resume(s: ChatSession): void {
    const warned = this.suspended.get(s.id);
    if (warned === undefined) return;
    this.suspended.delete(s.id);
    this.armAfterAgentMessage(s, warned);
  }

  /**
   * After a restart: a chat under transfer whose count was suspended before it (the
   * suspension lived in memory) is suspended again, so that {@link resume} finds it.
   */
  restoreSuspended(s: ChatSession, warned: boolean): void {
    this.suspended.set(s.id, warned);
  }

  /** A new agent took the chat: a count suspended for its previous one is over. */
  dropSuspended(s: ChatSession): void {
    this.suspended.delete(s.id);
  }

  disarm(s: ChatSession): void {
    this.suspended.delete(s.id);
    const a = this.armed.get(s.id);
    if (!a) return;
    a.warning?.cancel();
    a.end.cancel();
    this.armed.delete(s.id);
  }
}
