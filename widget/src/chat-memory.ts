/**
 * Keeps a running chat in sessionStorage, so that a reload or a navigation to
 * another page of the same site continues the chat instead of ending it: the
 * SDK's snapshot (session, poll position, unanswered requests), what the
 * transcript shows, and whether the panel was open. sessionStorage is per tab
 * and per origin, so two tabs never share a chat. Storage can be missing or full
 * (private modes, quotas): then the widget behaves as before, without memory.
 */
import type { VisitorSnapshot } from '../../packages/sdk/src/index.ts';

export interface SavedLine {
  author: 'agent' | 'me' | 'sys';
  who: string;
  text: string;
  at: number;
}

export interface SavedChat {
  v: 1;
  phase: 'waiting' | 'chatting';
  agentName: string;
  sneakPeek: boolean;
  open: boolean;
  lines: SavedLine[];
  /** Messages typed while waiting for an agent (sent when one joins). */
  outbox: string[];
  client: VisitorSnapshot;
}

/** How long a saved chat is worth resuming: the server's poll timeout ends a silent session well before. */
const MAX_AGE_MS = 10 * 60_000;

export class ChatMemory {
  private readonly key: string;

  constructor(organizationId: string, deploymentId: string, buttonId: string) {
    this.key = `switchboard-chat:${organizationId}:${deploymentId}:${buttonId}`;
  }

  load(): SavedChat | null {
    try {
      const raw = sessionStorage.getItem(this.key);
      if (!raw) return null;
      const saved = JSON.parse(raw) as SavedChat & { savedAt?: number };
      if (saved.v !== 1 || !saved.client || (saved.savedAt ?? 0) < Date.now() - MAX_AGE_MS) {
        this.clear();
        return null;
      }
      return saved;
    } catch {
      return null;
    }
  }

  save(chat: SavedChat): void {
    try {
      sessionStorage.setItem(this.key, JSON.stringify({ ...chat, savedAt: Date.now() }));
    } catch {
      // No storage (or full): the chat just will not survive a reload.
    }
  }

  clear(): void {
    try {
      sessionStorage.removeItem(this.key);
    } catch {
      // nothing stored
    }
  }
}
