/**
 * Keeps the console's login across a reload of the tab: the refresh token, the
 * presence the agent had, the chats it showed and the chats a supervisor monitored
 * (their ids only: the server says where each stands now) and the view, in
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
}

const KEY = 'switchboard-console';

export function loadSession(): SavedSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Partial<SavedSession>) : null;
    if (!s || typeof s.refreshToken !== 'string' || typeof s.presence !== 'string' || typeof s.capacity !== 'number') return null;
    const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : []);
    const view = s.view === 'supervisor' || s.view === 'past' || s.view === 'team' ? s.view : 'chats';
    return { refreshToken: s.refreshToken, presence: s.presence, capacity: s.capacity, chats: ids(s.chats), monitors: ids(s.monitors), view };
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
