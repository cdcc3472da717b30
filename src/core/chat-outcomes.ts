/**
 * What each chat came to, told as it happens: whether its request was queued or refused (and
 * why), how long its visitor waited for an agent, how it ended and how long it was talked.
 * Dashboards read it (the metrics, `switchboard_chat_*`); nothing on the wire depends on it.
 * Listeners are told from the engine's own turn, after the record changed: one that throws is
 * reported and the others are still told, since a broken dashboard must not break a chat.
 */
import type { SessionRecord } from '../ports/records.js';

/** How a chat request was answered: queued for an agent, or refused and why (its `endReason`). */
export type RequestOutcome = 'queued' | 'unavailable' | 'outside_hours' | 'queue_full' | 'blocked';

/** The org and the button a chat went through (its entry button; after a transfer to a button, that one). */
export interface ChatPlace {
  org: string;
  button: string;
}

export interface ChatOutcomeListener {
  requested(at: ChatPlace, outcome: RequestOutcome): void;
  /** An agent took the chat for the first time, `waitMs` after the request. */
  answered(at: ChatPlace, waitMs: number): void;
  /** The chat ended (`reason`, its endReason), after `talkMs` with an agent; null when no agent ever took it. */
  ended(at: ChatPlace, reason: string, talkMs: number | null): void;
}

export class ChatOutcomes {
  private readonly listeners: ChatOutcomeListener[] = [];

  constructor(private readonly onError: (err: unknown) => void) {}

  listen(listener: ChatOutcomeListener): void {
    this.listeners.push(listener);
  }

  requested(r: SessionRecord, outcome: RequestOutcome): void {
    const at = placeOf(r);
    if (at) this.tell((l) => l.requested(at, outcome));
  }

  answered(r: SessionRecord, now: number): void {
    const at = placeOf(r);
    if (at) this.tell((l) => l.answered(at, Math.max(0, now - (r.queuedAt ?? now))));
  }

  /** Called once the record says how the chat ended (`endedAt`, `endReason`). */
  ended(r: SessionRecord): void {
    const at = placeOf(r);
    if (!at || r.endedAt === null) return;
    const talkMs = r.establishedAt === null ? null : Math.max(0, r.endedAt - r.establishedAt);
    const reason = r.endReason ?? 'unknown';
    this.tell((l) => l.ended(at, reason, talkMs));
  }

  private tell(call: (l: ChatOutcomeListener) => void): void {
    for (const l of this.listeners) {
      try {
        call(l);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

function placeOf(r: SessionRecord): ChatPlace | null {
  return r.request ? { org: r.request.orgId, button: r.routedButtonId ?? r.request.buttonId } : null;
}
