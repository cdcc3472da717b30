/**
 * The `chat.ended` webhook body (ADR 0065), made of what the agent API already answers:
 * the chat details' visitor, the transcript's events, the holders the transcript's access
 * rule knows. Made from the stored chat only, so every attempt sends the same bytes.
 */
import type { ChatStore } from '../../ports/chat-store.js';
import type { SessionRecord } from '../../ports/records.js';
import type { ChatEventWire } from '../../protocol/agent-api-types.js';
import type { ChatEndedWebhook } from '../../protocol/webhook-types.js';
import { agentsInLog } from '../chat-holders.js';
import { visitorOf, type ChatViews } from '../chat-views.js';

/** Transcript events read per store call while a body is made. */
const EVENTS_PAGE = 1000;

/** The message id of a chat's `chat.ended`: the `webhook-id` of every attempt at it. */
export function chatEndedMessageId(chatId: string): string {
  return `chat.ended_${chatId}`;
}

export async function chatEndedPayload(chat: SessionRecord, deps: { store: ChatStore; views: ChatViews; agentName: (id: string) => string | null }): Promise<ChatEndedWebhook> {
  const req = chat.request!;
  const events: ChatEventWire[] = [];
  for await (const batch of deps.views.transcriptBatches(chat.id, 0, EVENTS_PAGE)) events.push(...batch);
  const agents = (await agentsInLog(deps.store, chat.id)).map((id) => ({ id, name: deps.agentName(id) }));
  return {
    type: 'chat.ended',
    id: chatEndedMessageId(chat.id),
    createdAt: chat.endedAt!,
    data: {
      chatId: chat.id, orgId: req.orgId, deploymentId: req.deploymentId, buttonId: req.buttonId,
      visitor: visitorOf(req), prechatDetails: req.prechatDetails, agents,
      requestedAt: chat.queuedAt ?? chat.createdAt, establishedAt: chat.establishedAt, endedAt: chat.endedAt!, endReason: chat.endReason,
      events,
    },
  };
}
