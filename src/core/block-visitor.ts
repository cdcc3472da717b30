/**
 * Block visitor (ADR 0055): the chat whose visitor an agent or supervisor just blocked
 * ends at once. An established chat ends as when its agent ends it (ChatEnded, reason
 * `agent`); one nobody took yet fails as when nobody is available (ChatRequestFail
 * `Unavailable`). The visitor is never told it is blocked; the chat's `endReason` is
 * `Blocked`, for searches and transcripts.
 */
import type { ChatEngine } from './chat-engine.js';
import { BLOCKED } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
import { EventType } from './event-types.js';

export function endBlockedChat(engine: ChatEngine, s: ChatSession): void {
  if (!engine.chatActive(s)) return;
  engine.files.cancelPending(s);
  if (s.record.chatState === 'established') {
    engine.append(s, EventType.ChatEnded, 'agent', { reason: 'agent', attachedRecords: [], $meta: { detail: BLOCKED } }, true);
  } else {
    engine.append(s, EventType.ChatRequestFail, 'system', { reason: 'Unavailable', postChatUrl: '', $meta: { detail: BLOCKED } }, true);
  }
  engine.finishChat(s, BLOCKED);
}
