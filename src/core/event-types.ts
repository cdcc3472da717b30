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
  /**
   * Agent side only: every agent who could take a new request passed on it, and its button
   * reroutes declined requests: they are all candidates again (`{round, rounds, passedBy}`, ADR 0071).
   */
  RerouteRound: 'RerouteRound',
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
  /** Visitor-visible: an agent joined the chat's conference (`{name}`; agents also see `agentId`, ADR 0051). */
  AgentJoinedConference: 'AgentJoinedConference',
  /** Visitor-visible: an agent left the chat's conference (`{name}`; agents also see `agentId` and `reason`). */
  AgentLeftConference: 'AgentLeftConference',
  /** Agent side only: the holder invited `agentId` into a conference. */
  ConferenceInvited: 'ConferenceInvited',
  /** Agent side only: an invitation that did not lead to a join (`{agentId, reason}`). */
  ConferenceInviteFailed: 'ConferenceInviteFailed',
  /** Agent side only: the holder raised its flag, or gave it a new message (`{raisedBy, message, raisedAt}`, ADR 0056). */
  FlagRaised: 'FlagRaised',
  /** Agent side only: the flag went down (`{raisedBy, message, by, reason}`; `by` null when the chat ended or moved). */
  FlagLowered: 'FlagLowered',
  /** Agent side only: the visitor uploaded the file a FileTransfer asked for. */
  FileUploaded: 'ChasitorFileUploaded',
} as const;

/**
 * What an event's `$meta.agentSide` holds is for agents, supervisors and transcripts only: the
 * agent API shows it in `data`, a visitor never gets it (ADR 0051). A conference event's visitor
 * message is `{name}` exactly; agents need to know which agent it was.
 */
export function agentSideFields(e: LogEvent): Record<string, unknown> | undefined {
  const meta = e.data.$meta;
  const side = typeof meta === 'object' && meta !== null ? (meta as { agentSide?: unknown }).agentSide : undefined;
  return typeof side === 'object' && side !== null ? side as Record<string, unknown> : undefined;
}

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
