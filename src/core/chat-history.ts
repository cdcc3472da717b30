/**
 * An agent's own past chats (GET /agent/v1/chats/history, docs/adr/0045): the
 * chats of their org that have ended and that they held at some point (or joined
 * as a conference participant, ADR 0051 note), newest first, a page at a time. It is the supervisors' search (chat-search.ts) with
 * the agent fixed to the caller and the state to ended, and one more check: the
 * search's agent filter also matches a chat only offered to the agent (a transfer
 * to them still unanswered when the visitor left keeps them as its `agentId`),
 * which they never held and may not read, so such a chat is left out.
 */
import type { ChatStore } from '../ports/chat-store.js';
import type { SessionRecord } from '../ports/records.js';
import { CHAT_SEARCH_PAGE_DEFAULT, type ChatHistoryPage, type ChatHistoryQuery } from '../protocol/agent-api-types.js';
import { decodeSearchCursor, encodeSearchCursor } from '../protocol/chat-search-cursor.js';
import { fail } from '../protocol/errors.js';
import { holdersInLog } from './chat-holders.js';
import type { ChatEngine } from './chat-engine.js';
import { CHAT_SEARCH_SCAN } from './chat-search.js';
import type { ChatViews } from './chat-views.js';

/** Store searches one history page may take to fill itself (see below). */
const HISTORY_STORE_CALLS = 4;

/** The query parameters the history knows, and the credential every route takes in the query. */
const KNOWN = new Set(['limit', 'cursor', 'access_token']);

/**
 * One page of `userId`'s ended chats in `orgId` (the query validated by its schema
 * already). `raw` is the query as sent: an unknown parameter is refused rather than
 * ignored, and `agentId` with its own reason, as a client passing it expects to see
 * another agent's chats and would otherwise get the caller's without a word.
 */
export async function chatHistory(engine: ChatEngine, store: ChatStore, views: ChatViews, orgId: string, userId: string, q: ChatHistoryQuery, raw: Record<string, unknown>): Promise<ChatHistoryPage> {
  if ('agentId' in raw) fail('QUERY_INVALID', 'agentId: the history is always your own chats (supervisors search any agent\'s with /agent/v1/supervisor/chats)');
  for (const name of Object.keys(raw)) if (!KNOWN.has(name)) fail('QUERY_INVALID', `${name.slice(0, 64)}: not a parameter of this route (limit, cursor)`);
  const after = q.cursor === undefined ? undefined : decodeSearchCursor(q.cursor) ?? fail('QUERY_INVALID', 'cursor: not one this server gave (pass a page\'s nextCursor as it came)');
  // What this server applied so far is in the store: a chat that ended just now is in the history.
  await engine.queue.commit();
  const limit = q.limit ?? CHAT_SEARCH_PAGE_DEFAULT;
  const held: SessionRecord[] = [];
  let next = after;
  // A chat left out (only offered) would make a page short: the store is asked again for the
  // rest, a few times at most, so each request stays bounded (the search's scan limit per call).
  for (let call = 0; call < HISTORY_STORE_CALLS && held.length < limit; call++) {
    const page = await store.searchSessions({ orgId, agentId: userId, chatState: 'ended', after: next, limit: limit - held.length, scanLimit: CHAT_SEARCH_SCAN });
    for (const r of page.sessions) if (await wasHeldBy(store, r, userId)) held.push(r);
    next = page.next ?? undefined;
    if (!next) break;
  }
  return {
    chats: held.map((r) => ({ ...views.summary(r), createdAt: r.createdAt, requestedButtonId: r.request?.buttonId ?? '' })),
    // The store's place, not the last chat kept: what was left out after it is not looked at again.
    nextCursor: next ? encodeSearchCursor(next) : null,
  };
}

/**
 * True when `userId` accepted the chat at some point, or joined a conference on it (ADR 0051,
 * note). A record written before holders were kept has none, and its log says (as for reading
 * its transcript).
 */
async function wasHeldBy(store: ChatStore, r: SessionRecord, userId: string): Promise<boolean> {
  if (r.participated?.includes(userId)) return true;
  if (r.holders !== undefined) return r.holders.includes(userId);
  return (await holdersInLog(store, r.id)).includes(userId);
}
