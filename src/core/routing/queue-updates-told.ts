/**
 * What a waiting visitor was last told of its place in line, read back from its chat's log after
 * a restart: the Dispatcher remembers it in memory only, and without it every waiting visitor who
 * asked for QueueUpdates heard its unchanged position and estimate again at each start (a
 * QueueUpdate is sent only on a change: docs/visitor-api.md).
 */
import type { LogEvent } from '../../ports/records.js';
import { EventType } from '../event-types.js';

/** The event types that say what the visitor was told, or that it left the line since. */
export const QUEUE_TOLD_TYPES: readonly string[] = [
  EventType.ChatRequestSuccess, EventType.QueueUpdate, EventType.ChatEstablished, EventType.ChatTransferred, EventType.AgentDisconnect,
];

/**
 * The position and estimate of the last ChatRequestSuccess or QueueUpdate among `events` (in log
 * order), null when none was told since the chat last left the line (an agent took it; it came
 * back with AgentDisconnect and has been told nothing since): the visitor's next QueueUpdate is news.
 */
export function lastToldInLog(events: readonly LogEvent[]): { position: number; estimatedWaitTime: number } | null {
  let told: { position: number; estimatedWaitTime: number } | null = null;
  for (const e of events) {
    const position = e.type === EventType.ChatRequestSuccess ? e.data['queuePosition'] : e.type === EventType.QueueUpdate ? e.data['position'] : undefined;
    const estimate = e.data['estimatedWaitTime'];
    if (typeof position === 'number' && typeof estimate === 'number') told = { position, estimatedWaitTime: estimate };
    else if (e.type === EventType.ChatEstablished || e.type === EventType.ChatTransferred || e.type === EventType.AgentDisconnect) told = null;
  }
  return told;
}
