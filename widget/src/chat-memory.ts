/**
 * Keeps a running chat in sessionStorage, so that a reload or a navigation to
 * another page of the same site continues the chat instead of ending it: the
 * SDK's snapshot (session, poll position, unanswered requests), what the
 * transcript shows, and whether the panel was open. sessionStorage is per tab
 * and per origin, but a duplicated tab starts with a copy of it: a tab that runs
 * a chat answers the others' "who has it?" on a BroadcastChannel, and a tab that
 * finds its saved chat running elsewhere leaves it there (two tabs on one session
 * would reuse each other's sequence numbers, so the server would take the second
 * tab's message for a retry, and they would replace each other's polls). Storage
 * can be missing or full (private modes, quotas): then the widget behaves as
 * before, without memory.
 */
import type { VisitorSnapshot } from '../../packages/sdk/src/index.ts';

export interface SavedLine {
  author: 'agent' | 'me' | 'sys';
  who: string;
  text: string;
  at: number;
  /** A visitor's message the server never took: why (notSent…, notDelivered), shown under it. */
  failed?: string;
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
  /**
   * While waiting: the status line (queue position and wait, or that the agent left).
   * The server does not repeat an unchanged QueueUpdate, so after a reload only this
   * can show it. Absent in chats saved by an older widget.
   */
  status?: string;
  /** The button's post-chat page, shown when the chat ends (absent: none, or saved by an older widget). */
  postChatUrl?: string;
  /** The server's idle warning is up (ChasitorIdleTimeoutWarningEvent triggered, not cleared). */
  idleWarned?: boolean;
  /** The other agents of a conference (ADR 0051), beside `agentName`. */
  conference?: string[];
  client: VisitorSnapshot;
}

/** How long a saved chat is worth resuming: the server's poll timeout ends a silent session well before. */
const MAX_AGE_MS = 10 * 60_000;
/** The channel tabs of one origin ask on; how long an asking tab waits for an answer. */
const CHANNEL = 'switchboard-chat';
const CLAIM_WAIT_MS = 250;

interface ClaimMessage {
  type?: unknown;
  id?: unknown;
}

export class ChatMemory {
  private readonly key: string;
  /** The session this tab runs (it answers for it), and the channel it answers on. */
  private held: string | null = null;
  private channel: BroadcastChannel | null = null;

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
    this.hold(chat.client.id);
    try {
      sessionStorage.setItem(this.key, JSON.stringify({ ...chat, savedAt: Date.now() }));
    } catch {
      // No storage (or full): the chat just will not survive a reload.
    }
  }

  /** This tab runs the chat of this session from now on (null: none): it answers other tabs that ask. */
  hold(sessionId: string | null): void {
    this.held = sessionId;
    if (!sessionId || this.channel || typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (e: MessageEvent<ClaimMessage>) => {
      if (e.data.type === 'who-has' && this.held !== null && e.data.id === this.held) channel.postMessage({ type: 'mine', id: this.held });
    };
    this.channel = channel;
  }

  /** True when another open tab of this origin runs the chat of this session (a duplicated tab's copy). */
  claimedElsewhere(sessionId: string): Promise<boolean> {
    if (typeof BroadcastChannel === 'undefined') return Promise.resolve(false);
    return new Promise((resolve) => {
      const ask = new BroadcastChannel(CHANNEL);
      const done = (answer: boolean) => {
        clearTimeout(timer);
        ask.close();
        resolve(answer);
      };
      const timer = setTimeout(() => done(false), CLAIM_WAIT_MS);
      ask.onmessage = (e: MessageEvent<ClaimMessage>) => { if (e.data.type === 'mine' && e.data.id === sessionId) done(true); };
      ask.postMessage({ type: 'who-has', id: sessionId });
    });
  }

  /** The chat is no longer run here (the widget left the page): stop answering for it, so a widget added again may take it up. */
  release(): void {
    this.held = null;
    this.channel?.close();
    this.channel = null;
  }

  clear(): void {
    this.held = null;
    try {
      sessionStorage.removeItem(this.key);
    } catch {
      // nothing stored
    }
  }
}
