/**
 * Property test of the routing core (issue 4): random sequences of visitor
 * arrivals, presence changes, agent disconnects, accepts, declines, offer
 * timeouts (fake clock), transfers and chat ends, checked after every step:
 *
 * - no agent holds more offered + established chats, plus chats it is
 *   transferring, than its capacity (a transfer keeps its place in its sender's
 *   capacity until it happens), and the chats each agent is transferring agree
 *   with the session records;
 * - a chat is offered to one agent at a time, and agents' `chats` sets agree
 *   with the session records;
 * - every waiting or offered chat is in exactly one router queue (its
 *   queueKey), established and ended ones are in none: no chat is lost;
 * - each queue is ordered by queuedAt (FIFO), and a chat is never offered to an
 *   agent while an older chat of any queue could have gone to that agent;
 * - an offer goes only to an online agent with room who serves the queue (or is
 *   the transfer target) and has not declined the chat (or let its offer time out) since it was last taken;
 * - no chat is left waiting while an agent who could take it has room;
 * - no transfer to a skill or button waits while no online agent who serves
 *   its queue is left who has not passed on it (it fails back to its sender);
 * - a chat under transfer (to an agent, a skill or a button) and a visitor's
 *   request for one named agent without fallback are told no place and never a
 *   QueueUpdate; a visitor in line is told one place after every chat ahead of
 *   it that the queue's agents will be offered first, transfers to a skill or
 *   button included (ADR 0036, ADR 0043 and its later note);
 * - such a request waits only while its agent is online and has not passed on
 *   it: otherwise it has failed (ChatRequestFail `Unavailable`);
 * - a command that is refused leaves the session record unchanged;
 * - a transfer that fails (TransferFailed) leaves the chat routed exactly as
 *   before it started (its button and queue), and only a chat under transfer
 *   remembers how it was routed;
 * - in the end, with every agent online, every chat reaches `ended` and no
 *   timer is left behind.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { validateConfig } from '../../config/load-config.js';
import type { Actor, LogEvent } from '../../ports/records.js';
import { SwitchboardError } from '../../protocol/errors.js';
import { parseChasitorInit } from '../../protocol/visitor-requests.js';
import type { AgentRuntime } from '../agent-directory.js';
import { Catalog } from '../catalog.js';
import { ChatEngine, type EngineLogger } from '../chat-engine.js';
import type { ChatSession } from '../chat-session.js';
import { EventType } from '../event-types.js';

const ORG = '00D000000000001';
const DEPLOYMENT = '572000000000001';
const SKILLS = ['sales', 'support', 'billing'] as const;
const buttonId = (i: number) => `57300000000000${i + 1}`;
const agentId = (i: number) => `00500000000000${i + 1}`;

const silent: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

// ---- generated world --------------------------------------------------------

interface ButtonSpec { skills: string[]; routing: 'MostAvailable' | 'LeastActive'; offerTimeoutSeconds: number; queueSizeLimit: number }
interface AgentSpec { skills: string[]; capacity: number; online: boolean }
interface World { buttons: ButtonSpec[]; agents: AgentSpec[] }

const skillSet = fc.subarray([...SKILLS], { minLength: 1, maxLength: 2 });

const worldArb: fc.Arbitrary<World> = fc.record({
  buttons: fc.array(fc.record({
    skills: skillSet,
    routing: fc.constantFrom('MostAvailable' as const, 'LeastActive' as const),
    offerTimeoutSeconds: fc.constantFrom(5, 10, 30),
    queueSizeLimit: fc.constantFrom(0, 2, 4, 100),
  }), { minLength: 2, maxLength: 3 }),
  agents: fc.array(fc.record({ skills: skillSet, capacity: fc.integer({ min: 1, max: 3 }), online: fc.constantFrom(true, true, true, false) }), { minLength: 3, maxLength: 5 }),
});

type Action =
  | { kind: 'arrive'; button: number; override: number | null; advanceMs: number; named?: number | null; fallback?: boolean }
  | { kind: 'presence'; agent: number; presence: 'online' | 'away' | 'offline' }
  | { kind: 'disconnect'; agent: number }
  | { kind: 'accept'; pick: number }
  | { kind: 'decline'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'agentEnd'; pick: number }
  | { kind: 'visitorEnd'; pick: number }
  | { kind: 'transferSkill'; pick: number; skill: number }
  | { kind: 'transferAgent'; pick: number; agent: number }
  | { kind: 'transferButton'; pick: number; button: number };

const idx = fc.nat({ max: 7 });

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('arrive' as const), button: idx, override: fc.option(idx, { freq: 4 }), advanceMs: fc.constantFrom(0, 1, 250, 1000), named: fc.option(idx, { freq: 4 }), fallback: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('presence' as const), agent: idx, presence: fc.constantFrom('online' as const, 'online' as const, 'away' as const, 'offline' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), agent: idx }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('accept' as const), pick: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('decline' as const), pick: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.constantFrom(1000, 5000, 10_000, 30_000, 31_000), fc.integer({ min: 1, max: 40_000 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('agentEnd' as const), pick: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('visitorEnd' as const), pick: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transferSkill' as const), pick: idx, skill: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transferAgent' as const), pick: idx, agent: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transferButton' as const), pick: idx, button: idx }) },
);

function buildConfig(world: World) {
  return validateConfig({
    storage: { kind: 'memory' },
    orgs: [{
      id: ORG,
      deployments: [{
        id: DEPLOYMENT,
        buttons: world.buttons.map((b, i) => ({ id: buttonId(i), ...b })),
      }],
      agents: world.agents.map((a, i) => ({ id: agentId(i), name: `Agent ${i + 1}`, skills: a.skills, capacity: a.capacity })),
    }],
  }, 'routing property test');
}

// ---- the harness ------------------------------------------------------------

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

class Harness {
  readonly clock = new FakeClock();
  readonly config: ReturnType<typeof buildConfig>;
  readonly engine: ChatEngine;
  /** Every session that asked for a chat, in arrival order (closed ones too). */
  readonly all: ChatSession[] = [];
  /** Agents who declined (or let time out) each chat since it was last taken: they must not get it again. */
  readonly declined = new Map<string, Set<string>>();
  /** The caller of each chat's latest transfer. */
  private readonly callers = new Map<string, string>();
  /** Violations seen inside engine calls (at the moment of an offer). */
  readonly violations: string[] = [];
  readonly trace: string[] = [];
  /** Each chat's routing (button, queue) when its last transfer started. */
  readonly routingAtTransfer = new Map<string, string>();

  constructor(world: World) {
    this.config = buildConfig(world);
    this.engine = new ChatEngine({
      store: new MemoryChatStore(), clock: this.clock, catalog: new Catalog(this.config), settings: this.config.settings, nodeId: 'abcdef01', logger: silent,
    });
    const append = this.engine.append.bind(this.engine);
    this.engine.append = (s: ChatSession, type: string, actor: Actor, data: Record<string, unknown>, visible: boolean): LogEvent => {
      this.observe(s, type, data);
      return append(s, type, actor, data, visible);
    };
  }

  agents(): AgentRuntime[] {
    return this.engine.directory.all();
  }

  agentAt(i: number): AgentRuntime {
    const list = this.agents();
    return list[i % list.length]!;
  }

  live(state: string): ChatSession[] {
    return [...this.engine.sessions.values()].filter((s) => s.record.chatState === state);
  }

  declinedBy(s: ChatSession): Set<string> {
    let set = this.declined.get(s.id);
    if (!set) this.declined.set(s.id, (set = new Set()));
    return set;
  }

  /** Could agent `a` take chat `s` (waiting in queue `queueKey`) right now? */
  eligible(a: AgentRuntime, s: ChatSession, queueKey: string): boolean {
    const r = s.record;
    if (!this.engine.directory.hasRoom(a) || this.declinedBy(s).has(a.id)) return false;
    if (r.transferTo && !this.declinedBy(s).has(r.transferTo)) return a.id === r.transferTo;
    // A request for one named agent: that agent, then (with fallback, once it passed) the queue's.
    const named = r.establishedAt === null ? r.request?.agentId : undefined;
    if (named && !r.transferTo && (!r.request?.doFallback || !this.declinedBy(s).has(named))) return a.id === named;
    const cfg = this.engine.queueConfig(queueKey, r.routedButtonId ?? queueKey);
    return this.engine.catalog.agentServesButton(a.config, cfg);
  }

  /** Bookkeeping and offer-time checks, run as the engine appends each event. */
  private observe(s: ChatSession, type: string, data: Record<string, unknown>): void {
    const r = s.record;
    const declined = this.declinedBy(s);
    switch (type) {
      case EventType.OfferDeclined:
        declined.add(String(data.agentId));
        break;
      case EventType.OfferTimedOut:
        // An offer withdrawn because its agent stepped away or went offline (`reason: agent …`)
        // is not a pass: that agent may be offered the chat again once back (ADR 0008 §4).
        if (!String(data.reason ?? '').startsWith('agent ')) declined.add(String(data.agentId));
        break;
      case EventType.ChatEstablished:
      case EventType.ChatTransferred:
        declined.clear();
        break;
      case 'TransferRequested':
        declined.clear();
        this.callers.set(s.id, String(data.from));
        if (!data.agentId) declined.add(String(data.from)); // a skill / button transfer goes to someone else
        break;
      case EventType.AgentDisconnect: {
        // Dropping a chat is not passing it (ADR 0008, later note): its agent may get it again once
        // back. After a transfer that failed while its caller was away, those who declined the
        // transfer's offer still passed; the caller did not.
        const caller = this.callers.get(s.id);
        if (caller) declined.delete(caller);
        break;
      }
      case EventType.ChatOffered:
        this.checkOffer(s, String(data.agentId), String(data.rule));
        break;
      case EventType.QueueUpdate:
        if (r.transferFrom) this.violations.push(`chat ${s.id.slice(0, 8)} under transfer was told a QueueUpdate`);
        if (r.establishedAt === null && r.request?.agentId && !r.request.doFallback) this.violations.push(`request ${s.id.slice(0, 8)} for one agent was told a QueueUpdate`);
        break;
      case 'TransferFailed': {
        const was = this.routingAtTransfer.get(s.id);
        if (was !== routingOf(s)) this.violations.push(`failed transfer of ${s.id.slice(0, 8)} left it routed ${routingOf(s)}, not ${was} as before`);
        if (data.buttonId !== r.routedButtonId) this.violations.push(`TransferFailed of ${s.id.slice(0, 8)} names button ${String(data.buttonId)}, the chat's is ${r.routedButtonId}`);
        break;
      }
    }
  }

  private checkOffer(s: ChatSession, to: string, rule: string): void {
    const r = s.record;
    const bad = (msg: string): void => { this.violations.push(`offer of ${s.id.slice(0, 8)} to ${to}: ${msg}`); };
    const agent = this.engine.directory.get(to);
    if (!agent) return bad('unknown agent');
    if (r.chatState !== 'offered' || r.agentId !== to) bad(`record says ${r.chatState} / ${r.agentId}`);
    if (agent.presence !== 'online') bad(`agent is ${agent.presence}`);
    if (agent.capacity > 0 && agent.chats.size > agent.capacity) bad(`agent now holds ${agent.chats.size} > capacity ${agent.capacity}`);
    if (this.declinedBy(s).has(to)) bad('agent already declined this chat');
    const holders = this.agents().filter((a) => a.chats.has(s.id)).map((a) => a.id);
    if (holders.length !== 1 || holders[0] !== to) bad(`held by [${holders.join(', ')}]`);
    const queueKey = this.engine.router.queueOf(s.id);
    if (queueKey === undefined) return bad('offered chat is in no queue');
    if (rule === 'DirectToAgent') {
      const direct = r.transferTo ?? (r.establishedAt === null ? r.request?.agentId : undefined);
      if (direct !== to) bad(`direct offer but transferTo is ${r.transferTo} and the request names ${r.request?.agentId}`);
    } else {
      const cfg = this.engine.queueConfig(queueKey, r.routedButtonId ?? queueKey);
      if (!this.engine.catalog.agentServesButton(agent.config, cfg)) bad(`agent does not serve queue ${queueKey}`);
      // FIFO across queues: an older chat of any queue that this agent could have taken must not be passed over.
      const age = (c: ChatSession) => [c.record.queuedAt ?? c.record.createdAt, c.queueTicket ?? 0] as const;
      const [at, ticket] = age(s);
      for (const key of this.engine.router.buttonsWithQueues()) {
        for (const id of this.engine.router.queued(key)) {
          const older = this.engine.sessions.get(id);
          if (!older || id === s.id || older.record.chatState !== 'waiting' || older.record.transferTo) continue;
          if (older.record.establishedAt === null && older.record.request?.agentId) continue; // asked for one agent
          const [olderAt, olderTicket] = age(older);
          if (olderAt > at || (olderAt === at && olderTicket > ticket)) continue;
          if (!this.declinedBy(older).has(to) && this.engine.catalog.agentServesButton(agent.config, this.engine.queueConfig(key, older.record.routedButtonId ?? key))) {
            bad(`older chat ${id.slice(0, 8)} of ${key} was still waiting for an agent like this one`);
          }
        }
      }
    }
  }

  /** The invariants that must hold between any two steps. */
  checkInvariants(): string[] {
    const problems = [...this.violations];
    this.violations.length = 0;
    const { engine } = this;
    const router = engine.router;

    // Agents' chat sets agree with the records, and respect capacity.
    for (const a of this.agents()) {
      const expected = [...engine.sessions.values()]
        .filter((s) => (s.record.chatState === 'offered' || s.record.chatState === 'established') && s.record.agentId === a.id)
        .map((s) => s.id).sort();
      const held = [...a.chats].sort();
      if (JSON.stringify(expected) !== JSON.stringify(held)) problems.push(`agent ${a.id} chats [${held.map((x) => x.slice(0, 8)).join(',')}] but records say [${expected.map((x) => x.slice(0, 8)).join(',')}]`);
      const transferring = [...engine.sessions.values()]
        .filter((s) => (s.record.chatState === 'waiting' || s.record.chatState === 'offered') && s.record.transferFrom === a.id)
        .map((s) => s.id).sort();
      const out = [...a.transfersOut].sort();
      if (JSON.stringify(transferring) !== JSON.stringify(out)) problems.push(`agent ${a.id} transfersOut [${out.map((x) => x.slice(0, 8)).join(',')}] but records say [${transferring.map((x) => x.slice(0, 8)).join(',')}]`);
      if (a.capacity > 0 && a.chats.size + a.transfersOut.size > a.capacity) problems.push(`agent ${a.id} holds ${a.chats.size} chats and transfers ${a.transfersOut.size}, capacity ${a.capacity}`);
    }

    // Queue membership: waiting / offered in exactly one queue, the rest in none.
    const occurrences = new Map<string, string[]>();
    const arrival = new Map(this.all.map((s, i) => [s.id, i]));
    for (const key of router.buttonsWithQueues()) {
      const ids = router.queued(key);
      for (const id of ids) occurrences.set(id, [...(occurrences.get(id) ?? []), key]);
      const times = ids.map((id) => engine.sessions.get(id)?.record.queuedAt ?? null);
      for (let i = 1; i < times.length; i++) {
        if (times[i - 1] === null || times[i] === null || times[i - 1]! > times[i]!) problems.push(`queue ${key} is not FIFO: queuedAt ${JSON.stringify(times)}`);
        // Chats queued in the same millisecond keep the order they arrived in, also after a requeue.
        else if (times[i - 1] === times[i] && arrival.get(ids[i - 1]!)! > arrival.get(ids[i]!)!) problems.push(`queue ${key} puts ${ids[i]!.slice(0, 8)} behind ${ids[i - 1]!.slice(0, 8)}, which arrived later in the same millisecond`);
      }
      for (const id of ids) if (!engine.sessions.has(id)) problems.push(`queue ${key} holds closed session ${id.slice(0, 8)}`);
    }
    for (const s of this.all) {
      const r = s.record;
      const inQueues = occurrences.get(s.id) ?? [];
      const open = !r.closed && (r.chatState === 'waiting' || r.chatState === 'offered');
      if (open) {
        if (inQueues.length !== 1) problems.push(`${r.chatState} chat ${s.id.slice(0, 8)} is in queues [${inQueues.join(', ')}]`);
        else if (r.queueKey !== inQueues[0]) problems.push(`chat ${s.id.slice(0, 8)} has queueKey ${r.queueKey} but sits in ${inQueues[0]}`);
      } else if (inQueues.length) {
        problems.push(`${r.chatState} chat ${s.id.slice(0, 8)} is still in queues [${inQueues.join(', ')}]`);
      }
      if (r.chatState === 'offered') {
        const holders = this.agents().filter((a) => a.chats.has(s.id));
        if (holders.length !== 1) problems.push(`offered chat ${s.id.slice(0, 8)} is held by ${holders.length} agents`);
        if (!s.offerTimer) problems.push(`offered chat ${s.id.slice(0, 8)} has no offer timer`);
      }
      if (r.chatState === 'ended' || r.closed) {
        if (this.agents().some((a) => a.chats.has(s.id))) problems.push(`ended chat ${s.id.slice(0, 8)} is still held by an agent`);
      } else if (!r.transferFrom !== !r.transferOrigin) {
        problems.push(`chat ${s.id.slice(0, 8)}: transferFrom ${r.transferFrom ?? '-'} but transferOrigin ${JSON.stringify(r.transferOrigin ?? null)}`);
      }
      // A transfer to a skill or button waits only while someone could still take it.
      if (open && r.chatState === 'waiting' && r.transferFrom && !r.transferTo && inQueues.length === 1) {
        const cfg = engine.queueConfig(inQueues[0]!, r.routedButtonId ?? inQueues[0]!);
        const left = engine.router.onlineAgents(cfg).filter((a) => !r.declinedBy.includes(a.id));
        if (!left.length) problems.push(`transfer of ${s.id.slice(0, 8)} from ${r.transferFrom} waits in ${inQueues[0]} with nobody left who could take it`);
      }
      if (open && r.transferFrom && engine.router.position(s.id) !== 0) problems.push(`chat ${s.id.slice(0, 8)} under transfer is told place ${engine.router.position(s.id)} in line`);
      // A visitor in line is told its true place: one after every chat ahead of it in its queue that
      // will be offered to the queue's agents (transfers to a skill or button included; a transfer to
      // one agent and a request for one named agent not).
      if (open && r.chatState === 'waiting' && !r.transferFrom && inQueues.length === 1 && engine.router.position(s.id) !== 0) {
        const ahead = engine.router.queued(inQueues[0]!).slice(0, engine.router.queued(inQueues[0]!).indexOf(s.id));
        const counted = ahead.filter((id) => {
          const o = engine.sessions.get(id)?.record;
          return o && !o.transferTo && !(o.establishedAt === null && o.request?.agentId && !o.request.doFallback);
        });
        if (engine.router.position(s.id) !== counted.length + 1) problems.push(`chat ${s.id.slice(0, 8)} is told place ${engine.router.position(s.id)}, but ${counted.length} chats stand ahead of it`);
      }
      const namedOnly = r.establishedAt === null && r.request?.agentId && !r.request.doFallback ? r.request.agentId : null;
      if (open && namedOnly) {
        if (engine.router.position(s.id) !== 0) problems.push(`request ${s.id.slice(0, 8)} for ${namedOnly} holds place ${engine.router.position(s.id)} in line`);
        const agent = engine.directory.get(namedOnly);
        if (agent?.presence !== 'online' || this.declinedBy(s).has(namedOnly)) problems.push(`request ${s.id.slice(0, 8)} still waits for ${namedOnly}, who is ${agent?.presence ?? 'unknown'}${this.declinedBy(s).has(namedOnly) ? ' and passed on it' : ''}`);
      }
      // Work conservation: a waiting chat never sits while an agent who could take it has room.
      if (open && r.chatState === 'waiting' && inQueues.length === 1) {
        const idle = this.agents().filter((a) => this.eligible(a, s, inQueues[0]!));
        if (idle.length) problems.push(`chat ${s.id.slice(0, 8)} waits in ${inQueues[0]} while ${idle.map((a) => a.id).join(', ')} could take it (transferTo ${r.transferTo ?? '-'})`);
      }
    }
    return problems;
  }

  // ---- actions --------------------------------------------------------------

  async run(action: Action): Promise<void> {
    const { engine } = this;
    const nButtons = this.config.orgs[0]!.deployments[0]!.buttons.length;
    const pick = (list: ChatSession[], i: number) => (list.length ? list[i % list.length] : undefined);
    switch (action.kind) {
      case 'arrive': {
        this.clock.advance(action.advanceMs);
        const s = engine.createSession();
        const body: Record<string, unknown> = {
          organizationId: ORG, deploymentId: DEPLOYMENT, buttonId: buttonId(action.button % nButtons), sessionId: s.id, visitorName: `V${this.all.length + 1}`,
        };
        if (action.override !== null) body.buttonOverrides = [buttonId(action.override % nButtons)];
        if (action.named !== undefined && action.named !== null) Object.assign(body, { agentId: this.agentAt(action.named).id, doFallback: action.fallback ?? false });
        this.all.push(s);
        engine.requestChat(s, parseChasitorInit(body), '127.0.0.1');
        this.trace.push(`arrive ${s.id.slice(0, 8)} → ${s.record.chatState} in ${engine.router.queueOf(s.id) ?? '-'}`);
        break;
      }
      case 'presence':
        engine.agentActions.setPresence(this.agentAt(action.agent).id, action.presence);
        break;
      case 'disconnect':
        engine.agentActions.agentDisconnected(this.agentAt(action.agent).id);
        break;
      case 'accept': {
        const s = pick(this.live('offered'), action.pick);
        if (s) engine.agentActions.accept(s.record.agentId!, s.id);
        break;
      }
      case 'decline': {
        const s = pick(this.live('offered'), action.pick);
        if (s) engine.agentActions.decline(s.record.agentId!, s.id, 'busy');
        break;
      }
      case 'advance':
        this.clock.advance(action.ms);
        break;
      case 'agentEnd': {
        const s = pick(this.live('established'), action.pick);
        if (s) engine.agentActions.agentEnd(s.record.agentId!, s.id);
        break;
      }
      case 'visitorEnd': {
        const active = [...engine.sessions.values()].filter((x) => engine.chatActive(x));
        const s = pick(active, action.pick);
        if (s) engine.visitorEnd(s, 'client');
        break;
      }
      case 'transferSkill':
      case 'transferAgent':
      case 'transferButton': {
        const s = pick(this.live('established'), action.pick);
        if (!s) break;
        const target = action.kind === 'transferSkill' ? { skill: SKILLS[action.skill % SKILLS.length] }
          : action.kind === 'transferAgent' ? { agentId: this.agentAt(action.agent).id }
            : { buttonId: buttonId(action.button % nButtons) };
        const before = JSON.stringify(s.record);
        const routing = routingOf(s);
        try {
          engine.agentActions.transfer(s.record.agentId!, s.id, target);
          this.routingAtTransfer.set(s.id, routing);
        } catch (err) {
          if (!(err instanceof SwitchboardError) || err.code !== 'CONFLICT') throw err;
          const after = JSON.stringify(s.record);
          if (after !== before) this.violations.push(`refused transfer ${JSON.stringify(target)} changed the record: ${diff(before, after)}`);
        }
        break;
      }
    }
    await flush();
  }

  /** Everyone online, every offer accepted, every established chat ended, until nothing moves. */
  async settle(): Promise<void> {
    const { engine } = this;
    for (const a of this.agents()) engine.agentActions.setPresence(a.id, 'online');
    await flush();
    for (let round = 0; round < 100; round++) {
      const offered = this.live('offered');
      const established = this.live('established');
      if (!offered.length && !established.length) break;
      for (const s of offered) if (s.record.chatState === 'offered') engine.agentActions.accept(s.record.agentId!, s.id);
      for (const s of this.live('established')) engine.agentActions.agentEnd(s.record.agentId!, s.id);
      await flush();
    }
  }

  /** Visitors of chats no agent will take (everyone who serves them declined) give up. */
  async endRest(): Promise<void> {
    const { engine } = this;
    for (const s of [...engine.sessions.values()].filter((x) => engine.chatActive(x))) engine.visitorEnd(s, 'client');
    await flush();
    await engine.queue.drain();
  }
}

