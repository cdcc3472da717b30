/**
 * Puts waiting chats in front of agents: queues a chat (first time, back after
 * its agent dropped or a transfer, or after a restart), offers every waiting
 * chat it can, withdraws offers that were declined or timed out, fails a
 * transfer back to the agent who asked when nobody is left who could take it,
 * and keeps visitors who asked for it told of their queue position. The Router
 * picks the agent; the ChatEngine owns the chat lifecycle and calls in here
 * (docs/adr/0008).
 */
import type { ButtonConfig } from '../../config/config-schema.js';
import type { Clock } from '../../ports/clock.js';
import type { Actor, LogEvent, SessionRecord } from '../../ports/records.js';
import type { AgentDirectory } from '../agent-directory.js';
import type { Catalog } from '../catalog.js';
import type { ChatSession } from '../chat-session.js';
import { EventType } from '../event-types.js';
import type { IdleTimeouts } from '../idle-timeout.js';
import type { Router, RoutingDecision } from './router.js';
import type { WaitEstimator } from './wait-estimator.js';

/**
 * The queue of a transfer to a skill: one per org and skill, so one tenant's
 * waiting chats never count in another's queue positions. Stored in the
 * session record as `skill:<orgId>:<skill>`; agents see {@link queueLabel}.
 */
export function skillQueueKey(orgId: string, skill: string): string {
  return `skill:${orgId}:${skill}`;
}

/**
 * The skill of a skill queue's key. A key stored before queues were per org
 * (`skill:<skill>`) is rewritten at start-up (ChatEngine.start), so every key
 * here has an org part, and org ids hold no colon.
 */
export function skillOfQueueKey(queueKey: string): string {
  const rest = queueKey.slice('skill:'.length);
  return rest.slice(rest.indexOf(':') + 1);
}

/** A queue as agents and supervisors see it: a button id, or `skill:<skill>`. */
export function queueLabel(queueKey: string): string {
  return queueKey.startsWith('skill:') ? `skill:${skillOfQueueKey(queueKey)}` : queueKey;
}

/**
 * The data of a TransferFailed event: the target that did not take the chat, why,
 * and where the chat is routed now (its button and queue, as an `offer` names them).
 */
export function transferFailed(r: SessionRecord, to: string, reason: string): Record<string, unknown> {
  return { to, reason, buttonId: r.routedButtonId, queue: queueLabel(r.queueKey ?? r.routedButtonId ?? '') };
}

/** What the dispatcher needs of the engine. */
export interface DispatchHost {
  readonly sessions: ReadonlyMap<string, ChatSession>;
  append(s: ChatSession, type: string, actor: Actor, data: Record<string, unknown>, visibleToVisitor: boolean): LogEvent;
}

export interface DispatcherDeps {
  host: DispatchHost;
  router: Router;
  directory: AgentDirectory;
  catalog: Catalog;
  waits: WaitEstimator;
  idle: IdleTimeouts;
  clock: Clock;
}

export class Dispatcher {
  /** The last QueueUpdate (position and estimate) each waiting visitor was told. */
  private readonly lastQueueUpdate = new Map<string, string>();
  /** Hands out ChatSession.queueTicket. */
  private queueTickets = 0;

  constructor(private readonly d: DispatcherDeps) {}

  /**
   * Queues a chat at `queuedAt`, keeping its place among chats of the same millisecond.
   * A chat transferred to one agent waits for that agent only: it holds no place in line.
   */
  enqueue(queueKey: string, s: ChatSession, queuedAt: number): void {
    this.d.router.enqueue(queueKey, s.id, queuedAt, (s.queueTicket ??= ++this.queueTickets), !s.record.transferTo);
  }

  /** Puts a chat back into a queue at its original place (queuedAt and ticket are kept). */
  requeue(s: ChatSession, queueKey: string): void {
    const r = s.record;
    r.agentId = null;
    r.chatState = 'waiting';
    r.queueKey = queueKey;
    this.d.idle.suspend(s);
    this.enqueue(queueKey, s, r.queuedAt ?? r.createdAt);
    this.dispatch();
  }

  /**
   * The chat left the queue (an agent took it, or it ended): forget what its
   * visitor was told, so that if it comes back (agent disconnect, a transfer to a
   * skill or button) the visitor hears its new place.
   */
  forget(sessionId: string): void {
    this.lastQueueUpdate.delete(sessionId);
  }

