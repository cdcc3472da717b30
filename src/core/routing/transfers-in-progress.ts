/**
 * The transfers still in progress of an org, for the supervisor overview: which
 * chat, who sent it, what it was sent to, since when. Read from the session
 * records (`transferFrom`, `transferTo`, `queueKey`, `transferSince`), the same
 * fields a restart rebuilds routing from, so the list is right after a restart
 * too (ADR 0043).
 */
import type { TransferInProgress } from '../../protocol/agent-api-types.js';
import type { SessionRecord } from '../../ports/records.js';
import { skillOfQueueKey } from './dispatcher.js';

/** What a transfer in progress was sent to, as the transfer request named it. */
export function transferTargetOf(r: SessionRecord): TransferInProgress['target'] {
  if (r.transferTo) return { agentId: r.transferTo };
  const queueKey = r.queueKey ?? r.routedButtonId ?? '';
  return queueKey.startsWith('skill:') ? { skill: skillOfQueueKey(queueKey) } : { buttonId: queueKey };
}

/**
 * Every transfer of org `orgId` still in progress, oldest first. `since` is null for a
 * transfer recorded before the record kept when it was asked for; those come first.
 */
export function transfersInProgress(records: Iterable<SessionRecord>, orgId: string): TransferInProgress[] {
  const out: TransferInProgress[] = [];
  for (const r of records) {
    if (r.request?.orgId !== orgId || !r.transferFrom || (r.chatState !== 'waiting' && r.chatState !== 'offered')) continue;
    out.push({ chatId: r.id, visitorName: r.request.visitorName, from: r.transferFrom, target: transferTargetOf(r), state: r.chatState, since: r.transferSince ?? null });
  }
  return out.sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
}
