/**
 * What became of a transfer whose answer never came (the connection dropped, the
 * request timed out). A transfer is not safe to send again: if the first one was
 * applied, a second one is refused (409 Chat is no longer yours) at best, and after
 * a transfer that failed back it would be a new transfer the agent never asked for.
 * So the console asks the server instead (ADR 0034): the chat's transcript after the
 * last offset it had, which the agent may read also once the chat left it (the
 * chat's details answer a former holder 409). The transcript's `chat` says where the
 * chat is now; a `TransferRequested` from this agent in it says the transfer happened.
 */
import type { AgentPort } from './agent-port.ts';
import type { ChatEventWire, Transcript } from './wire-types.ts';

export type TransferOutcome =
  /** The server took the transfer: the chat is with its target (offered or waiting) or already accepted there. */
  | 'transferred'
  /** The server took it, but the target did not take the chat and it came back (`TransferFailed`). */
  | 'returned'
  /** The server never got it: the chat is the agent's as before. */
  | 'not-transferred'
  /** The chat left the agent some other way (a supervisor, a drop), not by this transfer. */
  | 'taken'
  | 'ended'
  /** The server could not be asked either. */
  | 'unknown';

export interface TransferCheck {
  outcome: TransferOutcome;
  /** The events after `since` that the check read (for the panel's transcript). */
  events: ChatEventWire[];
}

/**
 * Reads the chat's transcript after `since` (the newest offset the console had when it sent
 * the transfer) and tells what happened. Never throws: a failed read is `unknown`.
 */
export async function checkTransfer(client: AgentPort, chatId: string, since: number, me: string): Promise<TransferCheck> {
  let t: Transcript;
  try {
    t = await client.transcript(chatId, Math.max(0, since));
  } catch {
    return { outcome: 'unknown', events: [] };
  }
  return { outcome: transferOutcome(t, me), events: t.events };
}

/** The events (after the transfer was sent) have the agent's `TransferRequested`: the server applied it. */
export function requestedBy(events: readonly ChatEventWire[], me: string): boolean {
  return events.some((e) => e.type === 'TransferRequested' && e.data['from'] === me);
}

/** The outcome a transcript read after the transfer shows (`me`: the agent who asked for it). */
export function transferOutcome(t: Pick<Transcript, 'chat' | 'events'>, me: string): TransferOutcome {
  const requested = requestedBy(t.events, me);
  // Ended since, after the transfer took it to someone else: the transfer did go through.
  if (t.chat.state === 'ended') return requested && t.chat.agentId !== me ? 'transferred' : 'ended';
  const mine = t.chat.agentId === me && t.chat.state === 'established';
  if (mine) return requested ? 'returned' : 'not-transferred';
  return requested ? 'transferred' : 'taken';
}
