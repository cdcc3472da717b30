/**
 * What the console tells an agent the server set away for an offer it let pass
 * (auto away, docs/adr/0054-auto-away-when-an-offer-passes.md): why, and what to do.
 */
import type { PresenceReason } from './wire-types.ts';

/** The sentence shown in the toast and read out by screen readers. */
export function autoAwayText(reason: PresenceReason): string {
  const why = reason === 'offer-declined' ? 'you declined an offer' : 'an offer timed out';
  return `You were set to Away: ${why}. Set Online to receive chats.`;
}
