/**
 * Chat conferences (Live Agent's "chat conferencing", docs/adr/0051): the agent who holds a chat
 * invites one other agent at a time; the invitee gets an `offer` marked `conference` and accepts,
 * declines or lets it time out as any offer. Once it joins it is a participant: it reads the chat,
 * sends messages and typing, and counts the chat in its load, but only the holder transfers, ends
 * or invites. The visitor hears `AgentJoinedConference {name}` and `AgentLeftConference {name}`.
 *
 * One rule keeps the rest of the engine unchanged: a conference lives only while its holder holds
 * the chat. Whatever moves the chat away from its holder (a transfer, a supervisor's reassign or
 * takeover, the holder's disconnect) first makes every participant leave, each with
 * AgentLeftConference, and withdraws an open invitation; an end just ends, freeing everyone.
 */
import type { LogEvent } from '../ports/records.js';
import { fail } from '../protocol/errors.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
import { EventType } from './event-types.js';

/** Why a participant left, in `AgentLeftConference`'s agent-side `reason`. */
export type LeaveReason = 'left' | 'chatMoved' | 'disconnected';

export class Conferences {
  constructor(private readonly engine: ChatEngine) {}

  /** The holder invites `agentId`. Checked in full before anything changes. */
  invite(holderId: string, sessionId: string, agentId: string): void {
    const { engine } = this;
    const s = this.requireHolder(holderId, sessionId, 'invite to a conference');
    const r = s.record;
    const holder = engine.directory.get(holderId)!;
    const to = engine.directory.get(agentId);
    if (r.conferenceInvite) fail('CONFERENCE_INVITE_PENDING', r.conferenceInvite.agentId);
    const max = engine.settings.conferenceMaxAgents;
    if (1 + (r.participants?.length ?? 0) >= max) fail('CONFERENCE_FULL', `at most ${max} agents per chat`);
    if (!to || to.orgId !== holder.orgId || to.id === holder.id || r.participants?.includes(to.id) || !engine.directory.hasRoom(to)) {
      fail('CONFLICT', `agent ${agentId} cannot join the chat now`);
    }
    const button = engine.queueConfig(r.queueKey ?? r.routedButtonId!, r.routedButtonId!);
    const timeoutMs = button.offerTimeoutSeconds * 1000;
    r.conferenceInvite = { agentId: to.id, from: holder.id, expiresAt: engine.clock.now() + timeoutMs };
    // The invitation counts in the invitee's load as an offer does: it cannot be promised elsewhere meanwhile.
    to.chats.add(s.id);
    engine.append(s, EventType.ConferenceInvited, 'agent', { from: holder.id, agentId: to.id }, false);
    s.inviteTimer?.cancel();
    s.inviteTimer = engine.clock.setTimeout(() => {
      if (engine.sessions.get(s.id) !== s || s.record.conferenceInvite?.agentId !== to.id) return;
      this.failInvite(s, 'OfferTimedOut');
      // Let pass as an offer is: away if its org says so (ADR 0054, note), before anything is routed.
      engine.offerPassed(to.id, EventType.OfferTimedOut);
      engine.dispatch();
    }, timeoutMs);
  }

  /** Whether `agentId` has an open invitation into the chat (its accept and decline are this module's). */
  invitedTo(sessionId: string, agentId: string): boolean {
    const inv = this.engine.sessions.get(sessionId)?.record.conferenceInvite;
    return inv !== undefined && inv !== null && this.engine.directory.get(agentId)?.id === inv.agentId;
  }

  /** The invitee accepts: it joins, and the visitor hears AgentJoinedConference. */
  accept(agentId: string, sessionId: string): void {
    const s = this.engine.sessions.get(sessionId)!;
    const r = s.record;
    const agent = this.engine.directory.get(agentId)!;
    this.closeInvite(s, 'accepted');
    r.participants = [...(r.participants ?? []), agent.id];
    // Kept after it leaves: it was in the chat ("My past chats", the search by agent, the transcript).
    if (!r.participated?.includes(agent.id)) r.participated = [...(r.participated ?? []), agent.id];
    // Its load counts the chat from the invitation on (chats kept it): nothing to add.
    this.engine.append(s, EventType.AgentJoinedConference, 'agent', { name: agent.name, $meta: { agentSide: { agentId: agent.id } } }, true);
  }

  /**
   * The invitee declines; the holder reads `ConferenceInviteFailed {reason: OfferDeclined, detail}`.
   * The invitee is set away when its org's `autoAwayOnDecline` is on, as for any offer (ADR 0054, note).
   */
  decline(sessionId: string, reason: string): void {
    const s = this.engine.sessions.get(sessionId)!;
    const invitee = s.record.conferenceInvite!.agentId;
    this.failInvite(s, 'OfferDeclined', reason);
    this.engine.offerPassed(invitee, EventType.OfferDeclined);
    this.engine.dispatch();
  }

  /** A participant leaves of its own accord (or is made to: see {@link dissolve}, {@link agentGone}). */
  leave(agentId: string, sessionId: string): void {
    const s = this.engine.sessions.get(sessionId);
    const id = this.engine.directory.get(agentId)?.id;
    if (!s || s.record.chatState !== 'established' || id === undefined || !s.record.participants?.includes(id)) fail('CONFLICT', 'this agent is in no conference of this chat');
    this.removeParticipant(s, id, 'left');
    this.engine.dispatch(); // its freed capacity may take a waiting chat
  }