  /** What ChatRequestSuccess told the visitor: QueueUpdates follow when it changes. */
  told(sessionId: string, position: number, estimatedWaitTime: number): void {
    this.lastQueueUpdate.set(sessionId, `${position}:${estimatedWaitTime}`);
  }

  /**
   * Offers every waiting chat it can, oldest first across all queues (ADR 0008 §6):
   * a chat transferred to a skill queue, or waiting on a button whose queue was made
   * later, is not passed over by a newer chat of another queue the same agent serves.
   */
  dispatch(): void {
    const { router, host } = this.d;
    for (const { queueKey, sessionId } of router.allQueuedOldestFirst()) {
      const s = host.sessions.get(sessionId);
      if (!s || s.record.chatState !== 'waiting') continue;
      const r = s.record;
      const button = this.queueConfig(queueKey, r.routedButtonId ?? queueKey);
      const direct = r.transferTo ?? (r.establishedAt === null ? r.request?.agentId : undefined);
      let decision: RoutingDecision | null = direct && r.request ? router.pickAgent(direct, r.request.orgId, r.declinedBy) : router.pick(button, r.declinedBy);
      if (!decision && direct && !r.transferTo && r.request?.doFallback) decision = router.pick(button, r.declinedBy);
      if (decision) this.offer(s, decision);
    }
    this.sendQueueUpdates();
  }

  /**
   * Takes an open offer back and routes the chat on. `passed` (a decline, or the offer
   * timing out) keeps the chat from this agent from now on (ADR 0008); an agent who
   * stepped away, went offline or logged out has not passed, and is a candidate again
   * once back.
   */
  withdrawOffer(s: ChatSession, type: string, data: { agentId: string; reason?: string }, passed = true): void {
    const { directory, host } = this.d;
    const r = s.record;
    s.offerTimer?.cancel();
    s.offerTimer = null;
    host.append(s, type, 'agent', data, false);
    directory.get(data.agentId)?.chats.delete(s.id);
    directory.notify(data.agentId, { kind: 'offer-withdrawn', sessionId: s.id, reason: type });
    if (passed) r.declinedBy.push(data.agentId);
    r.agentId = null;
    r.chatState = 'waiting';
    // A transfer to one agent who did not take it, or to a skill or button whose last candidate
    // passed or went away: nobody is left who could take it, and a chat waiting there would be
    // held by no one while the visitor still reads the caller's name.
    if (r.transferTo) this.failTransfer(s, data.agentId, type);
    else if (r.transferFrom && !this.anyCandidate(s)) this.failTransfer(s, queueLabel(r.queueKey ?? ''), type);
    this.dispatch();
  }

  /**
   * Fails every transfer to a skill or button that waits while no online agent who
   * serves its queue is left who has not passed on it (they went away, went offline,
   * lost the skill). Run after presence and skill changes: such a transfer would
   * otherwise wait, held by no one, until someone new came online. TransferFailed
   * gives the reason `NoAgentLeft`.
   */
  failStrandedTransfers(): void {
    const reason = 'NoAgentLeft';
    for (const s of [...this.d.host.sessions.values()]) {
      const r = s.record;
      if (r.chatState === 'waiting' && r.transferFrom && !r.transferTo && !this.anyCandidate(s)) this.failTransfer(s, queueLabel(r.queueKey ?? ''), reason);
    }
  }

  /** Whether an online agent who serves the chat's queue has not passed on it (busy or not). */
  private anyCandidate(s: ChatSession): boolean {
    const r = s.record;
    const queueKey = r.queueKey ?? r.routedButtonId!;
    return this.d.router.onlineAgents(this.queueConfig(queueKey, r.routedButtonId ?? queueKey)).some((a) => !r.declinedBy.includes(a.id));
  }

  /**
   * A transfer that will not happen goes back to the agent who asked, who keeps the chat,
   * as in Live Agent: routed as before the transfer, its idle timeout counting again,
   * TransferFailed in its log (on the caller's stream), unseen by the visitor. The chat
   * kept its place in the caller's capacity (AgentRuntime.transfersOut), so there is always
   * room for it, whatever the caller took on meanwhile. A caller who went offline (logged
   * off, dropped) cannot take it: the visitor hears AgentDisconnect and the chat waits on
   * its own queue at its old place, as the caller's other chats did.
   */
  private failTransfer(s: ChatSession, to: string, reason: string): void {
    const { router, directory, host, idle } = this.d;
    const r = s.record;
    const caller = r.transferFrom ? directory.get(r.transferFrom) : undefined;
    router.remove(s.id);
    this.cancelTransfer(s);
    if (caller && caller.presence !== 'offline') {
      r.chatState = 'established';
      r.agentId = caller.id;
      caller.chats.add(s.id);
      host.append(s, 'TransferFailed', 'system', transferFailed(r, to, reason), false);
      idle.resume(s);
      return;
    }
    host.append(s, 'TransferFailed', 'system', transferFailed(r, to, reason), false);
    host.append(s, EventType.AgentDisconnect, 'system', {}, true);
    r.declinedBy = [];
    this.requeue(s, r.queueKey ?? r.routedButtonId!);
  }

