/**
 * What the "My chats" view and its button say: with no chat, what the agent can expect at its
 * presence; with visitor messages that came while another view was on screen, how many.
 */
import type { Presence } from './wire-types.ts';

/** My chats with no chat in it. */
export function noChatsText(presence: Presence): string {
  // Away or offline (or not known yet): the agent must act to get chats.
  return presence === 'online' ? 'No chats yet. You are online: waiting for chat offers.' : 'No chats yet. Go online to receive chat offers.';
}

/** The "My chats" button's accessible name (its badge shows the number only). */
export function myChatsLabel(unread: number): string {
  return unread > 0 ? `My chats, ${unread} unread` : 'My chats';
}

/** The page's title, the unread count first: seen on the browser tab from any view or tab. */
export function pageTitle(title: string, unread: number): string {
  return unread > 0 ? `(${unread}) ${title}` : title;
}
