/**
 * Webhooks (ADR 0065): the body POSTed for an ended chat, and the admin API's view of
 * each webhook. One schema per wire type, reused by the sender, the routes and
 * docs/configuration.md (not re-exported by agent-api-types.ts: it imports from there).
 */
import { Type, type Static } from 'typebox';
import { ChatEventWire, ChatVisitor } from './agent-api-types.js';
import { OfflineMessage } from './offline-message-types.js';

/** The body of a `chat.ended` webhook: the same bytes on every attempt, so a retry carries the same `id`. */
export const ChatEndedWebhook = Type.Object({
  type: Type.Literal('chat.ended'),
  id: Type.String({ description: 'The message id, also sent as the `webhook-id` header: the same for every attempt at one chat, so a receiver drops a repeat' }),
  createdAt: Type.Number({ description: 'When the event happened: the chat\'s end (epoch ms)' }),
  data: Type.Object({
    chatId: Type.String(),
    orgId: Type.String(),
    deploymentId: Type.String(),
    buttonId: Type.String({ description: 'The button the chat was requested on' }),
    visitor: ChatVisitor,
    prechatDetails: Type.Array(Type.Unknown()),
    agents: Type.Array(Type.Object({ id: Type.String(), name: Type.Union([Type.String(), Type.Null()], { description: 'null: no such agent any more' }) }), { description: 'Every agent who was in the chat (held it or joined its conference), in the order they came in' }),
    requestedAt: Type.Number({ description: 'When the visitor asked for the chat (epoch ms)' }),
    establishedAt: Type.Union([Type.Number(), Type.Null()], { description: 'When an agent accepted it; null: no agent ever did' }),
    endedAt: Type.Number(),
    endReason: Type.Union([Type.String(), Type.Null()], { description: 'As the agent API\'s chat summary says it (agent, visitor, Unavailable, …)' }),
    events: Type.Array(ChatEventWire, { description: 'The transcript, as GET /agent/v1/chats/:chatId/transcript answers it' }),
  }),
});
export type ChatEndedWebhook = Static<typeof ChatEndedWebhook>;

const { status: _status, handledBy: _handledBy, handledAt: _handledAt, ...leftFields } = OfflineMessage.properties;

/**
 * The body of an `offline_message.created` webhook (ADR 0068): the message as the agent API
 * lists it, without what a supervisor changes later (status, handledBy, handledAt), so every
 * attempt carries the same bytes.
 */
export const OfflineMessageCreatedWebhook = Type.Object({
  type: Type.Literal('offline_message.created'),
  id: Type.String({ description: 'The message id, also the `webhook-id` header: the same for every attempt at one offline message' }),
  createdAt: Type.Number({ description: 'When the visitor left it (epoch ms)' }),
  data: Type.Object({ ...leftFields, orgId: Type.String() }),
});
export type OfflineMessageCreatedWebhook = Static<typeof OfflineMessageCreatedWebhook>;

/** Where one event of a webhook stands (the status's `offlineMessages`). */
export const WebhookStreamStatus = Type.Object({
  lastDeliveredAt: Type.Union([Type.Number(), Type.Null()], { description: 'When the receiver last answered 2xx for this event (epoch ms); null: never' }),
  lastDeliveredId: Type.Union([Type.String(), Type.Null()], { description: 'The item it then took (an offline message id): every one before it has been delivered' }),
  failingSince: Type.Union([Type.Number(), Type.Null()], { description: 'When the first failed attempt of the current streak was made; null while deliveries succeed' }),
  failingId: Type.Union([Type.String(), Type.Null()], { description: 'The item being tried again while failing (what a skip names); null while deliveries succeed' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: Type.Union([Type.Number(), Type.Null()]),
  backlog: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Items still to send, counted up to 10000; null for an event that has never run' }),
});
export type WebhookStreamStatus = Static<typeof WebhookStreamStatus>;

/** One webhook of the caller's org, as GET /agent/v1/admin/webhooks answers it. */
export const WebhookStatus = Type.Object({
  name: Type.String(),
  url: Type.String({ description: 'As configured, with a password in it shown as ***' }),
  enabled: Type.Boolean(),
  events: Type.Array(Type.String()),
  lastDeliveredAt: Type.Union([Type.Number(), Type.Null()], { description: 'When the receiver last answered 2xx (epoch ms); null: never since the webhook was added' }),
  lastDeliveredChatId: Type.Union([Type.String(), Type.Null()], { description: 'The chat it then took: every chat that ended before it has been delivered' }),
  failingSince: Type.Union([Type.Number(), Type.Null()], { description: 'When the first failed attempt of the current streak was made; null while deliveries succeed' }),
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'What went wrong the last time (`HTTP 503`, a network error, `no answer within 10 s`); null while deliveries succeed' }),
  nextAttemptAt: Type.Union([Type.Number(), Type.Null()], { description: 'When the failed chat is tried again (epoch ms); null when not waiting to retry' }),
  failingChatId: Type.Union([Type.String(), Type.Null()], { description: 'The chat being tried again while failing (what a skip names); null while deliveries succeed' }),
  backlog: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Ended chats still to send, counted up to 10000 (10000: that many or more); null for a webhook that has never run' }),
  offlineMessages: Type.Union([WebhookStreamStatus, Type.Null()], { description: 'Where its `offline_message.created` events stand (ADR 0068); null for a webhook not told of them. The fields above are its `chat.ended` events\'' }),
});
export type WebhookStatus = Static<typeof WebhookStatus>;
export const WebhookStatuses = Type.Array(WebhookStatus);

/** The webhook an admin route names. */
export const WebhookNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
export type WebhookNameParams = Static<typeof WebhookNameParams>;

/** POST /agent/v1/admin/webhooks/:name/replay: send again the chats that ended since (and the offline messages left since). */
export const WebhookReplayRequest = Type.Object({
  since: Type.Integer({ minimum: 0, description: 'Epoch ms: every stored chat of the org that ended at or after it (offline message left at or after it) is sent again, oldest first; not later than where the webhook stands, nor in the future' }),
  event: Type.Optional(Type.Union([Type.Literal('chat.ended'), Type.Literal('offline_message.created')], { description: 'Only this event\'s; absent: every event the webhook is told of' })),
});
export type WebhookReplayRequest = Static<typeof WebhookReplayRequest>;

/** POST /agent/v1/admin/webhooks/:name/skip: pass over the next chat (or offline message) to send; exactly one of the two. */
export const WebhookSkipRequest = Type.Object({
  chatId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The next chat the webhook would send (`failingChatId` while it fails): it is not sent' })),
  offlineMessageId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The next offline message it would send (`offlineMessages.failingId` while it fails): it is not sent' })),
});
export type WebhookSkipRequest = Static<typeof WebhookSkipRequest>;
