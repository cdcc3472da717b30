/**
 * What agents and supervisors do to chats: presence, accepting and declining
 * offers, messages, typing, custom events, transfers, ending, and a
 * supervisor's reassign and whisper. Each action checks the chat's state, then
 * changes the record and appends events through the engine (chat-engine.ts),
 * whose group commit makes them durable before anyone hears of them.
 */
import { defaultButtonConfig } from '../config/config-schema.js';
import type { LogEvent } from '../ports/records.js';
import type { PresenceReason } from '../protocol/agent-api-types.js';
import { fail } from '../protocol/errors.js';
import type { Presence } from './agent-directory.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
import { EventType } from './event-types.js';
import { orgOfQueueKey, skillQueueKey } from './routing/dispatcher.js';

export class AgentActions {
  constructor(private readonly engine: ChatEngine) {}

  /**
   * The agent's presence, set by the agent (PUT /presence), or by the server for an offer the
   * agent let pass (`reason`, {@link offerPassed}): the same change either way, but the server's
   * is no sign of life, so it leaves the liveness clock as it was.
   */
  setPresence(agentId: string, presence: Presence, reason?: PresenceReason): void {
    const a = this.engine.directory.get(agentId);
    if (!a) fail('NOT_FOUND', `agent ${agentId}`);
    a.presence = presence;
    if (!reason) a.lastSeenAt = this.engine.clock.now();
    this.engine.directory.notify(a.id, reason ? { kind: 'presence', reason } : { kind: 'presence' });
    if (presence !== 'online') {
      // Offers wait for no one who stepped away: they go to the next agent.
      for (const id of [...a.chats]) {
        const s = this.engine.sessions.get(id);
        if (s && s.record.chatState === 'offered' && s.record.agentId === a.id) this.engine.dispatcher.withdrawOffer(s, EventType.OfferTimedOut, { agentId: a.id, reason: `agent ${presence}` }, false);
      }
      // So do conference invitations; a participant who steps away stays (as a holder does), one
      // who goes offline leaves: it can no longer answer the visitor (ADR 0051).
      this.engine.conferences.agentGone(a.id, presence === 'offline');
    }
    // The last agent who could take a transfer to a skill or button may have stepped away; after
    // a restart (nobody online), the first agent back settles transfers nobody else is back for.
    this.engine.dispatcher.failStrandedTransfers();
    this.engine.dispatch();
  }

  /**
   * Auto Away on Push Time-Out / on Decline (ADR 0054): an online agent whose offer timed out,
   * or who declined one, is set away when its org's `autoAwayOnOfferTimeout` /
   * `autoAwayOnDecline` is on, exactly as if it had set away itself (its other open offers go
   * to the next agent, the chats it holds stay). A transfer's offer counts the same. A bot
   * (`bot` in its config, or capacity 0, which only bots use) is never set away: it has no one
   * to come back. An agent already away or offline is left as it is.
   */
  offerPassed(agentId: string, type: string): void {
    const a = this.engine.directory.get(agentId);
    if (!a || a.presence !== 'online' || a.config.bot !== undefined || a.capacity === 0) return;
    const org = this.engine.catalog.org(a.orgId);
    const reason: PresenceReason | undefined = type === EventType.OfferTimedOut ? (org?.autoAwayOnOfferTimeout ? 'offer-timeout' : undefined)
      : type === EventType.OfferDeclined && org?.autoAwayOnDecline ? 'offer-declined' : undefined;
    if (reason) this.setPresence(a.id, 'away', reason);
  }

  accept(agentId: string, sessionId: string): void {
    // An offer marked `conference` (ADR 0051): the chat stays its holder's, the agent joins it.
    if (this.engine.conferences.invitedTo(sessionId, agentId)) return this.engine.conferences.accept(agentId, sessionId);
    this.establish(agentId, sessionId, false, true);
  }

