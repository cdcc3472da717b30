/**
 * Who has held a chat, read from its log: the agents (and supervisors) it became
 * the chat's agent of. The session record keeps the same list (`holders`) for live
 * chats; records written before it was kept have none, and get it from here.
 * {@link agentsInLog} adds the agents who joined a conference on it (ADR 0051, note).
 */
import type { ChatStore } from '../ports/chat-store.js';
import { agentSideFields, EventType } from './event-types.js';

/**
 * The events that make their `userId` the chat's holder: ChatEstablished, or
 * ChatTransferred after a transfer, takeover or reassign. An offer declined or let
 * time out, a transfer addressed to someone who never took it, or an agent id a
 * visitor put in ChatRequested is not holding it.
 */
const HOLDING_EVENTS = [EventType.ChatEstablished, EventType.ChatTransferred];
/** A chat has one such event per agent that took it: a page is nearly always all of them. */
const HOLDING_EVENTS_PAGE = 100;

/** Every user who held the chat, in the order they first took it. Reads those two event types only. */
export async function holdersInLog(store: ChatStore, sessionId: string): Promise<string[]> {
  const holders: string[] = [];
  for (let after = 0; ;) {
    const batch = await store.readEventsOfTypes(sessionId, HOLDING_EVENTS, after, HOLDING_EVENTS_PAGE);
    for (const e of batch) {
      const userId = e.data.userId;
      if (typeof userId === 'string' && !holders.includes(userId)) holders.push(userId);
    }
    if (batch.length < HOLDING_EVENTS_PAGE) return holders;
    after = batch[batch.length - 1]!.offset;
  }
}

/**
 * Every user who was in the chat, in the order they came in: those who held it and those who
 * joined a conference on it (AgentJoinedConference's agent-side `agentId`), who saw it as well.
 * Whoever was in a chat may read its transcript afterwards.
 */
export async function agentsInLog(store: ChatStore, sessionId: string): Promise<string[]> {
  const agents: string[] = [];
  for (let after = 0; ;) {
    const batch = await store.readEventsOfTypes(sessionId, [...HOLDING_EVENTS, EventType.AgentJoinedConference], after, HOLDING_EVENTS_PAGE);
    for (const e of batch) {
      const userId = e.type === EventType.AgentJoinedConference ? agentSideFields(e)?.agentId : e.data.userId;
      if (typeof userId === 'string' && !agents.includes(userId)) agents.push(userId);
    }
    if (batch.length < HOLDING_EVENTS_PAGE) return agents;
    after = batch[batch.length - 1]!.offset;
  }
}
