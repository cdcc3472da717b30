/**
 * Where a chat stands for the agent whose panel shows it, and the words the
 * panel says it in. Live, the panel follows the stream's events one by one
 * (chat-panel.ts); after a reload of the page it has no stream history, only
 * the chat's transcript, which the agent may read also once the chat left it
 * (ADR 0037). Both use the words and the rules here, so a reload shows the
 * state the console showed before it: "Transferred" stays "Transferred".
 */
import type { ChatEventWire, ChatSummary, TransferTarget } from './wire-types.ts';

/** Why a chat is read-only for its former agent (the panel's badge). */
export const LEFT = {
  transferred: 'Transferred',
  anotherAgent: 'Now with another agent',
  reassigned: 'Reassigned by a supervisor',
  /** `ChatReassigned {takeover: true}`: the supervisor holds it now. */
  takenOver: 'A supervisor took this chat over',
  disconnected: 'Back in the queue (you were disconnected)',
  /** The agent chose Offline in this console (live only: the event does not say why, so a reload says "disconnected"). */
  wentOffline: 'Back in the queue (you went offline)',
  /** Taken some way the console cannot tell (the server said 409 Chat is no longer yours). */
  noLonger: 'No longer with you',
  /** Erased (404): no transcript left to tell. */
  gone: 'Gone: the chat was erased',
  /** 403 to a supervisor reopening a monitored chat (a role changed, another org). */
  noAccess: 'You can no longer see this chat',
  /** A conference participant who left it (by itself, dropped, or the chat moved). */
  leftConference: 'Left the conference',
} as const;

/** Log types that end a chat. */
export const ENDING_EVENTS: ReadonlySet<string> = new Set(['ChatEnded', 'ChasitorChatEnded', 'ChasitorTimedOut']);

/** The badge of an ended chat, by how it ended. */
export const ENDED = {
  byVisitor: 'Ended by the visitor',
  visitorLeft: 'Ended: the visitor left (timed out)',
  visitorIdle: 'Ended: the visitor was idle',
  byYou: 'Ended by you',
  byAgent: 'Ended by the agent',
  /** Ended by a Block visitor (ADR 0055) this user made, from its own chat or a supervisor's monitor. */
  youBlocked: 'Ended: you blocked this visitor',
  /** Ended by a Block visitor someone else made (a supervisor, or the agent a supervisor monitors). */
  blocked: 'Ended: the visitor was blocked',
  /** Ended, the console cannot tell how (no ending event in what it read). */
  unknown: 'Ended',
} as const;

/**
 * The badge of a chat that ended with `e`. `holder`: the panel is the chat's agent's own
 * (it ended the chat, `reason: agent`); a supervisor's monitor says "the agent". A block's
 * end says so (its agent-side `endReason: Blocked`), and who blocked (`blockedBy`, vs `me`).
 */
export function endedLabel(e: ChatEventWire, holder: boolean, me: string): string {
  if (e.data['endReason'] === 'Blocked') return e.data['blockedBy'] === me ? ENDED.youBlocked : ENDED.blocked;
  if (e.type === 'ChasitorChatEnded') return ENDED.byVisitor;
  if (e.type === 'ChasitorTimedOut') return ENDED.visitorLeft;
  if (e.data['reason'] === 'chasitorIdleTimeout') return ENDED.visitorIdle;
  if (e.data['reason'] === 'agent') return holder ? ENDED.byYou : ENDED.byAgent;
  return ENDED.unknown;
}

/** The target of a transfer as its `TransferRequested` names it (the request's own fields). */
export function transferTarget(data: Record<string, unknown>): TransferTarget | undefined {
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const agentId = text(data['agentId']);
  const skill = text(data['skill']);
  const buttonId = text(data['buttonId']);
  if (agentId) return { agentId };
  if (skill) return { skill };
  if (buttonId) return { buttonId };
  return undefined;
}

/** How a `ChatReassigned` away from the agent reads: taken over, or handed to another agent (`to` names them). */
export function reassignedAway(data: Record<string, unknown>): [string, TransferTarget | undefined] {
  if (data['takeover'] === true) return [LEFT.takenOver, undefined];
  return [LEFT.reassigned, typeof data['to'] === 'string' && data['to'] ? { agentId: data['to'] } : undefined];
}

export type Standing =
  | { kind: 'mine' }
  | { kind: 'ended'; label: string }
  /** Read-only: the chat left the agent; `to` where a transfer of the agent's sent it. */
  | { kind: 'left'; label: string; to?: TransferTarget | undefined };

/**
 * Where the chat stands for `me`, from its whole transcript and its summary now (the
 * transcript's `chat`). Who holds the chat now decides whether it is the agent's; the
 * events say how it left the agent, with the live rules: only what happened while the
 * agent held it counts (a chat the agent transferred that ended later with someone else
 * was "Transferred" for this agent, who never heard of that end).
 */
export function standing(chat: Pick<ChatSummary, 'state' | 'agentId'>, events: readonly ChatEventWire[], me: string): Standing {
  if (chat.state === 'established' && chat.agentId === me) return { kind: 'mine' };
  let mine = false;
  /** In the chat as a conference participant (ADR 0051): its end is the holder's doing, not ours. */
  let participant = false;
  /** Who asked for the transfer in progress (a `TransferFailed` gives the chat back to them). */
  let transferBy: unknown = null;
  let last: Standing | null = null;
  const leave = (label: string, to?: TransferTarget) => {
    mine = false;
    last = { kind: 'left', label, to };
  };
  for (const e of events) {
    const d = e.data;
    switch (e.type) {
      case 'ChatEstablished':
      case 'ChatTransferred':
        transferBy = null;
        if (d['userId'] === me) mine = true;
        else if (mine) leave(LEFT.anotherAgent);
        break;
      case 'TransferRequested':
        transferBy = d['from'];
        if (mine && d['from'] === me) leave(LEFT.transferred, transferTarget(d));
        break;
      case 'TransferFailed':
        if (transferBy === me) mine = true;
        transferBy = null;
        break;
      case 'ChatReassigned':
        transferBy = null;
        if (d['to'] === me) mine = true;
        else if (mine && d['from'] === me) leave(...reassignedAway(d));
        break;
      case 'AgentDisconnect':
        if (mine) leave(LEFT.disconnected);
        break;
      case 'AgentJoinedConference':
        if (d['agentId'] === me) {
          participant = true;
          last = null;
        }
        break;
      case 'AgentLeftConference':
        if (participant && d['agentId'] === me) {
          participant = false;
          last = { kind: 'left', label: LEFT.leftConference };
        }
        break;
      default:
        if ((mine || participant) && ENDING_EVENTS.has(e.type)) {
          // A participant saw the chat end as the holder's console did, but "by the agent", not "by you".
          last = { kind: 'ended', label: endedLabel(e, mine, me) };
          mine = false;
          participant = false;
        }
    }
    if (mine) last = null;
  }
  return last ?? (chat.state === 'ended' ? { kind: 'ended', label: ENDED.unknown } : { kind: 'left', label: LEFT.noLonger });
}
