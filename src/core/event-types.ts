/**
 * Names of the events in a session's log. Visitor-visible events carry exactly
 * their wire fields in `data` (plus an optional `$meta`, stripped before
 * delivery); the rest are for the agent side, the transcript and supervisors.
 */
import type { LogEvent } from '../ports/records.js';
import type { WireMessage } from '../protocol/visitor-messages.js';

export const EventType = {
  ChatRequested: 'ChatRequested',
  ChatRequestSuccess: 'ChatRequestSuccess',
  ChatRequestFail: 'ChatRequestFail',
  ChatOffered: 'ChatOffered',
  OfferDeclined: 'OfferDeclined',
  OfferTimedOut: 'OfferTimedOut',
  ChatEstablished: 'ChatEstablished',
  AgentMessage: 'ChatMessage',
  VisitorMessage: 'ChasitorChatMessage',
  AgentTyping: 'AgentTyping',
  AgentNotTyping: 'AgentNotTyping',
  VisitorTyping: 'ChasitorTyping',
  VisitorNotTyping: 'ChasitorNotTyping',
  SneakPeek: 'ChasitorSneakPeek',
  AgentCustomEvent: 'CustomEvent',
  VisitorCustomEvent: 'ChasitorCustomEvent',
  QueueUpdate: 'QueueUpdate',
  Breadcrumb: 'NewVisitorBreadcrumb',
  ChatTransferred: 'ChatTransferred',
  AgentDisconnect: 'AgentDisconnect',
  ChatEnded: 'ChatEnded',
  VisitorEnded: 'ChasitorChatEnded',
  VisitorTimedOut: 'ChasitorTimedOut',
  SessionData: 'ChasitorSessionData',
  ResyncState: 'ChasitorResyncState',
  /** Visitor-visible: an agent asked for a file (`Requested`) or withdrew the request (`Canceled`). */
  FileTransfer: 'FileTransfer',
  /** Agent side only: the visitor uploaded the file a FileTransfer asked for. */
  FileUploaded: 'ChasitorFileUploaded',
} as const;

/** The wire message a visitor receives for a visitor-visible event. */
export function toVisitorMessage(e: LogEvent): WireMessage {
  if (!('$meta' in e.data)) return { type: e.type, message: e.data };
  const { $meta: _meta, ...message } = e.data;
  return { type: e.type, message };
}

/**
 * A visitor-only copy of an earlier event, re-sent after a ResyncSession
 * snapshot (session-recovery.ts): agents, supervisors and transcripts have the original.
 */
export function isResentCopy(e: LogEvent): boolean {
  const meta = e.data.$meta;
  return typeof meta === 'object' && meta !== null && 'resentOf' in meta;
}
