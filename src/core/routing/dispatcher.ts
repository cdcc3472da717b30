/**
 * Puts waiting chats in front of agents: queues a chat (first time, back after
 * its agent dropped or a transfer, or after a restart), offers every waiting
 * chat it can, withdraws offers that were declined or timed out, fails a
 * transfer back to the agent who asked when nobody is left who could take it,
 * and keeps visitors who asked for it told of their queue position. The Router
 * picks the agent; the ChatEngine owns the chat lifecycle and calls in here
 * (docs/adr/0008).
 */
import { defaultButtonConfig, type ButtonConfig } from '../../config/config-schema.js';
import type { Clock, TimerHandle } from '../../ports/clock.js';
import type { Actor, LogEvent, SessionRecord } from '../../ports/records.js';
import type { AgentDirectory, AgentRuntime } from '../agent-directory.js';
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

/**
 * The org whose agents serve a queue, when the queue says it: a skill queue's (`skill:<orgId>:<skill>`).
 * Undefined for a button's queue: its button's org, from the catalog.
 */
export function orgOfQueueKey(queueKey: string): string | undefined {
  if (!queueKey.startsWith('skill:')) return undefined;
  const rest = queueKey.slice('skill:'.length);
  return rest.slice(0, rest.indexOf(':'));
}

/** A queue as agents and supervisors see it: a button id, or `skill:<skill>`. */
export function queueLabel(queueKey: string): string {
  return queueKey.startsWith('skill:') ? `skill:${skillOfQueueKey(queueKey)}` : queueKey;
}

/** What a supervisor reads for a queue: a button's label rather than its 15-character id. */
export function queueDisplayName(catalog: Pick<Catalog, 'button'>, queueKey: string): string {
  if (queueKey.startsWith('skill:')) return `skill ${skillOfQueueKey(queueKey)}`;
  const label = catalog.button(queueKey)?.config.label?.trim();
  return label || queueKey;
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
  /**
   * Ends a waiting request nobody will take: ChatRequestFail `Unavailable`. For one agent that agent
   * will not take; `detail` (the chat's endReason) for one every agent passed on (ADR 0071).
   */
  failWaitingRequest(s: ChatSession, detail?: string): void;
  /** Ends a chat waiting on a button removed from the config, which nobody serves (ADR 0008, later note). */
  endOnRemovedButton(s: ChatSession): void;
  /**
   * An agent let an offer pass (it timed out or was declined): the engine sets the agent away when
   * its org says so (ADR 0054). Called after the offer is withdrawn, before the chat is dispatched
   * again, so the next waiting chat is not offered to that agent first.
   */
  offerPassed(agentId: string, type: string): void;
}

/**
 * Whether a chat is a visitor's request for one named agent without fallback that no agent has
 * taken yet: only that agent may take it, so it holds no place in line and fails as `Unavailable`
 * once that agent will not take it (ADR 0043). A request with fallback to a button removed from the
 * config since is one too: the queue it would fall back to is served by nobody (ADR 0008, later note).
 */
export function isNamedOnlyRequest(r: SessionRecord, catalog: Pick<Catalog, 'button'>): boolean {
  if (r.establishedAt !== null || !r.request?.agentId) return false;
  return !r.request.doFallback || fallbackButtonRemoved(r, catalog);
}

/** Whether the button a named-agent request would fall back to is gone from the config. */
export function fallbackButtonRemoved(r: SessionRecord, catalog: Pick<Catalog, 'button'>): boolean {
  const button = r.routedButtonId ?? r.request?.buttonId;
  return button !== undefined && catalog.button(button) === undefined;
}

