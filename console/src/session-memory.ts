/**
 * Keeps the console's login across a reload of the tab: the refresh token, the
 * presence the agent had and the chats it showed (their ids only: the server says
 * where each stands now), in sessionStorage (per tab, gone with it; docs/adr/0012,
 * 0037). Without storage (private modes) a reload shows the login form, as before.
 */
import type { Presence } from './wire-types.ts';

export interface SavedSession {
  refreshToken: string;
  presence: Presence;
  capacity: number;
  /** The chats whose panels were on screen, in order (none in what an older console saved). */
  chats: string[];
}

const KEY = 'switchboard-console';

export function loadSession(): SavedSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Partial<SavedSession>) : null;
    if (!s || typeof s.refreshToken !== 'string' || typeof s.presence !== 'string' || typeof s.capacity !== 'number') return null;
    const chats = Array.isArray(s.chats) ? s.chats.filter((c): c is string => typeof c === 'string') : [];
    return { refreshToken: s.refreshToken, presence: s.presence, capacity: s.capacity, chats };
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
