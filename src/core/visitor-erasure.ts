/**
 * Erasure on request (a visitor asks to be forgotten): deletes the visitor's
 * ended chats in the caller's org — sessions, event logs, hence transcripts —
 * and the breadcrumbs posted in this org's chats. Breadcrumbs posted without a
 * chat name no org: they go too when this org has chats with that visitor id
 * (those of a visitor who never chatted go with retention). Chats still running
 * are left alone and counted: end them first, then erase again.
 */
import type { ChatStore } from '../ports/chat-store.js';

export interface ErasureResult {
  deletedChats: number;
  activeChats: number;
  deletedBreadcrumbs: number;
  /** True when the breadcrumbs posted without a chat were kept: this org has no chat with the visitor. */
  breadcrumbsKept: boolean;
  /** Offline messages of this org left with the visitor's email address (ADR 0063); 0 when none was given. */
  deletedOfflineMessages: number;
}

/** More chats than any one visitor has; a larger history is erased by calling again. */
const PAGE = 10_000;

/**
 * `forget` is told the ids of the chats deleted, so that nothing keeps them in memory
 * (the agent stream's resume buffer). An offline message names no visitor id (the widget
 * leaves it before any chat): `email` erases those left with that address.
 */
export async function eraseVisitor(store: ChatStore, orgId: string, visitorId: string, forget: (chatIds: string[]) => void = () => undefined, email?: string): Promise<ErasureResult> {
  const mine = await store.findSessionsByVisitor(orgId, visitorId, PAGE);
  const ended = mine.filter((r) => r.closed).map((r) => r.id);
  const deletedChats = await store.deleteClosedSessions(ended);
  forget(ended);
  // Breadcrumbs without an org go when this org knows the visitor, whatever other orgs
  // hold: the answer must not depend on another tenant's chats (it would tell this one
  // whether the visitor chats with them).
  const breadcrumbsKept = mine.length === 0;
  const deletedBreadcrumbs = await store.deleteBreadcrumbs(orgId, visitorId, !breadcrumbsKept);
  const deletedOfflineMessages = email === undefined ? 0 : await store.deleteOfflineMessagesByEmail(orgId, email.trim());
  if (deletedChats || deletedBreadcrumbs || deletedOfflineMessages) await store.scrubDeleted();
  return { deletedChats, activeChats: mine.length - ended.length, deletedBreadcrumbs, breadcrumbsKept, deletedOfflineMessages };
}
