/**
 * Live Agent's "Raise Flag" (docs/adr/0056): the agent who holds a chat raises a flag with a short
 * message to ask a supervisor for help; the org's supervisors see the chat flagged, and the holder
 * or a supervisor lowers it. The flag is a field of the session record (durable with the group
 * commit that appends its event), and every change is an agent-side log event (FlagRaised,
 * FlagLowered) that the visitor never receives.
 *
 * One rule, as for conferences (ADR 0051): a flag lives only while its raiser holds the chat.
 * Whatever ends the chat or moves it away from its holder (a transfer, a supervisor's reassign or
 * takeover, the holder's drop) lowers it first, by the server (`by: null`) with the reason.
 */
import type { ChatFlag } from '../ports/records.js';
import type { FlagReason } from '../protocol/agent-api-types.js';
import { fail } from '../protocol/errors.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
import { EventType } from './event-types.js';

export class ChatFlags {
  /** Flags raised since the start (a new message on a raised flag is not counted): switchboard_flags_raised_total. */
  raised = 0;

  constructor(private readonly engine: ChatEngine) {}

  /**
   * The holder raises the chat's flag, or replaces the message of the flag it raised. The same
   * message again changes nothing and appends nothing (a retried raise).
   */
  raise(agentId: string, sessionId: string, message: string): ChatFlag {
    const s = this.engine.conferences.requireHolder(agentId, sessionId, 'raise a flag');
    const r = s.record;
    const orgId = r.request?.orgId;
    // Agent-side text kept in the chat's log: masked as an agent's (ADR 0052).
    const text = orgId === undefined ? message : this.engine.sensitiveData.mask(orgId, 'agent', message);
    if (r.flag && r.flag.message === text) return r.flag;
    const fresh = !r.flag;
    r.flag = { raisedBy: agentId, message: text, raisedAt: r.flag?.raisedAt ?? this.engine.clock.now() };
    s.touchRecord();
    this.engine.append(s, EventType.FlagRaised, 'agent', { ...r.flag }, false);
    if (fresh) this.raised += 1;
    return r.flag;
  }

  /**
   * The holder or a supervisor of the org lowers the flag (the route checked who may reach the
   * chat). A participant may not (HOLDER_ONLY). A flag already down: nothing changes.
   */
  lower(userId: string, supervisor: boolean, s: ChatSession): null {
    const r = s.record;
    if (!supervisor && r.chatState === 'established' && r.agentId !== userId && r.participants?.includes(userId)) fail('HOLDER_ONLY', 'lower the flag');
    if (r.flag) this.lowerNow(s, userId, 'lowered');
    return null;
  }

  /**
   * The chat ends or leaves its holder: its flag goes down first (the server's, `by: null`), so
   * that the holder and the supervisors hear of it while the holder still holds the chat.
   */
  chatLeavesHolder(s: ChatSession, reason: Exclude<FlagReason, 'raised' | 'lowered'>): void {
    if (s.record.flag) this.lowerNow(s, null, reason);
  }

  private lowerNow(s: ChatSession, by: string | null, reason: FlagReason): void {
    const flag = s.record.flag!;
    s.record.flag = null;
    s.touchRecord();
    this.engine.append(s, EventType.FlagLowered, by === null ? 'system' : 'agent', { raisedBy: flag.raisedBy, message: flag.message, by, reason }, false);
  }
}