  /**
   * `inheritIdle`: a supervisor's reassign, which hands the chat on with the visitor's
   * unanswered state as it was, so a count suspended by a transfer in progress resumes
   * for the new holder (see {@link reassign}); an agent's own accept drops it. `offerShown`: the
   * agent had an offer card of the chat (its own accept, or a reassign to the agent it was
   * offered to), which its other tabs drop now; a supervisor's takeover shows none to drop.
   */
  private establish(agentId: string, sessionId: string, inheritIdle: boolean, offerShown: boolean): void {
    const s = this.engine.sessions.get(sessionId);
    if (!s || s.record.chatState !== 'offered' || s.record.agentId !== agentId) fail('CONFLICT', 'no open offer of this chat to this agent');
    const r = s.record;
    const agent = this.engine.directory.get(agentId)!;
    // A button removed from the config since the chat was routed through it (a restart in
    // between): its schema defaults, as its queue gets (Dispatcher.queueConfig), rather than a
    // crash halfway through a reassign or an accept.
    const button = this.engine.catalog.button(r.routedButtonId!)?.config ?? defaultButtonConfig(r.routedButtonId!);
    const now = this.engine.clock.now();
    s.offerTimer?.cancel();
    s.offerTimer = null;
    this.engine.router.remove(s.id);
    this.engine.dispatcher.forget(s.id);
    const wasEstablished = r.establishedAt !== null;
    r.chatState = 'established';
    // A transfer in progress, if any, has happened: the chat stays routed where it sent it, and
    // the place it kept in the sender's capacity is free (dispatched below).
    const freed = this.engine.dispatcher.releaseTransferSlot(s);
    r.transferFrom = null;
    r.transferTo = null;
    r.transferOrigin = null;
    r.transferSince = null;
    r.declinedBy = [];
    // A count suspended while the chat was queued belonged to its previous agent (ChatTransferred
    // tells the visitor of the new one); one still running (a reassign) goes on, and one a
    // transfer suspended resumes on a reassign: the supervisor's hand changed nothing the
    // visitor owes, and the visitor who went quiet still times out.
    if (inheritIdle) this.engine.idle.resume(s);
    else this.engine.idle.dropSuspended(s);
    if (!r.holders?.includes(agentId)) r.holders = [...(r.holders ?? []), agentId];
    // The agent's other connections (another tab) still show the offer: it is taken.
    if (offerShown) this.engine.directory.notify(agentId, { kind: 'offer-withdrawn', sessionId: s.id, reason: 'accepted' });
    const fields = { name: agent.name, userId: agent.id, sneakPeekEnabled: button.sneakPeekEnabled, chasitorIdleTimeout: { ...button.chasitorIdleTimeout } };
    if (wasEstablished) {
      // A new agent in a chat the visitor already had: the guide's ChatTransferred.
      this.engine.append(s, EventType.ChatTransferred, 'system', fields, true);
    } else {
      r.establishedAt = now;
      // The whole wait, from the request, per place it entered the line at (ADR 0008 §10, note "waits"):
      // the wait already holds the chats ahead of it, so A·p would count them twice.
      const stats = this.engine.waits.observe(button.id, now - (r.queuedAt ?? now), r.entryPosition ?? 0);
      if (stats) this.engine.queue.addButtonStats(stats);
      this.engine.outcomes.answered(r, now);
      this.engine.append(s, EventType.ChatEstablished, 'agent', { name: fields.name, userId: fields.userId, items: [], sneakPeekEnabled: fields.sneakPeekEnabled, chasitorIdleTimeout: fields.chasitorIdleTimeout }, true);
    }
    if (freed) this.engine.dispatch();
    else this.engine.dispatcher.sendQueueUpdates();
  }

