/**
 * What each webhook event reads and sends (ADR 0068): `chat.ended` the org's ended chats in
 * the order they ended (ADR 0065), `offline_message.created` its offline messages in the
 * order they were left. A sender holds one feed; the store's queries keep both orders by
 * time, then id bytewise.
 */
import type { ChatStore } from '../../ports/chat-store.js';
import type { OfflineMessageRecord, SessionRecord } from '../../ports/records.js';
import type { ChatEndedWebhook, OfflineMessageCreatedWebhook } from '../../protocol/webhook-types.js';
import type { WebhookFeed } from './webhook-sender.js';

export interface ChatEndedFeedDeps {
  store: ChatStore;
  /** Resolves once every change queued so far is durable (the commit queue's commit()). */
  durable(): Promise<void>;
  /** The body for an ended chat. */
  payload(chat: SessionRecord): Promise<ChatEndedWebhook>;
}

export function chatEndedFeed(deps: ChatEndedFeedDeps): WebhookFeed<SessionRecord> {
  return {
    event: 'chat.ended',
    noun: 'chat',
    list: (orgId, after, limit) => deps.store.listEndedChats(orgId, after, limit),
    count: (orgId, after, cap) => deps.store.countEndedChats(orgId, after, cap),
    positionOf: (chat) => ({ endedAt: chat.endedAt!, id: chat.id }),
    // A chat's end goes through the group commit: everything queued before now is durable after it.
    settled: () => deps.durable(),
    payload: (chat) => deps.payload(chat),
  };
}

/** The message id of an offline message's event: the `webhook-id` of every attempt at it. */
export function offlineMessageCreatedId(messageId: string): string {
  return `offline_message.created_${messageId}`;
}

export function offlineMessageCreatedPayload(m: OfflineMessageRecord): OfflineMessageCreatedWebhook {
  return {
    type: 'offline_message.created',
    id: offlineMessageCreatedId(m.id),
    createdAt: m.createdAt,
    data: {
      id: m.id, orgId: m.orgId, deploymentId: m.deploymentId, buttonId: m.buttonId, name: m.name, email: m.email,
      subject: m.subject, message: m.message, language: m.language, createdAt: m.createdAt,
    },
  };
}

export interface OfflineMessageFeedDeps {
  store: ChatStore;
  /** Resolves once every offline message stamped before the call is stored (OfflineMessageBox.settled). */
  settled(): Promise<void>;
}

export function offlineMessageFeed(deps: OfflineMessageFeedDeps): WebhookFeed<OfflineMessageRecord> {
  return {
    event: 'offline_message.created',
    noun: 'offline message',
    list: (orgId, after, limit) => deps.store.listOfflineMessagesAfter(orgId, after && { createdAt: after.endedAt, id: after.id }, limit),
    count: (orgId, after, cap) => deps.store.countOfflineMessagesAfter(orgId, after && { createdAt: after.endedAt, id: after.id }, cap),
    positionOf: (m) => ({ endedAt: m.createdAt, id: m.id }),
    settled: () => deps.settled(),
    payload: (m) => Promise.resolve(offlineMessageCreatedPayload(m)),
  };
}
