/**
 * Affinity and session recovery (wire-compat.md). A request whose affinity token
 * names another node gets 503; only then may the client call ResyncSession (v34:
 * a ChasitorSessionData snapshot opens the next poll) or ReconnectSession (later
 * clients: polling resumes after the offset they had).
 */
import type { ChatStore } from '../ports/chat-store.js';
import type { LogEvent } from '../ports/records.js';
import { fail } from '../protocol/errors.js';
import type { TranscriptEntry } from '../protocol/visitor-messages.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
import { EventType, isResentCopy } from './event-types.js';

/** Affinity tokens that mean "none yet" (first calls, ReconnectSession). */
export function isNullAffinity(token: string | undefined): boolean {
  return token === undefined || token.trim() === '' || token.trim().toLowerCase() === 'null' || token.trim() === 'undefined';
}

/**
 * Of the agent typing events a resyncing visitor had not received, those that say
 * each agent's typing state now: per agent (`agentId`; in a conference several
 * agents type, ADR 0051 note), the last of its typing events, re-sent in its place
 * among the other re-sent events (an AgentDisconnect or ChatEnded after it still
 * follows it). None for an agent whose typing events the visitor did not miss (its
 * client has that state already), and none when an agent's last is an AgentTyping
 * that a message of that agent followed: clients end "typing" at the message, which
 * reaches them in the snapshot, before any re-sent event, so a re-sent AgentTyping
 * would say the agent is typing after the message and leave it so.
 */
function typingToResend(pending: readonly LogEvent[]): Set<LogEvent> {
  const last = new Map<unknown, LogEvent>();
  for (const e of pending) {
    const agent = e.data['agentId'];
    if (e.type === EventType.AgentTyping || e.type === EventType.AgentNotTyping) last.set(agent, e);
    else if (e.type === EventType.AgentMessage && last.get(agent)?.type === EventType.AgentTyping) last.delete(agent);
  }
  return new Set(last.values());
}

/**
 * The visitor sequences `[from, to]` of each resync block after `cursor` in the visitor's
 * events (in order): a ChasitorSessionData snapshot and the re-sent copies that follow it
 * (appended together, with no other event between). A block the cursor is inside of (the
 * client got its snapshot) is not one: the rest of its copies complete the client's view.
 */
function resyncBlocksAfter(events: readonly LogEvent[], cursor: number): [number, number][] {
  const blocks: [number, number][] = [];
  let open: [number, number] | null = null;
  for (const e of events) {
    if (e.vseq! <= cursor) continue;
    if (e.type === EventType.SessionData) {
      open = [e.vseq!, e.vseq!];
      blocks.push(open);
    } else if (open !== null && isResentCopy(e) && e.vseq === open[1] + 1) {
      open[1] = e.vseq;
    } else {
      open = null;
    }
  }
  return blocks;
}

export class SessionRecovery {
  constructor(
    private readonly engine: ChatEngine,
    private readonly store: ChatStore,
  ) {}

  /**
   * Gate check: throws AFFINITY_INVALID (503) when the token names another owner, and from then on
   * allows a recovery. A request that passes ends that: the client uses the session again, so a
   * recovery sent after it is 405 (ADR 0058, note).
   */
  checkAffinity(s: ChatSession, token: string | undefined): void {
    if (isNullAffinity(token) || token!.trim().toLowerCase() === s.record.owner) {
      s.recoveryPending = false;
      return;
    }
    s.recoveryPending = true;
    fail('AFFINITY_INVALID');
  }