  /**
   * The chat is about to leave its holder: every participant leaves (AgentLeftConference each,
   * `chatMoved`) and an open invitation is withdrawn, before the event that moves the chat.
   */
  dissolve(s: ChatSession): void {
    if (s.record.conferenceInvite) this.failInvite(s, 'Withdrawn');
    for (const id of [...(s.record.participants ?? [])]) this.removeParticipant(s, id, 'chatMoved');
  }

  /**
   * An agent stepped away, went offline or dropped: an invitation to it is withdrawn as an offer
   * is (`OfferTimedOut`, not passing); with `leaveConferences` (offline or dropped, not away) it
   * also leaves every conference it is in (`disconnected`). Callers dispatch afterwards.
   */
  agentGone(agentId: string, leaveConferences: boolean): void {
    const a = this.engine.directory.get(agentId);
    if (!a) return;
    for (const id of [...a.chats]) {
      const s = this.engine.sessions.get(id);
      if (!s) continue;
      if (s.record.conferenceInvite?.agentId === a.id) this.failInvite(s, 'OfferTimedOut', `agent ${a.presence}`);
      else if (leaveConferences && s.record.participants?.includes(a.id)) this.removeParticipant(s, a.id, 'disconnected');
    }
  }

  /** The chat ended: participants and an invitee are free (no event: ChatEnded says it all). */
  chatEnded(s: ChatSession): void {
    const r = s.record;
    s.inviteTimer?.cancel();
    s.inviteTimer = null;
    if (r.conferenceInvite) {
      this.engine.directory.get(r.conferenceInvite.agentId)?.chats.delete(s.id);
      this.engine.directory.notify(r.conferenceInvite.agentId, { kind: 'offer-withdrawn', sessionId: s.id, reason: 'ChatEnded' });
      r.conferenceInvite = null;
    }
    for (const id of r.participants ?? []) this.engine.directory.get(id)?.chats.delete(s.id);
  }

  /**
   * At start-up, for a stored chat: its participants count it again (they start offline, with the
   * agents' grace to come back, as its holder does); an invitation open at the restart is withdrawn
   * (`restart`): its offer lived in memory, and its invitee has to be online to take it.
   */
  restore(s: ChatSession): void {
    const r = s.record;
    if (r.chatState !== 'established') {
      if (r.participants?.length || r.conferenceInvite) {
        r.participants = [];
        r.conferenceInvite = null;
        s.touchRecord();
      }
      return;
    }
    for (const id of r.participants ?? []) this.engine.directory.get(id)?.chats.add(s.id);
    if (r.conferenceInvite) {
      const to = r.conferenceInvite.agentId;
      r.conferenceInvite = null;
      this.engine.append(s, EventType.ConferenceInviteFailed, 'system', { agentId: to, reason: 'restart' }, false);
    }
  }

  /** The chat's holder may do this; a participant is told only the holder may (HOLDER_ONLY). */
  requireHolder(agentId: string, sessionId: string, action: string): ChatSession {
    const s = this.engine.sessions.get(sessionId);
    const id = this.engine.directory.get(agentId)?.id ?? agentId;
    if (s && s.record.chatState === 'established' && s.record.participants?.includes(id)) fail('HOLDER_ONLY', action);
    // Ended, the chat says so (an agent acting again after its own end: docs/errors.md's words).
    if (s?.record.chatState === 'ended') fail('CONFLICT', 'chat has ended');
    if (!s || s.record.chatState !== 'established' || s.record.agentId !== agentId) fail('CONFLICT', 'this agent holds no such active chat');
    return s;
  }

  /** The chat's holder or one of its participants: who may send messages and typing. */
  requireInChat(agentId: string, sessionId: string): ChatSession {
    const s = this.engine.sessions.get(sessionId);
    // Ended, the chat says so (an agent acting again after its own end: docs/errors.md's words).
    if (s?.record.chatState === 'ended') fail('CONFLICT', 'chat has ended');
    if (!s || s.record.chatState !== 'established' || (s.record.agentId !== agentId && !s.record.participants?.includes(agentId))) fail('CONFLICT', 'this agent holds no such active chat');
    return s;
  }

  /**
   * Appended before the participant is removed, so that it too hears it left (a leave it did not
   * ask for, the chat moving or its own drop, reaches its other connections and its next console).
   */
  private removeParticipant(s: ChatSession, agentId: string, reason: LeaveReason): LogEvent {
    const r = s.record;
    const agent = this.engine.directory.get(agentId);
    const e = this.engine.append(s, EventType.AgentLeftConference, 'agent', { name: agent?.name ?? agentId, $meta: { agentSide: { agentId, reason } } }, true);
    r.participants = (r.participants ?? []).filter((p) => p !== agentId);
    agent?.chats.delete(s.id);
    return e;
  }

  /** The invitation will not lead to a join: declined, timed out, withdrawn. The holder reads why. */
  private failInvite(s: ChatSession, reason: string, detail?: string): void {
    const inv = s.record.conferenceInvite;
    if (!inv) return;
    this.closeInvite(s, reason);
    this.engine.directory.get(inv.agentId)?.chats.delete(s.id);
    this.engine.append(s, EventType.ConferenceInviteFailed, 'system', { agentId: inv.agentId, reason, ...(detail ? { detail } : {}) }, false);
  }

  private closeInvite(s: ChatSession, reason: string): void {
    const inv = s.record.conferenceInvite!;
    s.inviteTimer?.cancel();
    s.inviteTimer = null;
    s.record.conferenceInvite = null;
    this.engine.directory.notify(inv.agentId, { kind: 'offer-withdrawn', sessionId: s.id, reason });
  }
}