/** The endReason of a request every agent passed on, rerouted or not (ADR 0071). */
export const EVERY_AGENT_PASSED = 'EveryAgentPassed';

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
  /** Hands out SessionRecord.queueSeq (ChatSession.queueTicket). */
  private queueTickets = 0;
  /**
   * Until when (clock ms) pending transfers and named-agent requests wait after a restart for
   * agents to come back (ADR 0043): everyone starts offline, as if every target had just left.
   */
  private restartGraceUntil = 0;
  /**
   * The chats whose transfer or named-agent request was pending at the restart: only they wait
   * out the grace. One started since was made while its candidates could be seen, and fails as
   * on a node that never restarted (ADR 0043, later note). A chat leaves the set once that wait
   * is over (taken, failed, ended), so a new transfer of it within the grace is not held either.
   */
  private readonly heldThroughRestart = new Set<string>();
  private restartGraceTimer: TimerHandle | null = null;

  constructor(private readonly d: DispatcherDeps) {}

  /**
   * Queues a chat at `queuedAt`, keeping its place among chats of the same millisecond.
   * A chat transferred to one agent, and a request for one named agent without fallback, wait for
   * that agent only: neither holds a place in line or counts towards `queueSizeLimit`. A chat
   * under transfer to a skill or button will be offered before the chats that came after it, so it
   * counts in their positions; but its visitor still has its agent (the sender, whose name it
   * reads), so it is told no position itself (ADR 0036, ADR 0043).
   */
  enqueue(queueKey: string, s: ChatSession, queuedAt: number): void {
    const r = s.record;
    const holdsPlace = !r.transferTo && !isNamedOnlyRequest(r, this.d.catalog);
    // Stored with the record, so that a restart queues chats of the same millisecond as they came.
    this.d.router.enqueue(queueKey, s.id, queuedAt, (r.queueSeq ??= ++this.queueTickets), holdsPlace, holdsPlace && !r.transferFrom);
  }

  /**
   * At start-up, before the stored chats are queued again: new arrival numbers follow the
   * highest stored one, so a chat queued after the restart never sorts before one queued before.
   */
  continueQueueSeqsAfter(highest: number): void {
    this.queueTickets = Math.max(this.queueTickets, highest);
  }

  /**
   * After a restart: the transfers and named-agent requests of `sessionIds`, pending at the
   * start, wait `graceMs` (the agents' grace for their held chats, counted from start) for their
   * targets to come back, then whatever nobody is back to take fails (ADR 0043).
   */
  holdAfterRestart(graceMs: number, sessionIds: Iterable<string>): void {
    for (const id of sessionIds) this.heldThroughRestart.add(id);
    this.restartGraceUntil = this.d.clock.now() + graceMs;
    this.restartGraceTimer?.cancel();
    this.restartGraceTimer = this.d.clock.setTimeout(() => {
      this.restartGraceTimer = null;
      this.restartGraceUntil = 0;
      this.heldThroughRestart.clear();
      this.failStrandedTransfers();
      this.dispatch();
    }, graceMs);
  }

  /** Stops the restart grace's timer (shutdown, emulator reset). */
  stop(): void {
    this.restartGraceTimer?.cancel();
    this.restartGraceTimer = null;
    this.restartGraceUntil = 0;
    this.heldThroughRestart.clear();
  }

  /**
   * Whether the chat's transfer or named-agent request was pending at the restart and the grace
   * still runs: targets who are not back yet may still come.
   */
  private heldByRestartGrace(sessionId: string): boolean {
    return this.restartGraceUntil > this.d.clock.now() && this.heldThroughRestart.has(sessionId);
  }

  /**
   * Puts a chat back into a queue at its original place (queuedAt and ticket are kept); its wait
   * as supervisors see it starts now (`waitingSince`): the time since the first request holds its
   * conversation with the agent it had.
   */
  requeue(s: ChatSession, queueKey: string): void {
    const r = s.record;
    r.waitingSince = this.d.clock.now();
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
   * skill or button) the visitor hears its new place; and what waited at a restart
   * has stopped waiting.
   */
  forget(sessionId: string): void {
    this.lastQueueUpdate.delete(sessionId);
    this.heldThroughRestart.delete(sessionId);
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
    let unoffered: ChatSession[] | null = null;
    for (const { queueKey, sessionId } of router.allQueuedOldestFirst()) {
      const s = host.sessions.get(sessionId);
      if (!s || s.record.chatState !== 'waiting') continue;
      const r = s.record;
      if (this.waitsOnRemovedButton(queueKey, r)) {
        host.endOnRemovedButton(s);
        continue;
      }
      const button = this.queueConfig(queueKey, r.routedButtonId ?? queueKey);
      const direct = r.transferTo ?? (r.establishedAt === null ? r.request?.agentId : undefined);
      const orgId = orgOfQueueKey(queueKey);
      let decision: RoutingDecision | null = direct && r.request ? router.pickAgent(direct, r.request.orgId, r.declinedBy) : router.pick(button, r.declinedBy, orgId);
      if (!decision && direct && !r.transferTo && r.request?.doFallback) decision = router.pick(button, r.declinedBy, orgId);
      if (decision) this.offer(s, decision);
      else if (r.transferFrom && !r.transferTo) (unoffered ??= []).push(s);
    }
    if (unoffered) this.failCircularTransfers(unoffered);
    this.sendQueueUpdates();
  }

  /**
   * Transfers to a skill or button that can only wait on each other (ADR 0070): every agent
   * who could take one is full, and full only because the chats it is itself transferring keep
   * their places in its capacity, and those transfers wait in the same way, round to where they
   * started. Nothing would ever move (no offer is made, so none times out): each fails back to
   * its sender with the reason `CircularWait`. A transfer waits on if any agent who could take
   * it has room, holds or is offered chats that fill it (they end or time out), or is
   * transferring a chat whose transfer can still happen.
   */
  private failCircularTransfers(unoffered: ChatSession[]): void {
    const { directory } = this.d;
    // (dispatch() passes the waiting transfers to a skill or button it could not offer.)
    const waiting = unoffered.filter((s) => !this.heldByRestartGrace(s.id));
    if (waiting.length === 0) return;
    const waitingIds = new Set(waiting.map((s) => s.id));
    const candidates = new Map(waiting.map((s) => [s, this.candidates(s)]));
    const moves = new Set<string>();
    const canMove = (s: ChatSession): boolean => candidates.get(s)!.some((a) =>
      directory.hasRoom(a) || a.chats.size >= a.capacity || [...a.transfersOut].some((id) => !waitingIds.has(id) || moves.has(id)));
    for (let changed = true; changed;) {
      changed = false;
      for (const s of waiting) {
        if (moves.has(s.id) || !canMove(s)) continue;
        moves.add(s.id);
        changed = true;
      }
    }
    for (const s of waiting) {
      // Nobody at all (gone, passed) is failStrandedTransfers' NoAgentLeft, not a circle.
      if (!moves.has(s.id) && candidates.get(s)!.length > 0 && s.record.chatState === 'waiting') this.failTransfer(s, queueLabel(s.record.queueKey ?? ''), 'CircularWait');
    }
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
    // held by no one while the visitor still reads the caller's name. After a restart, others
    // who serve a skill or button may still come back: a transfer pending then waits for the grace's end.
    if (r.transferTo) this.failTransfer(s, data.agentId, type);
    else if (r.transferFrom && !this.heldByRestartGrace(s.id) && !this.anyCandidate(s)) this.failTransfer(s, queueLabel(r.queueKey ?? ''), type);
    // The one agent a visitor asked for, without fallback, declined, let it time out or left.
    else if (isNamedOnlyRequest(r, this.d.catalog)) host.failWaitingRequest(s);
    if (passed) host.offerPassed(data.agentId, type);
    // After offerPassed: an agent it set away is no longer someone to reroute to (ADR 0071).
    if (this.everyAgentPassed(s)) this.rerouteOrFail(s);
    this.dispatch();
  }

  /**
   * Fails every waiting chat nobody is left to take: a transfer to a skill or button
   * while no online agent who serves its queue is left who has not passed on it (they
   * went away, went offline, lost the skill), a transfer to one agent who is not online,
   * and a request for one named agent without fallback whose agent is not online.
   * Run after presence and skill changes: such a chat would otherwise wait, held by no
   * one, until someone new came online. TransferFailed gives the reason `NoAgentLeft`;
   * the request ends with ChatRequestFail `Unavailable`. While the restart grace runs
   * nothing that was pending at the restart fails here: its agents may still come back
   * (ADR 0043); what started since fails as without a restart.
   */
  failStrandedTransfers(): void {
    const reason = 'NoAgentLeft';
    const { directory, host } = this.d;
    for (const s of [...host.sessions.values()]) {
      const r = s.record;
      if (r.chatState !== 'waiting' || this.heldByRestartGrace(s.id)) continue;
      const named = r.transferTo ?? (isNamedOnlyRequest(r, this.d.catalog) ? r.request!.agentId! : undefined);
      const gone = named !== undefined && (directory.get(named)?.presence !== 'online' || r.declinedBy.includes(named));
      if (r.transferFrom && r.transferTo) {
        if (gone) this.failTransfer(s, r.transferTo, reason);
      } else if (r.transferFrom) {
        if (!this.anyCandidate(s)) this.failTransfer(s, queueLabel(r.queueKey ?? ''), reason);
      } else if (named !== undefined && gone) {
        host.failWaitingRequest(s);
      } else if (this.everyAgentPassed(s)) {
        this.rerouteOrFail(s);
      }
    }
  }

  /**
   * Whether a new request (no agent has taken it; not a transfer, not for one named agent: those
   * fail on their own terms) has been passed on by someone (in any round) and no online agent who serves its
   * queue is left who has not (busy or not: one at capacity may still take it when a chat ends).
   * While the restart grace runs, one that was passed on before the restart waits: its agents
   * may still come back (ADR 0043, ADR 0071).
   */
  private everyAgentPassed(s: ChatSession): boolean {
    const r = s.record;
    // Passed on by someone: in this round, or in an earlier one (whose agents may all have gone since).
    const passedOn = r.declinedBy.length > 0 || (r.routingRound ?? 1) > 1;
    if (r.chatState !== 'waiting' || r.establishedAt !== null || r.transferFrom || r.transferTo || !passedOn) return false;
    if (isNamedOnlyRequest(r, this.d.catalog) || this.heldByRestartGrace(s.id)) return false;
    return !this.anyCandidate(s);
  }

  /**
   * A new request every agent passed on (ADR 0071), as Live Agent's *Reroute Declined Requests*
   * does it: while its button reroutes and rounds are left, those agents are candidates again (the
   * caller dispatches next); otherwise the visitor hears ChatRequestFail `Unavailable`, endReason
   * `EveryAgentPassed`, instead of waiting for an agent who may never come.
   */
  private rerouteOrFail(s: ChatSession): void {
    const r = s.record;
    const button = this.queueConfig(r.queueKey ?? r.routedButtonId!, r.routedButtonId!);
    const round = r.routingRound ?? 1;
    // Only those still online are offered it again: with nobody online, a new round would leave it
    // waiting for whoever comes next, which is what failing spares the visitor.
    if (button.rerouteDeclinedRequests && round < button.reroutingAttempts && this.servers(s).length > 0) {
      r.routingRound = round + 1;
      this.d.host.append(s, EventType.RerouteRound, 'system', { round: round + 1, rounds: button.reroutingAttempts, passedBy: r.declinedBy }, false);
      r.declinedBy = [];
      return;
    }
    this.d.host.failWaitingRequest(s, EVERY_AGENT_PASSED);
  }

  /**
   * Whether the chat waits in the queue of a button the config no longer has (removed before a
   * restart), for that button's agents: nobody serves it, and it would wait until its visitor gave
   * up. Not a chat under transfer (it fails back to its sender, NoAgentLeft), nor one for a named
   * agent (that agent may still take it), nor one in a skill queue (served by its org's agents).
   */
  private waitsOnRemovedButton(queueKey: string, r: SessionRecord): boolean {
    if (queueKey.startsWith('skill:') || this.d.catalog.button(queueKey) || r.transferFrom) return false;
    return !(r.establishedAt === null && r.request?.agentId);
  }

  /** Whether an online agent who serves the chat's queue has not passed on it (busy or not). */
  private anyCandidate(s: ChatSession): boolean {
    return this.candidates(s).length > 0;
  }

  /** The online agents who serve the chat's queue and have not passed on it (busy or not). */
  private candidates(s: ChatSession): AgentRuntime[] {
    const r = s.record;
    return this.servers(s).filter((a) => !r.declinedBy.includes(a.id));
  }

  /** The online agents who serve the chat's queue (busy or not, passed on it or not). */
  private servers(s: ChatSession): AgentRuntime[] {
    const r = s.record;
    const queueKey = r.queueKey ?? r.routedButtonId!;
    return this.d.router.onlineAgents(this.queueConfig(queueKey, r.routedButtonId ?? queueKey), orgOfQueueKey(queueKey));
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
    const callerId = r.transferFrom;
    const caller = callerId ? directory.get(callerId) : undefined;
    router.remove(s.id);
    this.cancelTransfer(s);
    // Its wait is over: a transfer the caller starts again is not held by the restart.
    this.heldThroughRestart.delete(s.id);
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
    // Those who declined the transfer's offer passed the chat: not offered it again. The caller,
    // kept from a queue it sent the chat to, only went away: a candidate again once back.
    r.declinedBy = r.declinedBy.filter((id) => id !== callerId);
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
    r.transferSince = null;
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
    // A chat whose button was removed from the config between two starts gets the schema's
    // button defaults under its own (now unknown) id, not some configured button: the first
    // button may be another org's, and Router.onlineAgents finds agents by the button's org,
    // so the chat would be offered across orgs. A button of the chat's own org would still hand
    // it to agents of a queue its visitor never asked for (and accept reads the routed button).
    // An id the catalog does not know is served by nobody: a waiting chat on it ends (ADR 0008,
    // later note), and a transfer there fails back (NoAgentLeft). A skill queue needs nothing of
    // the routed button but these defaults: its agents are found by the org in its key.
    const base = catalog.button(routedButtonId)?.config ?? defaultButtonConfig(routedButtonId);
    if (!queueKey.startsWith('skill:')) return catalog.button(queueKey)?.config ?? base;
    return { ...base, type: 'Standard', agentId: undefined, skills: [skillOfQueueKey(queueKey)] };
  }

  /** QueueUpdate to every visitor who asked, whenever position or estimate changed. */
  sendQueueUpdates(): void {
    const { router, host, waits } = this.d;
    for (const buttonId of router.buttonsWithQueues()) {
      // A request for one named agent (or a transfer to one) waits outside the line: not counted.
      // A chat under transfer to a skill or button counts for the chats behind it, but its
      // visitor still reads its agent's name: nothing to tell it.
      router.inLine(buttonId).forEach((id, i) => {
        const s = host.sessions.get(id);
        if (!s || s.record.chatState !== 'waiting' || s.record.transferFrom || !s.record.request?.receiveQueueUpdates) return;
        const position = i + 1;
        // A skill queue keeps no statistics of its own (no chat is first answered there): the
        // estimate is that of the button the chat is routed through, per place in this line.
        const statsOf = buttonId.startsWith('skill:') ? s.record.routedButtonId ?? buttonId : buttonId;
        const estimatedWaitTime = waits.estimateForPosition(statsOf, position);
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
