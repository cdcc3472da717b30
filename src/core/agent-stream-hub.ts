/**
 * One realtime stream per user (agent or supervisor): offers, chat events,
 * presence and queue changes, each with an id `epoch:offset` in that user's
 * stream. A client that reconnects with its last id gets exactly what it
 * missed, in order; when the id is from another epoch (server restarted) or
 * older than the buffer, it gets `resync` with a snapshot instead — the same
 * {offset, epoch} design as the visitor log (docs/adr/0001).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports/clock.js';
import type { LogEvent } from '../ports/records.js';
import type { ChatEventWire, FlagEvent, FlagReason, OfflineMessage, OfflineMessageCreatedEvent } from '../protocol/agent-api-types.js';
import type { AgentNotification } from './agent-directory.js';
import type { ChatEngine } from './chat-engine.js';
import { roleAtLeast, type Role, type UserDirectory } from './identity/user-directory.js';
import { fail } from '../protocol/errors.js';
import { agentSideFields, EventType, isResentCopy } from './event-types.js';
import { queueDisplayName, queueLabel } from './routing/dispatcher.js';

export interface StreamEvent {
  id: string;
  type: string;
  chatId?: string | undefined;
  at: number;
  data: unknown;
}

/**
 * An event as buffered for resume and handed to every connection: serialised once
 * when published. Serialising per connection cost a supervisor with many open
 * connections a JSON.stringify of every event for each of them.
 */
export interface SerializedEvent {
  readonly event: StreamEvent;
  /** `JSON.stringify(event)`: the WebSocket frame, and the SSE `data:` line. */
  readonly json: string;
}

export type StreamListener = (e: SerializedEvent) => void;

/**
 * Connections one user may have open at once (WebSocket and SSE together): a console
 * uses one per tab. Each open connection gets every event, so without a limit one
 * user's connections multiplied the work and memory of every event.
 */
export const MAX_CONNECTIONS_PER_USER = 20;

/** Events kept per user for resume. */
const BUFFER = 2000;
/**
 * And at most this many bytes of them (their JSON, as sent): counted in events alone,
 * 2000 events of 60 KB (a supervisor's monitor.event of long messages) held 120 MB
 * per user.
 */
const BUFFER_MAX_BYTES = 8 * 1024 * 1024;
/**
 * And for at most this long: a console away for longer gets `resync` (a snapshot)
 * instead. It also bounds how long the text of a chat deleted by retention stays
 * readable through a replay (an erasure drops it at once: forgetChats).
 */