  async resync(s: ChatSession): Promise<{ isValid: boolean; key: string; affinityToken: string }> {
    // Still allowed after this answer, until the client polls or posts: a recovery whose answer was
    // lost is sent again, and answered again (a later snapshot supersedes one never delivered).
    if (!s.recoveryPending) fail('RECOVERY_NOT_PENDING');
    const r = s.record;
    // The transcript must hold every message logged before the snapshot: one appended
    // while it was read (an async store) is read again rather than left out of both
    // the snapshot and the re-sent events below.
    // The events the client had not received are read in the same stable window: with
    // nothing awaited between the snapshot and its re-sent copies below, no event can be
    // appended between them (on PostgreSQL a read is a real wait; an agent's ChatEnded
    // landing there would have reached the visitor before the re-sent ChatEstablished).
    let chatMessages: TranscriptEntry[];
    let unread: LogEvent[];
    for (let tries = 0; ; tries++) {
      const before = r.lastOffset;
      chatMessages = await this.transcript(s);
      unread = await this.store.readVisitorEvents(s.id, r.cursor, 100_000);
      if (r.lastOffset === before || tries >= 10) break;
    }
    // The snapshot replaces everything the client had not yet received, as the
    // session on a new server would: it is the next thing delivered.
    const queuePosition = this.engine.router.position(s.id);
    const event = this.engine.append(s, EventType.SessionData, 'system', {
      queuePosition,
      ...(r.request?.geoLocation ? { geoLocation: r.request.geoLocation } : {}),
      url: r.visitorLocation?.href ?? '',
      oref: '',
      postChatUrl: r.routedButtonId ? this.engine.catalog.button(r.routedButtonId)?.config.postChatUrl ?? '' : '',
      sneakPeekEnabled: r.routedButtonId ? this.engine.catalog.button(r.routedButtonId)?.config.sneakPeekEnabled ?? false : false,
      chatMessages,
    }, true);
    // Events the client had not received: chat messages are in the snapshot's
    // transcript; anything else that matters (ChatEstablished, ChatEnded, …) is
    // re-sent after the snapshot so no state change is lost. Typing is a state, not
    // a history: only each agent's typing state is re-sent, once (see typingToResend).
    // The copies are for the visitor only (`$meta.resentOf`): agents, supervisors
    // and transcripts already have the originals. (Everything before the snapshot is
    // durable: the transcript read committed it, and nothing was appended since.)
    const pending = unread.filter((e) => e.offset < event.offset);
    const typing = typingToResend(pending);
    s.resetCursor(event.vseq! - 1);
    for (const e of pending) {
      if (e.type === EventType.AgentMessage) continue;
      // An earlier resync's snapshot the client never got: this one supersedes it (a copy
      // would reach the client after the new snapshot and show it the older state).
      if (e.type === EventType.SessionData) continue;
      if ((e.type === EventType.AgentTyping || e.type === EventType.AgentNotTyping) && !typing.has(e)) continue;
      const $meta = { ...(typeof e.data.$meta === 'object' && e.data.$meta !== null ? e.data.$meta : {}), resentOf: e.offset };
      this.engine.append(s, e.type, e.actor, { ...e.data, $meta }, true);
    }
    // This client gets the snapshot: nothing before it is passed over any more.
    delete r.replaySkips;
    // Same key, but the guide calls it the new session's: the client may count from 1 again (ADR 0031).
    s.allowSequenceRestart();
    await this.engine.queue.commit();
    return { isValid: true, key: r.key, affinityToken: r.owner };
  }

  async reconnect(s: ChatSession, offset: number | undefined): Promise<{ resetSequence: boolean; affinityToken: string }> {
    // Still allowed after this answer, until the client polls or posts: sent again with the same
    // offset (its answer lost), it puts the cursor where the first one did.
    if (!s.recoveryPending) fail('RECOVERY_NOT_PENDING');
    if (offset !== undefined && offset >= 0) {
      const events = await this.visibleEvents(s);
      let vseq = 0;
      for (const e of events) if (e.offset <= offset) vseq = e.vseq!;
      // An offset past the last one handed to a poll was never issued (a client's own
      // counter, a stale or corrupted value): like such an ack it is ignored, so the
      // cursor only ever goes back here. Moving it forward would skip messages the
      // visitor never received (wire-compat.md: must not drop pending messages).
      s.resetCursor(Math.min(vseq, s.record.cursor));
      // Polling resumes after the offset: the messages after it, once each, in order. A resync's
      // snapshot and re-sent copies after it repeat what the log holds before them, for the
      // client that resynced; this client gets the originals, so the poll passes over them.
      const skips = resyncBlocksAfter(events, s.record.cursor);
      if (skips.length) s.record.replaySkips = skips;
      else delete s.record.replaySkips;
      s.touchRecord();
      await this.engine.queue.commit();
    }
    return { resetSequence: false, affinityToken: s.record.owner };
  }

  private async visibleEvents(s: ChatSession): Promise<LogEvent[]> {
    await this.engine.queue.commit();
    return this.store.readVisitorEvents(s.id, 0, 100_000);
  }

  private async transcript(s: ChatSession): Promise<TranscriptEntry[]> {
    await this.engine.queue.commit();
    const events = await this.store.readEvents(s.id, 0, 100_000);
    const out: TranscriptEntry[] = [];
    for (const e of events) {
      if (isResentCopy(e)) continue;
      if (e.type === EventType.AgentMessage) {
        out.push({ type: 'Agent', name: String(e.data.name ?? ''), content: String(e.data.text ?? ''), timestamp: e.at, sequence: e.offset });
      } else if (e.type === EventType.VisitorMessage) {
        out.push({ type: 'Chasitor', name: String(e.data.name ?? ''), content: String(e.data.text ?? ''), timestamp: e.at, sequence: e.offset });
      } else if (e.type === EventType.ChatTransferred) {
        out.push({ type: 'OperatorTransferred', name: String(e.data.name ?? ''), content: '', timestamp: e.at, sequence: e.offset });
      }
    }
    return out;
  }
}
