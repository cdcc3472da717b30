/**
 * How every store walks a chat search (ChatStore.searchSessions), so that the
 * memory and the SQL stores page alike (docs/adr/0023): the org's sessions that
 * match the *driving* filter, newest first, are the walk; the other filters are
 * checked on the sessions walked, at most `scanLimit` of them per call.
 */
import type { SearchPosition, SessionSearch } from '../ports/chat-store.js';

/**
 * The filter whose index the walk follows: the most selective one given. A
 * visitor has a few chats, an agent a share of the org's, a state (other than
 * `ended`) the chats running now. The creation time range bounds every walk.
 * An agent's walk is two indexes merged: the chats they have now, and those they
 * held (the chat_holders table of migration 0010).
 */
export type DrivingFilter = 'visitorId' | 'agentId' | 'chatState' | null;

export interface SearchPlan {
  driving: DrivingFilter;
  /** Filters checked on the sessions walked (not by the walk's index): the walk is then bounded by scanLimit. */
  residual: boolean;
}

export function searchPlan(q: SessionSearch): SearchPlan {
  const driving: DrivingFilter = q.visitorId !== undefined ? 'visitorId' : q.agentId !== undefined ? 'agentId' : q.chatState !== undefined ? 'chatState' : null;
  const residual = (driving !== 'visitorId' && q.visitorId !== undefined)
    || (driving !== 'agentId' && q.agentId !== undefined)
    || (driving !== 'chatState' && q.chatState !== undefined)
    || q.buttonId !== undefined || q.endReason !== undefined || q.endedFrom !== undefined || q.endedTo !== undefined;
  return { driving, residual };
}

/** The fields a search reads of a session, as the stores keep them in columns. */
export interface SearchKeys {
  id: string;
  orgId: string | null;
  createdAt: number;
  chatState: string | null;
  agentId: string | null;
  buttonId: string | null;
  visitorId: string | null;
  endedAt: number | null;
  endReason: string | null;
  /** Every agent who held the chat (SessionRecord.holders; the SQL stores' chat_holders rows). */
  holders: readonly string[];
}

/**
 * The agent filter: the chat's agent now (holding it, offered it, or the last to
 * hold it) or any agent who held it before (it was transferred, reassigned or
 * taken over from them). A chat is found under every agent who handled it.
 */
export function hasAgent(k: Pick<SearchKeys, 'agentId' | 'holders'>, agentId: string): boolean {
  return k.agentId === agentId || k.holders.includes(agentId);
}

/** Newest first: creation time, then id, both descending (ids compared by code unit, as SQL's binary collation does for ASCII ids). */
export function newestFirst(a: SearchPosition, b: SearchPosition): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** True when `k` comes after `p` in the newest-first order. */
export function isAfter(k: SearchPosition, p: SearchPosition): boolean {
  return k.createdAt < p.createdAt || (k.createdAt === p.createdAt && k.id < p.id);
}

/** The org, the driving filter, the creation range and the place to start after: what the walk's index finds. */
export function inWalk(k: SearchKeys, q: SessionSearch, plan: SearchPlan): boolean {
  if (k.orgId !== q.orgId) return false;
  if (plan.driving === 'visitorId' && k.visitorId !== q.visitorId) return false;
  if (plan.driving === 'agentId' && !hasAgent(k, q.agentId!)) return false;
  if (plan.driving === 'chatState' && k.chatState !== q.chatState) return false;
  if (q.createdFrom !== undefined && k.createdAt < q.createdFrom) return false;
  if (q.createdTo !== undefined && k.createdAt >= q.createdTo) return false;
  return q.after === undefined || isAfter(k, q.after);
}

/** Every filter, the driving one included. */
export function matchesAll(k: SearchKeys, q: SessionSearch): boolean {
  if (q.visitorId !== undefined && k.visitorId !== q.visitorId) return false;
  if (q.agentId !== undefined && !hasAgent(k, q.agentId)) return false;
  if (q.chatState !== undefined && k.chatState !== q.chatState) return false;
  if (q.buttonId !== undefined && k.buttonId !== q.buttonId) return false;
  if (q.endReason !== undefined && k.endReason !== q.endReason) return false;
  if (q.endedFrom !== undefined && (k.endedAt === null || k.endedAt < q.endedFrom)) return false;
  if (q.endedTo !== undefined && (k.endedAt === null || k.endedAt >= q.endedTo)) return false;
  return true;
}

/**
 * The page from what was walked: `matches` (at most limit + 1 of them, in order)
 * and, when a residual filter bounded the walk, its last session walked and
 * whether the walk could have gone on past it.
 */
export function pageOf<T extends SearchPosition>(matches: T[], limit: number, walkEnd: { last: SearchPosition; more: boolean } | null): { items: T[]; next: SearchPosition | null } {
  if (matches.length > limit) {
    const items = matches.slice(0, limit);
    const last = items[items.length - 1]!;
    return { items, next: { createdAt: last.createdAt, id: last.id } };
  }
  return { items: matches, next: walkEnd?.more ? walkEnd.last : null };
}