  /**
   * The transfer in progress does not happen: the chat is routed exactly as before it
   * started (its button and queue: a transfer to a button or a skill moved them), so its
   * button's settings apply again and a later requeue (its agent dropping) goes to its own
   * queue, and the caller's capacity no longer keeps its place. The caller must take the
   * chat out of the router first (a chat transferred to one agent holds no place in line
   * there, and one transferred to a skill or button is in the target's queue).
   */
  cancelTransfer(s: ChatSession): void {
    const r = s.record;
    this.releaseTransferSlot(s);
    if (r.transferOrigin) {
      r.routedButtonId = r.transferOrigin.routedButtonId;
      r.queueKey = r.transferOrigin.queueKey;
    }
    r.transferOrigin = null;
    r.transferTo = null;
    r.transferFrom = null;
  }

  /**
   * The caller's capacity no longer keeps a place for the chat it is transferring: the
   * transfer happened, did not happen, or the chat ended. Returns whether it kept one.
   */
  releaseTransferSlot(s: ChatSession): boolean {
    const from = s.record.transferFrom;
    return from ? this.d.directory.get(from)?.transfersOut.delete(s.id) ?? false : false;
  }

  /** Routing settings for a queue: its button's, or for a skill queue the routed button's with that skill. */
  queueConfig(queueKey: string, routedButtonId: string): ButtonConfig {
    const { catalog } = this.d;
    const base = catalog.button(routedButtonId)?.config ?? catalog.allButtons()[0]!.config;
    if (!queueKey.startsWith('skill:')) return catalog.button(queueKey)?.config ?? base;
    return { ...base, type: 'Standard', agentId: undefined, skills: [skillOfQueueKey(queueKey)] };
  }

  /** QueueUpdate to every visitor who asked, whenever position or estimate changed. */
  sendQueueUpdates(): void {
    const { router, host, waits } = this.d;
    for (const buttonId of router.buttonsWithQueues()) {
      // A transfer to one agent waits for that agent, not in line: nothing to tell it, and not counted.
      router.inLine(buttonId).forEach((id, i) => {
        const s = host.sessions.get(id);
        if (!s || s.record.chatState !== 'waiting' || !s.record.request?.receiveQueueUpdates) return;
        const position = i + 1;
        const estimatedWaitTime = waits.estimateForPosition(buttonId, position);
        const key = `${position}:${estimatedWaitTime}`;
        // Compared with what the visitor was last told (ChatRequestSuccess counts); nothing
        // told yet (back in the queue after an agent) means this is news.
        if (this.lastQueueUpdate.get(id) === key) return;
        this.lastQueueUpdate.set(id, key);
        host.append(s, EventType.QueueUpdate, 'system', { position, estimatedWaitTime }, true);
      });
    }
  }

  private offer(s: ChatSession, decision: RoutingDecision): void {
    const { directory, host, clock } = this.d;
    const r = s.record;
    const agent = directory.get(decision.agentId)!;
    r.chatState = 'offered';
    r.agentId = agent.id;
    agent.chats.add(s.id);
    const button = this.queueConfig(r.queueKey ?? r.routedButtonId!, r.routedButtonId!);
    host.append(s, EventType.ChatOffered, 'system', { agentId: agent.id, rule: decision.rule, candidates: decision.candidates, $meta: { offer: true } }, false);
    s.offerExpiresAt = clock.now() + button.offerTimeoutSeconds * 1000;
    s.offerTimer = clock.setTimeout(() => {
      if (host.sessions.get(s.id) === s && r.chatState === 'offered' && r.agentId === agent.id) {
        this.withdrawOffer(s, EventType.OfferTimedOut, { agentId: agent.id });
      }
    }, button.offerTimeoutSeconds * 1000);
  }
}
