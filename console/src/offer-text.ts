/**
 * What an offer is called, by what it is: a new chat, a transfer of a chat another agent held,
 * or an invitation into another agent's chat (a conference). The card's heading, its accessible
 * name, the announcement and the notification all say the same thing.
 */
import type { OfferData } from './wire-types.ts';

export interface OfferText {
  /** Before the visitor's name in the card's heading. */
  headingPrefix: string;
  /** The card's accessible name. */
  label: string;
  /** Told to screen readers when the offer arrives. */
  announcement: string;
  /** The notification's title, with the tab hidden. */
  notification: string;
}

export function offerText(offer: Pick<OfferData, 'visitorName' | 'transfer' | 'conference'>): OfferText {
  const who = offer.visitorName || 'a visitor';
  if (offer.conference) {
    const invitation = `Conference invitation from ${offer.conference.fromName}: chat with ${who}`;
    return { headingPrefix: `Conference with ${offer.conference.fromName}: `, label: invitation, announcement: `New ${invitation.charAt(0).toLowerCase()}${invitation.slice(1)}`, notification: `Conference invitation: ${who}` };
  }
  if (offer.transfer) {
    return { headingPrefix: 'Transfer: ', label: `Transfer offer: chat with ${who}`, announcement: `New transfer offer: chat with ${who}`, notification: `Transfer offer: ${who}` };
  }
  return { headingPrefix: 'New chat: ', label: `Chat offer from ${who}`, announcement: `New chat offer from ${who}`, notification: `Chat offer: ${who}` };
}