  /**
   * Transfer to an agent, a skill or a button. The chat leaves its agent at once
   * but keeps its place in the agent's capacity until the transfer happens, so a
   * transfer that fails always comes back to the agent; the visitor sees
   * ChatTransferred when the new agent accepts, and nothing the visitor sends
   * meanwhile is lost (it is in the log the new agent reads).
   */
  transfer(agentId: string, sessionId: string, target: { agentId?: string | undefined; skill?: string | undefined; buttonId?: string | undefined }): void {
    const given = [target.agentId, target.skill, target.buttonId].filter((t) => t !== undefined).length;
    if (given > 1) fail('BODY_INVALID', 'transfer needs exactly one of agentId, skill or buttonId');
    const s = this.engine.conferences.requireHolder(agentId, sessionId, 'transfer');
    const r = s.record;
    let queueKey: string;
    if (target.agentId) {
      const to = this.engine.directory.get(target.agentId);
      if (!to || to.orgId !== this.engine.directory.get(agentId)!.orgId || !this.engine.directory.hasRoom(to) || to.id === agentId) fail('CONFLICT', `agent ${target.agentId} cannot take a chat now`);
      queueKey = r.queueKey ?? r.routedButtonId!;
      r.transferTo = to.id;
    } else if (target.skill) {
      queueKey = skillQueueKey(r.request!.orgId, target.skill);
    } else if (target.buttonId) {
      const b = this.engine.catalog.button(target.buttonId);
      if (!b || b.orgId !== r.request?.orgId) fail('NOT_FOUND', `button ${target.buttonId}`);
      // A closed button takes no new chats (ADR 0062), a transferred one neither: it would wait there until the hours open.
      if (!this.engine.hours.openNow(b.config)) fail('BUTTON_CLOSED', `button ${b.config.id}`);
      queueKey = b.config.id;
    } else {
      return fail('BODY_INVALID', 'transfer needs agentId, skill or buttonId');
    }
    const routedButtonId = target.buttonId ? queueKey : r.routedButtonId!;
    const cfg = this.engine.queueConfig(queueKey, routedButtonId);
    // A skill queue's agents are the chat's org's (orgOfQueueKey), also when the chat's own button
    // was removed from the config since: a transfer to a skill needs nothing of that button.
    if (!target.agentId && !this.engine.router.onlineAgents(cfg, orgOfQueueKey(queueKey)).some((a) => a.id !== agentId)) {
      fail('CONFLICT', target.skill ? `no other agent with skill ${target.skill} is online` : `no other agent who serves button ${queueKey} is online`);
    }
    // Checked: from here on the transfer happens. How the chat was routed is kept, and put
    // back if the transfer does not happen (Dispatcher.cancelTransfer).
    r.transferOrigin = { routedButtonId: r.routedButtonId!, queueKey: r.queueKey ?? r.routedButtonId! };
    r.routedButtonId = routedButtonId;
    // The file was asked for by the agent the chat leaves: the visitor hears it is withdrawn.
    this.engine.files.cancelPending(s);
    // A conference lives only while its holder holds the chat: its participants leave first (ADR 0051).
    this.engine.conferences.dissolve(s);
    // So does a flag: the help it asks for was for the agent the chat leaves (ADR 0056).
    this.engine.flags.chatLeavesHolder(s, 'transferred');
    // The target's own fields only: a body's other properties are not the log's to keep.
    const { agentId: toAgent, skill, buttonId } = target;
    this.engine.append(s, 'TransferRequested', 'agent', { from: agentId, ...(toAgent && { agentId: toAgent }), ...(skill && { skill }), ...(buttonId && { buttonId }) }, false);
    const caller = this.engine.directory.get(agentId)!;
    caller.chats.delete(s.id);
    caller.transfersOut.add(s.id);
    r.transferFrom = agentId;
    r.transferSince = this.engine.clock.now();
    r.declinedBy = target.agentId ? [] : [agentId];
    this.engine.dispatcher.requeue(s, queueKey);
  }