const BUFFER_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * A buffered event: its JSON (what a replay sends) and what the buffer's limits and a resume read,
 * not the event object itself (its data is in the JSON; a replay parses it back): a user's 2,000
 * buffered events held ~1.6 MB with the objects, most of it their data (session 28's soak audit).
 */
interface BufferedEvent {
  readonly json: string;
  readonly offset: number;
  readonly chatId: string | undefined;
  readonly at: number;
  /** The size of `json` in UTF-8, for the buffer's byte limit. */
  readonly bytes: number;
  /** Only for connections whose credential may see supervisors' events (`monitor.event`, a `flag` of another's chat). */
  readonly monitorOnly: boolean;
}

class UserStream {
  readonly epoch = randomBytes(4).toString('hex');
  offset = 0;
  buffer: BufferedEvent[] = [];
  /** The sum of the buffered events' `bytes`. */
  bufferBytes = 0;
  /** A resume from before this offset cannot be replayed (events were dropped by forgetChats). */
  replayFrom = 0;
  /** A resume from this offset or before it predates the emulator's last reset (null: none). */
  resetThrough: number | null = null;
  /**
   * Open connections: each listener with what ends its connection when the user's
   * credentials are revoked, what sends it a `resync` frame (a JSON text), and whether
   * its credential may see supervisors' events (an API key can be limited below its
   * user's role).
   */
  readonly listeners = new Map<StreamListener, { end: () => void; resync: (frame: string) => void; monitor: boolean }>();
  /** Last time a connection was open or the user sent a heartbeat. */
  lastAliveAt = 0;
}

export type ResumeResult = { kind: 'replay'; events: SerializedEvent[] } | { kind: 'resync'; snapshot: unknown; reason: string };

export class AgentStreamHub {
  private readonly streams = new Map<string, UserStream>();

  constructor(
    private readonly engine: ChatEngine,
    private readonly users: UserDirectory,
    private readonly clock: Clock,
  ) {
    engine.onEachEventDurable(() => this.supervisorFanOut());
    engine.onEventsDurable((events) => this.announceFlags(events));
    users.onCredentialsRevoked((userId) => this.disconnectUser(userId));
  }

  /**
   * Ends every open connection of a user (logout, password change, disabled, API
   * key revoked): no event is pushed to it from now on. A client that still holds
   * a valid credential reconnects and resumes where it was.
   */
  disconnectUser(userId: string): void {
    const st = this.streams.get(userId);
    if (!st) return;
    for (const [listener, c] of [...st.listeners]) {
      st.listeners.delete(listener);
      c.end();
    }
    st.lastAliveAt = this.clock.now();
  }

  /** Starts forwarding an agent's notifications into its stream. */
  attachAgent(userId: string): void {
    this.engine.directory.subscribe(userId, (n) => this.onNotification(userId, n));
  }

  /** `monitorOnly`: for supervisor credentials only (by default, `monitor.event` is). */
  publish(userId: string, type: string, chatId: string | undefined, data: unknown, monitorOnly = type === 'monitor.event'): StreamEvent {
    const st = this.stream(userId);
    st.offset += 1;
    const e: StreamEvent = { id: `${st.epoch}:${st.offset}`, type, chatId, at: this.clock.now(), data };
    const json = JSON.stringify(e);
    const serialized: SerializedEvent = { event: e, json };
    const buffered: BufferedEvent = { json, offset: st.offset, chatId, at: e.at, bytes: Buffer.byteLength(json), monitorOnly };
    st.buffer.push(buffered);
    st.bufferBytes += buffered.bytes;
    // Trimmed in steps, not by one on every event: at least BUFFER events stay for resume.
    if (st.buffer.length > BUFFER + BUFFER / 4) this.dropOldest(st, st.buffer.length - BUFFER);
    // By bytes, oldest first, down to the limit (an event over it alone is not kept at all:
    // a resume from before it gets resync). Events this large are few, so no steps.
    if (st.bufferBytes > BUFFER_MAX_BYTES) {
      let n = 0;
      for (let over = st.bufferBytes - BUFFER_MAX_BYTES; over > 0; n++) over -= st.buffer[n]!.bytes;
      this.dropOldest(st, n);
    }
    if (st.buffer.length && st.buffer[0]!.at < e.at - BUFFER_MAX_AGE_MS) this.dropOlderThan(st, e.at - BUFFER_MAX_AGE_MS);
    for (const [l, c] of st.listeners) if (c.monitor || !monitorOnly) l(serialized);
    return e;
  }

  /**
   * Subscribes a connection. With `lastEventId` the missed events are returned
   * for replay first (or a resync when they cannot be), then live events follow.
   * `end` closes the connection when the user's credentials are revoked. `role` is
   * the credential's (an API key may act below its user's role): below supervisor,
   * the connection gets no `monitor.event` and a snapshot of its own chats only.
   */
  subscribe(userId: string, role: Role, lastEventId: string | undefined, listener: StreamListener, end: () => void, resync: (frame: string) => void = () => undefined): { resume: ResumeResult; announce: () => void; close: () => void; setRole: (role: Role) => void } {
    this.checkRoomFor(userId);
    const st = this.stream(userId);
    const connection = { end, resync, monitor: roleAtLeast(role, 'supervisor') };
    const resume = this.resume(userId, st, lastEventId, connection.monitor);
    st.listeners.set(listener, connection);
    st.lastAliveAt = this.clock.now();
    return {
      resume,
      // A connection that replays nothing (a fresh page, or a resync) would not learn the
      // presence or the offers made before it: they are announced again (clients know offers
      // by chatId). Called by the connection once it has sent `resume`: a resync is the first frame.
      announce: () => {
        if (resume.kind === 'resync' || !lastEventId) this.announceState(userId);
      },
      // The connection's credential was replaced (an `auth` frame): what it may see follows.
      setRole: (next) => {
        connection.monitor = roleAtLeast(next, 'supervisor');
      },
      close: () => {
        st.listeners.delete(listener);
        st.lastAliveAt = this.clock.now();
      },
    };
  }

  /**
   * Throws RATE_LIMITED when the user already has {@link MAX_CONNECTIONS_PER_USER}
   * connections open. `subscribe` checks it too; a route calls it first when it must
   * answer before subscribing (SSE sends its status line before the first event).
   */
  checkRoomFor(userId: string): void {
    if ((this.streams.get(userId)?.listeners.size ?? 0) >= MAX_CONNECTIONS_PER_USER) {
      fail('RATE_LIMITED', `${MAX_CONNECTIONS_PER_USER} stream connections already open for this user`);
    }
  }

  heartbeat(userId: string): void {
    this.stream(userId).lastAliveAt = this.clock.now();
  }

  /** Connections open for a user, and when it was last seen alive. */
  liveness(userId: string): { connections: number; lastAliveAt: number } {
    const st = this.streams.get(userId);
    return { connections: st?.listeners.size ?? 0, lastAliveAt: st?.lastAliveAt ?? 0 };
  }

  /** What a client needs to rebuild its view: presence, offers, chats (all of the org's for a supervisor's credential). */
  snapshot(userId: string, monitor: boolean): unknown {
    const user = this.users.get(userId);
    const agent = this.engine.directory.get(userId);
    const supervisor = user ? monitor && roleAtLeast(user.role, 'supervisor') : false;
    const chats = [...this.engine.sessions.values()]
      .filter((s) => s.record.request && (s.record.agentId === userId || s.record.participants?.includes(userId) || (supervisor && s.record.request.orgId === user?.orgId)))
      .filter((s) => s.record.chatState !== 'ended' && s.record.chatState !== 'none')
      .map((s) => ({
        chatId: s.id, state: s.record.chatState, agentId: s.record.agentId, buttonId: s.record.routedButtonId, visitorName: s.record.request!.visitorName, lastOffset: s.record.lastOffset,
        ...(s.record.participants?.length ? { participants: [...s.record.participants] } : {}),
        ...(s.record.flag && s.record.chatState === 'established' ? { flag: { ...s.record.flag } } : {}),
      }));
    return {
      presence: agent?.presence ?? 'offline',
      capacity: agent?.capacity ?? 0,
      load: agent ? this.engine.directory.load(agent) : 0,
      chats,
    };
  }

  /**
   * The emulator's reset (ADR 0022): what the streams buffered is about chats that are gone,
   * so it is dropped (a resume from before the reset gets `resync`, reason `reset`), and
   * every open connection gets a `resync` frame now, with the state after the reset:
   * clients rebuild their view as after a restart, but stay connected.
   */
  resetStreams(): void {
    for (const [userId, st] of this.streams) {
      st.buffer = [];
      st.bufferBytes = 0;
      st.replayFrom = st.offset;
      st.resetThrough = st.offset;
      for (const c of st.listeners.values()) c.resync(resyncFrame('reset', this.snapshot(userId, c.monitor)));
    }
  }

  /**
   * Drops every buffered event of these chats from every user's stream: they were
   * erased (DELETE /admin/visitors/:visitorId), and a resume must not replay them.
   * A connection whose resume point lies before a dropped event gets `resync`.
   */
  forgetChats(chatIds: readonly string[]): void {
    if (!chatIds.length) return;
    const gone = new Set(chatIds);
    for (const st of this.streams.values()) {
      const i = st.buffer.findIndex((b) => b.chatId !== undefined && gone.has(b.chatId));
      if (i < 0) continue;
      // Everything from the first dropped event on is replaced by a resync: the ids stay
      // continuous, so no client reads a gap as "nothing happened".
      for (const dropped of st.buffer.splice(i)) st.bufferBytes -= dropped.bytes;
      st.replayFrom = st.offset;
    }
  }

  private dropOlderThan(st: UserStream, at: number): void {
    const keep = st.buffer.findIndex((b) => b.at >= at);
    this.dropOldest(st, keep < 0 ? st.buffer.length : keep);
  }

  private dropOldest(st: UserStream, n: number): void {
    for (const gone of st.buffer.splice(0, n)) st.bufferBytes -= gone.bytes;
  }

  private resume(userId: string, st: UserStream, lastEventId: string | undefined, monitor: boolean): ResumeResult {
    if (!lastEventId) return { kind: 'replay', events: [] };
    if (st.buffer.length && st.buffer[0]!.at < this.clock.now() - BUFFER_MAX_AGE_MS) this.dropOlderThan(st, this.clock.now() - BUFFER_MAX_AGE_MS);
    const [epoch, offText] = lastEventId.split(':');
    const offset = Number(offText);
    const unusable = offText === undefined || !Number.isInteger(offset) || offset < 0 ? 'unreadable event id'
      : epoch !== st.epoch ? 'epoch changed'
        : offset > st.offset ? 'event id from the future'
          : st.resetThrough !== null && offset <= st.resetThrough ? 'reset' : null;
    if (unusable) return { kind: 'resync', snapshot: this.snapshot(userId, monitor), reason: unusable };
    // Away longer than the window: its org's events were no longer kept for it (supervisorFanOut).
    if (monitor && st.listeners.size === 0 && this.clock.now() - st.lastAliveAt >= BUFFER_MAX_AGE_MS) {
      return { kind: 'resync', snapshot: this.snapshot(userId, monitor), reason: 'too old' };
    }
    const first = st.buffer[0];
    if (offset < st.replayFrom || (offset < st.offset && (!first || first.offset > offset + 1))) {
      return { kind: 'resync', snapshot: this.snapshot(userId, monitor), reason: 'too old' };
    }
    return { kind: 'replay', events: st.buffer.filter((b) => b.offset > offset && (monitor || !b.monitorOnly)).map((b) => ({ event: JSON.parse(b.json) as StreamEvent, json: b.json })) };
  }

  /** How many events a user's stream keeps for resume now (tests; operators read the heap). */
  bufferedEvents(userId: string): number {
    return this.streams.get(userId)?.buffer.length ?? 0;
  }

  /**
   * Drops what every user's buffer holds past the resume window. Run by the presence monitor's
   * sweep: otherwise only a user's next event or resume trims its buffer, and the buffers of
   * users who went quiet stayed full for as long as the process ran.
   */
  dropExpired(): void {
    const before = this.clock.now() - BUFFER_MAX_AGE_MS;
    for (const st of this.streams.values()) if (st.buffer.length && st.buffer[0]!.at < before) this.dropOlderThan(st, before);
  }

  /**
   * For a connection that replays nothing: the agent's presence as it is now (a console
   * opened on another device would otherwise show offline until the next change), then
   * an `offer` for every offer open to the user now (with its real expiry).
   */
  private announceState(userId: string): void {
    const agent = this.engine.directory.get(userId);
    if (!agent) return;
    this.onNotification(userId, { kind: 'presence' });
    for (const chatId of agent.chats) {
      const r = this.engine.sessions.get(chatId)?.record;
      if ((r?.chatState === 'offered' && r.agentId === agent.id) || r?.conferenceInvite?.agentId === agent.id) this.onNotification(userId, { kind: 'offer', sessionId: chatId });
    }
  }

  private stream(userId: string): UserStream {
    let st = this.streams.get(userId);
    if (!st) this.streams.set(userId, (st = new UserStream()));
    return st;
  }

  private onNotification(userId: string, n: AgentNotification): void {
    if (n.kind === 'offer') {
      const s = this.engine.sessions.get(n.sessionId);
      const r = s?.record;
      // An invitation into a conference is an offer marked `conference`, naming who invites (ADR 0051).
      const invite = r?.conferenceInvite?.agentId === this.engine.directory.get(userId)?.id ? r?.conferenceInvite : undefined;
      this.publish(userId, 'offer', n.sessionId, r && {
        chatId: n.sessionId, buttonId: r.routedButtonId, queue: r.queueKey ? queueLabel(r.queueKey) : r.queueKey, queueName: r.queueKey ? queueDisplayName(this.engine.catalog, r.queueKey) : null, visitorName: r.request?.visitorName, transfer: !invite && r.establishedAt !== null,
        prechatDetails: r.request?.prechatDetails,
        expiresAt: invite ? invite.expiresAt : s.offerExpiresAt || this.clock.now() + this.engine.queueConfig(r.queueKey ?? r.routedButtonId!, r.routedButtonId!).offerTimeoutSeconds * 1000,
        ...(invite ? { conference: { from: invite.from, fromName: this.engine.directory.get(invite.from)?.name ?? invite.from } } : {}),
      });
    } else if (n.kind === 'offer-withdrawn') {
      this.publish(userId, 'offer.withdrawn', n.sessionId, { chatId: n.sessionId, reason: n.reason });
    } else if (n.kind === 'presence') {
      const a = this.engine.directory.get(userId);
      // The name and role too: a change through the admin API sends this event, and a console fills its
      // quick texts' {{agent.name}} from the name and shows the views of the role (what it logged in
      // with would stay until a reload; the server already answers by the role the user has now).
      const role = this.users.get(userId)?.role;
      if (a) this.publish(userId, 'presence', undefined, { status: a.presence, capacity: a.capacity, load: this.engine.directory.load(a), name: a.name, ...(role ? { role } : {}), ...(n.reason ? { reason: n.reason } : {}) });
    } else {
      this.publish(userId, 'chat.event', n.event.sessionId, toWire(n.event));
    }
  }

  /**
   * A flag raised or lowered (ADR 0056): a `flag` event to the agent that held the chat then and to
   * every supervisor of the chat's org (also those not connected now: it waits in their stream for
   * a resume), and to no other agent. A supervisor's is for supervisor credentials only, as
   * `monitor.event` is; the holder's own is not.
   */
  private announceFlags(events: LogEvent[]): void {
    for (const e of events) {
      if (e.type !== EventType.FlagRaised && e.type !== EventType.FlagLowered) continue;
      const org = this.engine.orgOfSession(e.sessionId);
      if (!org) continue;
      const raised = e.type === EventType.FlagRaised;
      const d = e.data as { raisedBy: string; message: string; raisedAt?: number; by?: string | null; reason?: FlagReason };
      const data: FlagEvent = {
        chatId: e.sessionId, raised, flag: raised ? { raisedBy: d.raisedBy, message: d.message, raisedAt: d.raisedAt ?? e.at } : null,
        by: raised ? d.raisedBy : d.by ?? null, reason: raised ? 'raised' : d.reason ?? 'lowered',
      };
      const holder = this.engine.holderAtAppend(e);
      if (holder !== null) this.publish(holder, 'flag', e.sessionId, data, false);
      for (const u of this.users.all()) {
        if (u.id !== holder && u.orgId === org && !u.disabled && roleAtLeast(u.role, 'supervisor')) this.publish(u.id, 'flag', e.sessionId, data, true);
      }
    }
  }

  /**
   * A visitor left an offline message (ADR 0063): `offlineMessage.created` to every supervisor
   * and admin of the org (also those not connected now: it waits for a resume), on supervisor
   * credentials only, as `monitor.event`. Agents do not read offline messages.
   */
  announceOfflineMessage(orgId: string, message: OfflineMessage): void {
    const data: OfflineMessageCreatedEvent = { message };
    for (const u of this.users.all()) {
      if (u.orgId === orgId && !u.disabled && roleAtLeast(u.role, 'supervisor')) this.publish(u.id, 'offlineMessage.created', undefined, data, true);
    }
  }

  /**
   * Once per durable batch: the function that tells the watching supervisors of one event, or
   * null when none watches (then nothing is allocated: this runs after every commit). The engine
   * calls it per event, right after the event's holder heard of it (ChatEngine.onEachEventDurable).
   * Watching: a stream open now, or one open within the resume window ({@link BUFFER_MAX_AGE_MS}):
   * a supervisor whose connection dropped resumes with every event it missed, as an agent does,
   * not with a gap nothing tells of.
   */
  private supervisorFanOut(): ((e: LogEvent) => void) | null {
    let watching: string[] | null = null;
    const now = this.clock.now();
    for (const [id, st] of this.streams) {
      const following = st.listeners.size > 0 || now - st.lastAliveAt < BUFFER_MAX_AGE_MS;
      if (following && roleAtLeast(this.users.get(id)?.role ?? 'agent', 'supervisor')) (watching ??= []).push(id);
    }
    if (!watching) return null;
    const supervisors = watching;
    return (e) => {
      // Looked up through the engine, which remembers the org of a chat closed in this batch
      // (a visitor's ChatEnd closes the session before its last events are durable).
      const org = this.engine.orgOfSession(e.sessionId);
      if (!org || isResentCopy(e)) return;
      // Whoever held the chat when the event was appended had it as chat.event (or made it).
      const holder = this.engine.holderAtAppend(e);
      const participants = this.engine.participantsAtAppend(e);
      for (const id of supervisors) {
        if (id !== holder && !participants.includes(id) && this.users.get(id)?.orgId === org) this.publish(id, 'monitor.event', e.sessionId, toWire(e));
      }
    };
  }
}

/** A `resync` frame as the stream routes send it (the WebSocket's text, SSE's `data:`). */
export function resyncFrame(reason: string, snapshot: unknown): string {
  return JSON.stringify({ type: 'resync', reason, snapshot });
}

/** A log event as agents see it (internal `$meta` stays on the server). */
export function toWire(e: LogEvent): ChatEventWire {
  const { $meta, ...rest } = e.data;
  const side = agentSideFields(e);
  const data = side ? { ...rest, ...side } : rest;
  const clientMessageId = (typeof $meta === 'object' && $meta !== null ? ($meta as { clientMessageId?: unknown }).clientMessageId : undefined);
  return { offset: e.offset, type: e.type, actor: e.actor, at: e.at, data, ...(typeof clientMessageId === 'string' ? { clientMessageId } : {}) };
}