/** A chat's routing: the button it is routed through and its queue. */
function routingOf(s: ChatSession): string {
  return `${s.record.routedButtonId ?? '-'} / ${s.record.queueKey ?? s.record.routedButtonId ?? '-'}`;
}

function diff(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  return Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k])} → ${JSON.stringify(b[k])}`).join('; ');
}

// ---- the property -----------------------------------------------------------

/** Runs one sequence, checking the invariants after every step and after the final wind-down. */
async function scenario(world: World, actions: Action[]): Promise<void> {
  const h = new Harness(world);
  await h.engine.start();
  world.agents.forEach((a, i) => { if (a.online) h.engine.agentActions.setPresence(agentId(i), 'online'); });
  await flush();
  for (const [step, action] of actions.entries()) {
    await h.run(action);
    const problems = h.checkInvariants();
    if (problems.length) throw new Error(`after step ${step} ${JSON.stringify(action)}:\n  ${problems.join('\n  ')}\ntrace: ${h.trace.join(' | ')}`);
  }
  await h.settle();
  let problems = h.checkInvariants();
  if (problems.length) throw new Error(`after settling (all agents online, offers accepted, chats ended):\n  ${problems.join('\n  ')}`);
  await h.endRest();
  problems = h.checkInvariants();
  if (problems.length) throw new Error(`after ending the rest:\n  ${problems.join('\n  ')}`);
  for (const s of h.all) expect(s.record.chatState, `chat ${s.id.slice(0, 8)} (${s.record.endReason})`).toBe('ended');
  for (const a of h.agents()) expect(a.chats.size, `agent ${a.id} still holds chats`).toBe(0);
  expect(h.engine.router.buttonsWithQueues()).toEqual([]);
  expect(h.clock.pendingTimers(), 'timers left behind').toBe(0);
}

const button = (skills: string[], offerTimeoutSeconds = 30): ButtonSpec => ({ skills, routing: 'MostAvailable', offerTimeoutSeconds, queueSizeLimit: 0 });
const agent = (skills: string[], capacity = 1, online = true): AgentSpec => ({ skills, capacity, online });

describe('routing invariants', () => {
  it('hold over random arrival / presence / accept / decline / timeout / transfer / end sequences', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.array(actionArb, { minLength: 1, maxLength: 60 }), scenario),
      { numRuns: Number(process.env.ROUTING_PROPERTY_RUNS ?? 100) },
    );
  });

  // Shrunk counterexamples the property found, kept as fixed cases.

  it('a transfer that fails back to its agent respects that agent\'s capacity', async () => {
    // a0 (capacity 1) transfers V1 to a1 and at once gets V2; a1 declines V1, which
    // returns to a0 without a capacity check: a0 holds 2 chats.
    await scenario({ buttons: [button(['support'])], agents: [agent(['support']), agent(['support'])] }, [
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V1 → offered to a0
      { kind: 'accept', pick: 0 },
      { kind: 'transferAgent', pick: 0, agent: 1 }, // V1 → offered to a1, a0 is free
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V2 → offered to a0
      { kind: 'decline', pick: 0 }, // a1 declines V1 → back to a0
    ]);
  });

  it('a transfer to a skill whose only agent declines comes back to its sender, who took a new chat meanwhile', async () => {
    // a0 (capacity 1) transfers V1 to billing, whose a1 is offered it; a0's capacity was free at
    // once and V2 was offered to a0. a1 declines: a0 had no room, so V1 waited in the billing
    // queue where nobody was left who could take it, held by no one.
    await scenario({ buttons: [button(['support']), button(['billing'])], agents: [agent(['support']), agent(['billing'])] }, [
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V1 → offered to a0
      { kind: 'accept', pick: 0 },
      { kind: 'transferSkill', pick: 0, skill: 2 }, // V1 → offered to a1 (billing)
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V2 → waits: a0's capacity keeps V1's place
      { kind: 'decline', pick: 0 }, // a1 declines V1 → back to a0
    ]);
  });

  it('a transfer to a skill whose only agent goes away while it waits comes back to its sender', async () => {
    // a1, the only billing agent, is busy: a0's transfer of V2 to billing waits in its queue.
    // a1 steps away: nobody is left who could take V2, which waited there for ever.
    await scenario({ buttons: [button(['support']), button(['billing'])], agents: [agent(['support']), agent(['billing'])] }, [
      { kind: 'arrive', button: 1, override: null, advanceMs: 0 }, // V1 → offered to a1
      { kind: 'accept', pick: 0 },
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V2 → offered to a0
      { kind: 'accept', pick: 0 },
      { kind: 'transferSkill', pick: 1, skill: 2 }, // V2 → waits for billing
      { kind: 'presence', agent: 1, presence: 'away' },
    ]);
  });

  it('a chat transferred to one agent holds no place in its queue', async () => {
    // V1 back in its button's queue at its first arrival time, while it waits for a1 only,
    // counted ahead of V2 in line.
    await scenario({ buttons: [button(['support'])], agents: [agent(['support']), agent(['sales'])] }, [
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V1 → offered to a0
      { kind: 'accept', pick: 0 },
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V2 → waits
      { kind: 'transferAgent', pick: 0, agent: 1 }, // V1 → offered to a1, V2 still first in line
    ]);
  });

  it('a chat whose transfer target declined is not stranded when its agent is away', async () => {
    // a0 transfers V1 to a1 and goes away; a1 declines. V1 stays `waiting` with
    // transferTo a1, which dispatch() only ever offers to a1 (excluded): a2 is idle
    // and V1 is never offered again, even after a0 comes back.
    await scenario({ buttons: [button(['billing'])], agents: [agent(['billing']), agent(['billing']), agent(['billing'])] }, [
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V1 → offered to a0
      { kind: 'accept', pick: 0 },
      { kind: 'transferAgent', pick: 0, agent: 1 },
      { kind: 'presence', agent: 0, presence: 'away' },
      { kind: 'decline', pick: 0 },
    ]);
  });

  it('a chat requeued after its agent dropped goes back ahead of a later arrival of the same millisecond', async () => {
    // V1 and V2 arrive in the same millisecond; a0 takes V1, then drops: V1 returns
    // to the queue at its old place, which is ahead of V2 (ties were inserted behind).
    await scenario({ buttons: [button(['support'])], agents: [agent(['support']), agent(['support'], 1, false)] }, [
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V1 → offered to a0
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V2 → waits, same queuedAt
      { kind: 'accept', pick: 0 },
      { kind: 'disconnect', agent: 0 }, // V1 → requeued
    ]);
  });

  it('an agent serving two buttons is offered the chat that waited longest, whichever queue was made first', async () => {
    // a0 serves both buttons. Button 1's queue exists first (V1); V2 waits on button 0, then
    // V3 on button 1; when a0 is free it must get V2 — the dispatcher drained button 1's queue first.
    await scenario({ buttons: [button(['support']), button(['sales'])], agents: [agent(['support', 'sales'], 1)] }, [
      { kind: 'arrive', button: 1, override: null, advanceMs: 0 }, // V1 → offered to a0
      { kind: 'accept', pick: 0 },
      { kind: 'arrive', button: 0, override: null, advanceMs: 1000 }, // V2 → waits
      { kind: 'arrive', button: 1, override: null, advanceMs: 1000 }, // V3 → waits
      { kind: 'agentEnd', pick: 0 }, // a0 is free: V2 is the oldest
    ]);
  });

  it('a transfer to a button whose only agent declines leaves the chat routed as before', async () => {
    // a1 declines: V1 goes back to a0 but kept button 1's routing, so a0 dropping
    // requeued it on button 1's queue, which a0's own button's agents never see.
    await scenario({ buttons: [button(['support']), button(['billing'])], agents: [agent(['support']), agent(['billing'])] }, [
      { kind: 'arrive', button: 0, override: null, advanceMs: 0 }, // V1 → offered to a0
      { kind: 'accept', pick: 0 },
      { kind: 'transferButton', pick: 0, button: 1 }, // V1 → offered to a1
      { kind: 'decline', pick: 0 }, // back to a0: TransferFailed
      { kind: 'disconnect', agent: 0 },
    ]);
  });

  it('a refused transfer to a button leaves the chat as it was', async () => {
    // Nobody serves button 0: transfer() throws CONFLICT, but only after it set
    // routedButtonId to button 0, so a later requeue goes to the wrong queue.
    await scenario({ buttons: [button(['support']), button(['billing'])], agents: [agent(['billing']), agent(['support'], 1, false)] }, [
      { kind: 'arrive', button: 1, override: null, advanceMs: 0 }, // V1 → offered to a0
      { kind: 'accept', pick: 0 },
      { kind: 'transferButton', pick: 0, button: 0 },
    ]);
  });
});