  /** An agent went away: the visitor hears AgentDisconnect and the chat queues again at its old place. */
  agentDisconnected(agentId: string): void {
    const a = this.engine.directory.get(agentId);
    if (!a) return;
    a.presence = 'offline';
    this.engine.directory.notify(a.id, { kind: 'presence' });
    // Its invitations are withdrawn and it leaves the conferences it is in (not those of chats it holds:
    // those end with the chat leaving it, below).
    this.engine.conferences.agentGone(a.id, true);
    for (const id of [...a.chats]) {
      const s = this.engine.sessions.get(id);
      if (!s) continue;
      if (s.record.chatState === 'offered') {
        this.engine.dispatcher.withdrawOffer(s, EventType.OfferTimedOut, { agentId, reason: 'agent disconnected' }, false);
      } else if (s.record.chatState === 'established' && s.record.agentId === agentId) {
        this.engine.files.cancelPending(s);
        this.engine.conferences.dissolve(s);
        this.engine.flags.chatLeavesHolder(s, 'agentLeft');
        this.engine.append(s, EventType.AgentDisconnect, 'system', {}, true);
        a.chats.delete(id);
        // Dropping a chat is not passing it (ADR 0008, later note): the agent is offered it
        // again once back, if nobody else took it first; a visitor whose only agent's browser
        // crashed would otherwise wait for an agent who is online and free.
        s.record.declinedBy = [];
        this.engine.dispatcher.requeue(s, s.record.queueKey ?? s.record.routedButtonId!);
      }
    }
    this.engine.dispatcher.failStrandedTransfers();
    this.engine.dispatch();
  }

  /** A supervisor takes a chat over (or hands it to `toAgentId`) without the agent's consent. */
  reassign(sessionId: string, toAgentId: string, takeover = false): void {
    const s = this.engine.sessions.get(sessionId);
    if (!s || (s.record.chatState !== 'established' && s.record.chatState !== 'waiting' && s.record.chatState !== 'offered')) fail('CONFLICT', 'chat is not active');
    const to = this.engine.directory.get(toAgentId) ?? fail('NOT_FOUND', `agent ${toAgentId}`);
    // Nothing to move: the visitor must not hear of a transfer that did not happen.
    if (s.record.chatState === 'established' && s.record.agentId === to.id) fail('CONFLICT', `the chat is already with ${toAgentId}`);
    // Forced past capacity on purpose (a supervisor's call), but never onto an agent who is not
    // there: the visitor would wait for someone who cannot answer. A supervisor taking a chat
    // over is there (this request is theirs), whatever presence they set.
    if (!takeover && to.presence === 'offline') fail('CONFLICT', `agent ${toAgentId} is offline`);
    if (takeover) to.lastSeenAt = this.engine.clock.now();
    const r = s.record;
    const offeredToThem = r.chatState === 'offered' && r.agentId === to.id;
    s.offerTimer?.cancel();
    s.offerTimer = null;
    if (r.agentId && r.agentId !== to.id) {
      this.engine.directory.get(r.agentId)?.chats.delete(s.id);
      this.engine.directory.notify(r.agentId, { kind: 'offer-withdrawn', sessionId: s.id, reason: 'reassigned' });
    }
    // A file the previous agent asked for is not the new holder's request.
    this.engine.files.cancelPending(s);
    // Nor is a conference the previous holder ran: its participants leave before the chat moves (ADR 0051).
    this.engine.conferences.dissolve(s);
    // And its flag: a takeover is the supervisor's answer to it, a reassign hands the chat to someone else (ADR 0056).
    this.engine.flags.chatLeavesHolder(s, takeover ? 'takenOver' : 'reassigned');
    // `takeover`: the agent who loses the chat is told a supervisor took it, not that it was handed on.
    this.engine.append(s, 'ChatReassigned', 'system', { from: r.agentId, to: to.id, ...(takeover ? { takeover: true } : {}) }, false);
    this.engine.router.remove(s.id);
    // Handed back to the agent who asked for a transfer still in progress: the transfer does not
    // happen, and the chat is routed as before it, as when the transfer fails. Handed to anyone
    // else, the transfer happens at the supervisor's hand (accept below).
    if (r.transferFrom === to.id) this.engine.dispatcher.cancelTransfer(s);
    r.chatState = 'offered';
    r.agentId = to.id;
    to.chats.add(s.id);
    // Forced: the new holder accepts on their behalf, visitor sees the change.
    this.establish(to.id, s.id, true, offeredToThem);
    this.engine.dispatch(); // the previous agent's freed capacity may take a waiting chat
  }

