/**
 * Webhooks (ADR 0065): the body POSTed for an ended chat, and the admin API's view of
 * each webhook. One schema per wire type, reused by the sender, the routes and
 * docs/configuration.md (not re-exported by agent-api-types.ts: it imports from there).
 */
import { Type, type Static } from 'typebox';
import { ChatEventWire, ChatVisitor } from './agent-api-types.js';

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
});
export type WebhookStatus = Static<typeof WebhookStatus>;
export const WebhookStatuses = Type.Array(WebhookStatus);

/** The webhook an admin route names. */
export const WebhookNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
export type WebhookNameParams = Static<typeof WebhookNameParams>;

/** POST /agent/v1/admin/webhooks/:name/replay: send again the chats that ended since. */
export const WebhookReplayRequest = Type.Object({
  since: Type.Integer({ minimum: 0, description: 'Epoch ms: every stored chat of the org that ended at or after it is sent again, oldest first; not later than where the webhook stands, nor in the future' }),
});
export type WebhookReplayRequest = Static<typeof WebhookReplayRequest>;

/** POST /agent/v1/admin/webhooks/:name/skip: pass over the next chat to send. */
export const WebhookSkipRequest = Type.Object({
  chatId: Type.String({ minLength: 1, maxLength: 64, description: 'The next chat the webhook would send (`failingChatId` while it fails): it is not sent' }),
});
export type WebhookSkipRequest = Static<typeof WebhookSkipRequest>;
