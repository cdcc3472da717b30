/**
 * Erasure on request (a visitor asks to be forgotten): deletes the visitor's
 * ended chats in the caller's org — sessions, event logs, hence transcripts —
 * and the breadcrumbs posted in this org's chats. Breadcrumbs posted without a
 * chat name no org: they go too when this org has chats with that visitor id and
 * no other org has, so one tenant never erases what another one may hold (those
 * of a visitor who never chatted go with retention). Chats still running are
 * left alone and counted: end them first, then erase again.
 */
import type { ChatStore } from '../ports/chat-store.js';

export interface ErasureResult {
  deletedChats: number;
  activeChats: number;
  deletedBreadcrumbs: number;
  /** True when the breadcrumbs posted without a chat were kept: this org has no chat with the visitor, or another org has too. */
  breadcrumbsKept: boolean;
}

/** More chats than any one visitor has; a larger history is erased by calling again. */
const PAGE = 10_000;

export async function eraseVisitor(store: ChatStore, orgId: string, visitorId: string): Promise<ErasureResult> {
  const records = await store.findSessionsByVisitor(null, visitorId, PAGE);
  const mine = records.filter((r) => r.request?.orgId === orgId);
  const deletedChats = await store.deleteClosedSessions(mine.filter((r) => r.closed).map((r) => r.id));
  // Breadcrumbs without an org go only when this org knows the visitor and no other org does.
  const breadcrumbsKept = mine.length === 0 || records.some((r) => r.request !== null && r.request.orgId !== orgId);
  const deletedBreadcrumbs = await store.deleteBreadcrumbs(orgId, visitorId, !breadcrumbsKept);
  return { deletedChats, activeChats: mine.filter((r) => !r.closed).length, deletedBreadcrumbs, breadcrumbsKept };
}
