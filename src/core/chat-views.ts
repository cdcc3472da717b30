/**
 * Read models of a chat for the agent side: summary, details (prechat data,
 * breadcrumbs, earlier chats of the same visitor, live sneak peek) and the full
 * ordered transcript — both sides, system events, timestamps.
 */
import type { ChatStore } from '../ports/chat-store.js';
import type { ChatRequestRecord, SessionRecord } from '../ports/records.js';
import type { ChatSummary, ChatEventWire, ChatVisitor } from '../protocol/agent-api-types.js';
import { toWire } from './agent-stream-hub.js';
import type { ChatEngine } from './chat-engine.js';
import { agentsInLog } from './chat-holders.js';
import { EventType, isResentCopy } from './event-types.js';

/**
 * When a waiting (or offered) chat last went into a queue: its wait as supervisors see it counts
 * from here, not from `queuedAt` (the first request, which a chat back in the queue keeps for its
 * place); null for a chat that waits for nothing. Records from before it was kept: `queuedAt`.
 */
export function waitingSince(r: SessionRecord): number | null {
  if (r.chatState !== 'waiting' && r.chatState !== 'offered') return null;
  return r.waitingSince ?? r.queuedAt;
}

export function summarize(r: SessionRecord, queuePosition: number): ChatSummary {
  return {
    chatId: r.id, state: r.chatState, agentId: r.agentId, buttonId: r.routedButtonId, visitorName: r.request?.visitorName ?? '',
    visitorId: r.request?.visitorId ?? '', queuedAt: r.queuedAt, establishedAt: r.establishedAt, endedAt: r.endedAt, endReason: r.endReason, queuePosition,
    waitingSince: waitingSince(r),
    participants: r.chatState === 'established' ? [...(r.participants ?? [])] : [],
    flag: r.chatState === 'established' && r.flag ? { ...r.flag } : null,
  };
}

/** A chat's visitor as its details (and its webhook, ADR 0065) give it. */
export function visitorOf(req: ChatRequestRecord): ChatVisitor {
  return { id: req.visitorId, name: req.visitorName, userAgent: req.userAgent, language: req.language, screenResolution: req.screenResolution, ipAddress: req.ipAddress, geoLocation: req.geoLocation ?? null };
}

/** Events read back from the end of a chat's log to find its latest sneak peek. */
const SNEAK_PEEK_WINDOW = 200;

export class ChatViews {
  constructor(
    private readonly engine: ChatEngine,
    private readonly store: ChatStore,
  ) {}

  /** A chat by id: live from memory, or ended from the store. */
  async record(chatId: string): Promise<SessionRecord | null> {
    return this.engine.sessions.get(chatId)?.record ?? (await this.store.getSession(chatId));
  }

  summary(r: SessionRecord): ChatSummary {
    return summarize(r, this.engine.router.position(r.id));
  }

  async details(r: SessionRecord): Promise<Record<string, unknown>> {
    const req = r.request!;
    await this.engine.queue.commit();
    const [breadcrumbs, earlier, tail] = await Promise.all([
      this.store.readBreadcrumbs(req.orgId, req.visitorId, 50),
      this.store.findSessionsByVisitor(req.orgId, req.visitorId, 20),
      // Only the tail, for the latest sneak peek: a chat's log may hold many thousands of
      // events, and one further back is no longer what the visitor is typing.
      this.store.readEvents(r.id, Math.max(0, r.lastOffset - SNEAK_PEEK_WINDOW), SNEAK_PEEK_WINDOW),
    ]);
    const peek = [...tail].reverse().find((e) => e.type === EventType.SneakPeek);
    const button = r.routedButtonId ? this.engine.catalog.button(r.routedButtonId)?.config : undefined;
    return {
      chat: this.summary(r),
      prechatDetails: req.prechatDetails,
      prechatEntities: req.prechatEntities,
      visitor: visitorOf(req),
      breadcrumbs,
      earlierChats: earlier.filter((s) => s.id !== r.id).map((s) => ({ chatId: s.id, endedAt: s.endedAt, endReason: s.endReason })),
      sneakPeekEnabled: button?.sneakPeekEnabled ?? false,
      sneakPeek: peek && button?.sneakPeekEnabled ? { position: Number(peek.data.position ?? 0), text: String(peek.data.text ?? '') } : null,
    };
  }

  /**
   * Up to `limit` events of the chat after log offset `after`, in order (pending
   * writes flushed first), with the offset the next page starts after and whether
   * the log held more. Offsets only grow, so a reader that pages on from
   * `nextAfter` gets every event once, also while the chat runs; one page is all
   * a request holds, however long the chat.
   */
  async transcriptPage(chatId: string, after: number, limit: number): Promise<{ events: ChatEventWire[]; nextAfter: number; hasMore: boolean }> {
    await this.engine.queue.commit();
    const events: ChatEventWire[] = [];
    let nextAfter = after;
    for (;;) {
      // One more than the page needs: whether the log goes on is then known without another read.
      const want = limit - events.length;
      const batch = await this.store.readEvents(chatId, nextAfter, want + 1);
      for (const e of batch) {
        if (events.length === limit) return { events, nextAfter, hasMore: true };
        nextAfter = e.offset;
        // Copies re-sent to a visitor after a ResyncSession are not part of the chat's story:
        // skipped, and the page filled from further on, so only the last page is short.
        if (!isResentCopy(e)) events.push(toWire(e));
      }
      if (batch.length <= want) return { events, nextAfter, hasMore: false };
    }
  }

  /**
   * Every event of the chat after `after`, in order, a store page at a time (the
   * JSON Lines export streams them out as they come, holding one page).
   */
  async *transcriptBatches(chatId: string, after: number, pageSize: number): AsyncGenerator<ChatEventWire[]> {
    await this.engine.queue.commit();
    for (;;) {
      const batch = await this.store.readEvents(chatId, after, pageSize);
      const out: ChatEventWire[] = [];
      for (const e of batch) if (!isResentCopy(e)) out.push(toWire(e));
      if (out.length) yield out;
      if (batch.length < pageSize) return;
      after = batch[batch.length - 1]!.offset;
    }
  }

  /**
   * Whether a user was ever in the chat (agents may read transcripts of their own
   * chats): it became the chat's agent, or joined a conference on it (chat-holders.ts).
   */
  async heldBy(chatId: string, userId: string): Promise<boolean> {
    await this.engine.queue.commit();
    return (await agentsInLog(this.store, chatId)).includes(userId);
  }
}
