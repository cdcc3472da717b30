/**
 * Block visitor (ADR 0055): the chat whose visitor an agent or supervisor just blocked
 * ends at once. An established chat ends as when its agent ends it (ChatEnded, reason
 * `agent`); one nobody took yet fails as when nobody is available (ChatRequestFail
 * `Unavailable`). The visitor is never told it is blocked; the chat's `endReason` is
 * `Blocked`, for searches and transcripts. Agents, supervisors and transcripts also read it
 * on the ending event itself (`endReason`, and `blockedBy` the user who blocked), agent-side
 * fields a visitor never gets: the agent whose chat a supervisor blocked must not read the
 * `reason: agent` as "ended by you".
 */
import type { ChatEngine } from './chat-engine.js';
import { BLOCKED } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
import { EventType } from './event-types.js';

/** Ends `s` for a block `blockedBy` (a user id) just made. */
export function endBlockedChat(engine: ChatEngine, s: ChatSession, blockedBy: string): void {
  if (!engine.chatActive(s)) return;
  engine.files.cancelPending(s);
  const $meta = { detail: BLOCKED, agentSide: { endReason: BLOCKED, blockedBy } };
  if (s.record.chatState === 'established') {
    engine.append(s, EventType.ChatEnded, 'agent', { reason: 'agent', attachedRecords: [], $meta }, true);
  } else {
    engine.append(s, EventType.ChatRequestFail, 'system', { reason: 'Unavailable', postChatUrl: '', $meta }, true);
  }
  engine.finishChat(s, BLOCKED);
}
