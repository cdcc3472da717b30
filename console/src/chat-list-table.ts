/**
 * A table of chats loaded a page at a time with "Load more", newest first: the
 * supervisor's search of the org's chats (past-chats.ts) and the agent's own
 * past chats (my-past-chats-view.ts). It owns the paging (cursor, empty pages
 * followed, answers to an older listing dropped), the status line and the rows:
 * when it started and who the visitor was, the view's own columns, and an Open
 * button.
 */
import { errorText } from './chat-panel.ts';
import { bdi, el, formatDateTime } from './dom-builder.ts';
import type { ChatSearchResult } from './wire-types.ts';

/**
 * Requests one listing or "Load more" makes at most while they bring nothing: the
 * server looks at a bounded number of chats per request, so a rare filter can
 * answer empty pages before it reaches a match (docs/agent-api.md, "Finding chats").
 */
export const EMPTY_PAGES_FOLLOWED = 10;

export interface ChatListTableOptions {
  /** The table's class, after `grid`. */
  className: string;
  /** Headers of the columns between Visitor and the Open button. */
  columns: string[];
  /** One page of chats after `cursor` (none: from the newest). */
  fetch: (cursor: string | null) => Promise<{ chats: ChatSearchResult[]; nextCursor: string | null }>;
  /** The texts of a chat's `columns`. */
  cells: (c: ChatSearchResult) => string[];
  /** The Open button of a chat was pressed (`started`: its start as the row shows it). */
  open: (c: ChatSearchResult, started: string) => void;
  /** The Open button's accessible name. */
  openLabel: (visitorName: string, started: string) => string;
  /** The status line's words while loading, with nothing found (more to look at or not), and on a failure. */
  words: { loading: string; noneYet: string; none: string; failed: string };
}

export class ChatListTable {
  readonly rows = el('tbody');
  readonly table: HTMLTableElement;
  readonly status = el('p', { class: 'muted', role: 'status' });
  readonly more = el('button', { type: 'button', hidden: true }, 'Load more');
  private cursor: string | null = null;
  private found = 0;
  /** Bumped by each new listing: the answer to an older one is dropped. */
  private generation = 0;

  constructor(private readonly options: ChatListTableOptions) {
    this.more.addEventListener('click', () => void this.load());
    this.table = el('table', { class: `grid ${options.className}`, hidden: true },
      el('thead', {}, el('tr', {}, ...['Started', 'Visitor', ...options.columns].map((h) => el('th', { scope: 'col' }, h)),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
      this.rows);
  }

  /** Empties the list for a new listing from the newest chat (an answer still on its way to the old one is dropped). */
  clear(): void {
    this.generation += 1;
    this.cursor = null;
    this.found = 0;
    this.rows.replaceChildren();
  }

  /** The next page(s) of the current listing, appended. */
  async load(): Promise<void> {
    const generation = this.generation;
    const hadFocus = document.activeElement === this.more;
    const before = this.found;
    const { words } = this.options;
    this.more.disabled = true;
    this.status.textContent = words.loading;
    try {
      for (let i = 0; i < EMPTY_PAGES_FOLLOWED; i++) {
        const page = await this.options.fetch(this.cursor);
        if (generation !== this.generation) return;
        for (const c of page.chats) this.rows.append(this.row(c));
        this.found += page.chats.length;
        this.cursor = page.nextCursor;
        if (page.chats.length || !this.cursor) break;
      }
      this.status.textContent = this.found
        ? `${this.found} chat${this.found === 1 ? '' : 's'}${this.cursor ? ', more to load' : ''}`
        : this.cursor ? words.noneYet : words.none;
    } catch (err) {
      if (generation !== this.generation) return;
      this.status.textContent = `${words.failed}: ${errorText(err)}`;
    }
    this.table.hidden = this.found === 0;
    this.more.hidden = !this.cursor;
    this.more.disabled = false;
    // The button that had the keyboard is gone (nothing more): the first chat it brought takes it.
    if (hadFocus && this.more.hidden) this.rows.rows[before]?.querySelector('button')?.focus();
  }

  /** Gives the keyboard to the Open button of a chat in the list. */
  focusOpen(chatId: string): void {
    this.rows.querySelector<HTMLElement>(`button[data-chat-id="${CSS.escape(chatId)}"]`)?.focus();
  }

  private row(c: ChatSearchResult): HTMLTableRowElement {
    const name = c.visitorName || 'Visitor';
    const started = formatDateTime(c.createdAt);
    return el('tr', { 'data-chat-id': c.chatId },
      el('td', {}, el('time', { datetime: new Date(c.createdAt).toISOString() }, started)),
      el('td', { title: c.visitorId }, bdi(name)),
      ...this.options.cells(c).map((text) => el('td', {}, text)),
      el('td', {}, el('button', { type: 'button', 'data-chat-id': c.chatId, onclick: () => this.options.open(c, started), 'aria-label': this.options.openLabel(name, started) }, 'Open')));
  }
}
