/**
 * A supervisor's search of the org's chats, running and past, newest first, a
 * page at a time (GET /agent/v1/supervisor/chats, docs/adr/0023). It reads the
 * store, not the live sessions, so a chat is found after its visitor session
 * closed, on every node sharing the store, and not once erasure or retention
 * deleted it.
 */
import type { ChatStore } from '../ports/chat-store.js';
import type { ChatState } from '../ports/records.js';
import { CHAT_SEARCH_PAGE_DEFAULT, type ChatSearchPage, type ChatSearchQuery } from '../protocol/agent-api-types.js';
import { decodeSearchCursor, encodeSearchCursor } from '../protocol/chat-search-cursor.js';
import { fail } from '../protocol/errors.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatViews } from './chat-views.js';

/**
 * Chats one request looks at when a filter is not one an index applies (button, end
 * reason, end time): SQLite reads on the event loop, so each request's walk is bounded
 * (a few milliseconds) and a page may come back short, with a cursor to go on from.
 */
export const CHAT_SEARCH_SCAN = 2000;

/** The query parameters a search knows, and the credential every route takes in the query. */
const KNOWN = new Set(['state', 'buttonId', 'agentId', 'visitorId', 'endReason', 'createdFrom', 'createdTo', 'endedFrom', 'endedTo', 'limit', 'cursor', 'access_token']);

/**
 * One page of `orgId`'s chats matching `q` (validated by its schema already).
 * `raw` is the query as sent: an unknown parameter is refused, not ignored, as a
 * misspelt filter would otherwise answer with every chat of the org.
 */
export async function searchChats(engine: ChatEngine, store: ChatStore, views: ChatViews, orgId: string, q: ChatSearchQuery, raw: Record<string, unknown>): Promise<ChatSearchPage> {
  for (const name of Object.keys(raw)) if (!KNOWN.has(name)) fail('QUERY_INVALID', `${name.slice(0, 64)}: not a parameter of this route (${[...KNOWN].filter((k) => k !== 'access_token').join(', ')})`);
  if (q.createdFrom !== undefined && q.createdTo !== undefined && q.createdFrom > q.createdTo) fail('QUERY_INVALID', 'createdTo: before createdFrom');
  if (q.endedFrom !== undefined && q.endedTo !== undefined && q.endedFrom > q.endedTo) fail('QUERY_INVALID', 'endedTo: before endedFrom');
  const after = q.cursor === undefined ? undefined : decodeSearchCursor(q.cursor) ?? fail('QUERY_INVALID', 'cursor: not one this server gave (pass a page\'s nextCursor as it came)');
  // What this server applied so far is in the store: a chat changed just now is found as it is now.
  await engine.queue.commit();
  const page = await store.searchSessions({
    orgId, chatState: q.state as ChatState | undefined, buttonId: q.buttonId, agentId: q.agentId, visitorId: q.visitorId, endReason: q.endReason,
    createdFrom: q.createdFrom, createdTo: q.createdTo, endedFrom: q.endedFrom, endedTo: q.endedTo,
    after, limit: q.limit ?? CHAT_SEARCH_PAGE_DEFAULT, scanLimit: CHAT_SEARCH_SCAN,
  });
  return {
    chats: page.sessions.map((r) => ({ ...views.summary(r), createdAt: r.createdAt, requestedButtonId: r.request?.buttonId ?? '' })),
    nextCursor: page.next ? encodeSearchCursor(page.next) : null,
  };
}