  /** A note from a supervisor to the chat's agent; never delivered to the visitor. */
  whisper(fromUserId: string, sessionId: string, text: string): LogEvent {
    const s = this.engine.sessions.get(sessionId);
    if (!s || !this.engine.chatActive(s)) fail('CONFLICT', 'chat is not active');
    if (text.length > this.engine.settings.maxMessageLength) fail('MESSAGE_TOO_LONG', `${text.length} > ${this.engine.settings.maxMessageLength}`);
    // A whisper is agent-side text in the chat's log: masked as an agent's (ADR 0052).
    return this.engine.append(s, 'Whisper', 'system', { from: fromUserId, text: this.masked(s, text) }, false);
  }

  decline(agentId: string, sessionId: string, reason: string): void {
    if (this.engine.conferences.invitedTo(sessionId, agentId)) return this.engine.conferences.decline(sessionId, reason);
    const s = this.engine.sessions.get(sessionId);
    if (!s || s.record.chatState !== 'offered' || s.record.agentId !== agentId) fail('CONFLICT', 'no open offer of this chat to this agent');
    this.engine.dispatcher.withdrawOffer(s, EventType.OfferDeclined, { agentId, reason });
  }

  agentMessage(agentId: string, sessionId: string, text: string, meta: Record<string, unknown> = {}): LogEvent {
    const s = this.engine.conferences.requireInChat(agentId, sessionId);
    if (text.length > this.engine.settings.maxMessageLength) fail('MESSAGE_TOO_LONG', `${text.length} > ${this.engine.settings.maxMessageLength}`);
    const agent = this.engine.directory.get(agentId)!;
    const e = this.engine.append(s, EventType.AgentMessage, 'agent', { text: this.masked(s, text), name: agent.name, agentId, schedule: { responseDelayMilliseconds: 0 }, $meta: meta }, true);
    this.engine.idle.armAfterAgentMessage(s);
    return e;
  }

  agentTyping(agentId: string, sessionId: string, typing: boolean): void {
    const s = this.engine.conferences.requireInChat(agentId, sessionId);
    const agent = this.engine.directory.get(agentId)!;
    this.engine.append(s, typing ? EventType.AgentTyping : EventType.AgentNotTyping, 'agent', { name: agent.name, agentId }, true);
  }

  agentCustomEvent(agentId: string, sessionId: string, type: string, data: string): void {
    const s = this.engine.conferences.requireHolder(agentId, sessionId, 'custom events');
    // The same limit as the visitor's CustomEvent data and every message (settings.maxMessageLength).
    if (data.length > this.engine.settings.maxMessageLength) fail('MESSAGE_TOO_LONG', `${data.length} > ${this.engine.settings.maxMessageLength}`);
    this.engine.append(s, EventType.AgentCustomEvent, 'agent', { type, data }, true);
  }

  agentEnd(agentId: string, sessionId: string): void {
    const s = this.engine.conferences.requireHolder(agentId, sessionId, 'end');
    this.engine.files.cancelPending(s);
    this.engine.append(s, EventType.ChatEnded, 'agent', { reason: 'agent', attachedRecords: [] }, true);
    this.engine.finishChat(s, 'agent');
  }


  /**
   * Agent-side text as the chat's org masks it (ADR 0052): what is stored for it, and what a send's
   * answer gives back (SentMessage.text). The length limit was checked on the text sent.
   */
  masked(s: ChatSession, text: string): string {
    const orgId = s.record.request?.orgId;
    return orgId === undefined ? text : this.engine.sensitiveData.mask(orgId, 'agent', text);
  }
}
