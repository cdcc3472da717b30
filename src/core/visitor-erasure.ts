/**
 * Erasure on request (a visitor asks to be forgotten): deletes the visitor's
 * ended chats in the caller's org — sessions, event logs, hence transcripts —
 * and the visitor's breadcrumbs when this org has chats with that visitor id and
 * no other org has (breadcrumbs are recorded per visitor, not per org, so one
 * tenant must not erase what another one holds; breadcrumbs of a visitor who
 * never chatted go with retention). Chats still running are left alone and counted:
 * end them first, then erase again.
 */
import type { ChatStore } from '../ports/chat-store.js';

export interface ErasureResult {
  deletedChats: number;
  activeChats: number;
  deletedBreadcrumbs: number;
  /** True when breadcrumbs were kept because another org also has chats with this visitor. */
  breadcrumbsKept: boolean;
}

/** More chats than any one visitor has; a larger history is erased by calling again. */
const PAGE = 10_000;

export async function eraseVisitor(store: ChatStore, orgId: string, visitorId: string): Promise<ErasureResult> {
  const records = await store.findSessionsByVisitor(visitorId, PAGE);
  const mine = records.filter((r) => r.request?.orgId === orgId);
  const deletedChats = await store.deleteClosedSessions(mine.filter((r) => r.closed).map((r) => r.id));
  // Breadcrumbs go only when this org knows the visitor and no other org does.
  const breadcrumbsKept = mine.length === 0 || records.some((r) => r.request !== null && r.request.orgId !== orgId);
  const deletedBreadcrumbs = breadcrumbsKept ? 0 : await store.deleteBreadcrumbs(visitorId);
  return { deletedChats, activeChats: mine.filter((r) => !r.closed).length, deletedBreadcrumbs, breadcrumbsKept };
}
