/**
 * Keeps the console's login across a reload of the tab: the refresh token, the
 * presence the agent had, the chats it showed and the chats a supervisor monitored
 * (their ids only: the server says where each stands now), the view, the unread count
 * and what the agent wrote in each chat and did not send, in
 * sessionStorage (per tab, gone with it; docs/adr/0012, 0037, 0044). Without storage (private modes) a reload shows the login form, as before.
 */
import type { Presence } from './wire-types.ts';

export interface SavedSession {
  refreshToken: string;
  presence: Presence;
  capacity: number;
  /** The chats whose panels were on screen, in order (none in what an older console saved). */
  chats: string[];
  /** A supervisor's monitored chats, in order, and the view on screen (ADR 0044; none in older saves). */
  monitors: string[];
  view: 'chats' | 'past' | 'supervisor' | 'team';
  /** Visitor messages the agent has not seen yet, counted on "My chats" and in the title (0 in older saves). */
  unread: number;
  /** What the agent wrote in a chat's message box and did not send, by chat id (none in older saves). */
  drafts: Record<string, string>;
}

const KEY = 'switchboard-console';

export function loadSession(): SavedSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Partial<SavedSession>) : null;
    if (!s || typeof s.refreshToken !== 'string' || typeof s.presence !== 'string' || typeof s.capacity !== 'number') return null;
    const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : []);
    const view = s.view === 'supervisor' || s.view === 'past' || s.view === 'team' ? s.view : 'chats';
    const unread = typeof s.unread === 'number' && Number.isInteger(s.unread) && s.unread > 0 ? s.unread : 0;
    const drafts: Record<string, string> = {};
    if (s.drafts && typeof s.drafts === 'object') for (const [id, text] of Object.entries(s.drafts)) if (typeof text === 'string' && text) drafts[id] = text;
    return { refreshToken: s.refreshToken, presence: s.presence, capacity: s.capacity, chats: ids(s.chats), monitors: ids(s.monitors), view, unread, drafts };
  } catch {
    return null;
  }
}

export function saveSession(s: SavedSession): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // no storage: a reload asks for the password again
  }
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
