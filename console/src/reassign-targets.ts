/**
 * Whom a supervisor may reassign a chat to, and what a refused reassign means in words. The
 * server refuses (409) an agent who is offline (the visitor would wait for nobody) and the
 * chat's own holder (nothing to move): the list leaves them out, and the supervisor, who
 * has "Take over" for themselves. What still comes back refused (the list was a moment
 * old) is said with the agent's name, not the request's path and ids.
 */
import { loadText } from './load-text.ts';
import type { Presence } from './wire-types.ts';

export interface OverviewAgent {
  id: string;
  name: string;
  presence: Presence;
  load: number;
  capacity: number;
}

/** The agents a chat held by `holder` (null: waiting, offered) may go to, labelled with presence and load. */
export function reassignTargets(agents: readonly OverviewAgent[], holder: string | null | undefined, me: string): { id: string; name: string }[] {
  return agents.filter((a) => a.presence !== 'offline' && a.id !== holder && a.id !== me)
    .map((a) => ({ id: a.id, name: `${a.name} (${a.presence}, ${loadText(a.load, a.capacity, '/')})` }));
}

/** A refused reassign to `agentName`, in plain words (a 409's body is the server's, with ids). */
export function reassignFailure(err: unknown, agentName: string): string {
  const e = err as { status?: unknown; body?: unknown; message?: unknown } | null;
  const body = typeof e?.body === 'string' ? e.body : '';
  if (e?.status === 409) {
    if (/is offline/.test(body)) return `Not reassigned: ${agentName} is offline now. Choose an agent who is online or away.`;
    if (/already with/.test(body)) return `Not reassigned: the chat is already with ${agentName}.`;
    if (/not active/.test(body)) return 'Not reassigned: the chat is no longer active (it ended).';
    return `Not reassigned to ${agentName}: the chat changed meanwhile. Try again.`;
  }
  if (e?.status === 404) return `Not reassigned: ${agentName} is no longer a user here.`;
  return `Reassign failed: ${err instanceof Error ? err.message : String(err)}`;
}
