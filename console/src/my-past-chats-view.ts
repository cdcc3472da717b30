/**
 * "My past chats": the chats this agent held that have ended, their own ones
 * and those they transferred away (GET /agent/v1/chats/history), newest first,
 * a page at a time. One opens below the list, read-only: its transcript as the
 * server has it now. Every role has it; a supervisor's search of the whole org
 * is the Supervisor view's "Past chats" (past-chats.ts).
 */
import type { AgentPort } from './agent-port.ts';
import { errorText } from './chat-panel.ts';
import { el, formatDateTime, uid } from './dom-builder.ts';
import { EMPTY_PAGES_FOLLOWED, END_REASONS } from './past-chats.ts';
import { TranscriptView } from './transcript-view.ts';
import type { ChatSearchResult } from './wire-types.ts';

/** Chats per request. */
const PAGE = 25;

export class MyPastChatsView {
  readonly element: HTMLElement;
  private readonly rows = el('tbody');
  private readonly table: HTMLTableElement;
  private readonly status = el('p', { class: 'muted', role: 'status' });
  private readonly more = el('button', { type: 'button', hidden: true }, 'Load more');
  private readonly reader = el('div', { class: 'past-reader' });
  private cursor: string | null = null;
  private found = 0;
  private listed = false;
  /** Bumped by each refresh and each chat opened: an answer to an older one is dropped. */
  private generation = 0;
  private opened = 0;
  /** The org's agents' names by id (transfer targets), for a chat that ended with someone else. */
  private readonly names = new Map<string, string>();

  constructor(private readonly client: AgentPort, private readonly me: { id: string }) {
    const titleId = uid('my-past-title');
    this.more.addEventListener('click', () => void this.load());
    this.table = el('table', { class: 'grid my-past-chats', hidden: true },
      el('thead', {}, el('tr', {}, ...['Started', 'Visitor', 'Ended', 'How it ended', 'Last with'].map((h) => el('th', { scope: 'col' }, h)),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
      this.rows);
    this.element = el('section', { class: 'past my-past', 'aria-labelledby': titleId, hidden: true },
      el('h2', { id: titleId }, 'My past chats'),
      el('p', { class: 'muted' }, 'Chats you held that have ended, also those you transferred to someone else.'),
      el('button', { type: 'button', onclick: () => void this.refresh() }, 'Refresh'),
      this.status, this.table, this.more, this.reader);
  }

  /** Shown or hidden; listed the first time it is shown (not on a timer: rows that move under the pointer are no use). */
  show(visible: boolean): void {
    this.element.hidden = !visible;
    if (visible && !this.listed) void this.refresh();
  }

  /** The list again from the newest chat. */
  async refresh(): Promise<void> {
    this.listed = true;
    this.generation += 1;
    this.cursor = null;
    this.found = 0;
    this.rows.replaceChildren();
    try {
      for (const a of (await this.client.transferTargets()).agents) this.names.set(a.id, a.name);
    } catch {
      // Names are a nicety: without them a row shows the agent's id.
    }
    await this.load();
  }

  private async load(): Promise<void> {
    const generation = this.generation;
    const hadFocus = document.activeElement === this.more;
    const before = this.found;
    this.more.disabled = true;
    this.status.textContent = 'Loading…';
    try {
      // The server looks at a bounded number of chats per request: a page can be empty and still go on.
      for (let i = 0; i < EMPTY_PAGES_FOLLOWED; i++) {
        const page = await this.client.chatHistory({ limit: PAGE, ...(this.cursor ? { cursor: this.cursor } : {}) });
        if (generation !== this.generation) return;
        for (const c of page.chats) this.rows.append(this.row(c));
        this.found += page.chats.length;
        this.cursor = page.nextCursor;
        if (page.chats.length || !this.cursor) break;
      }
      this.status.textContent = this.found
        ? `${this.found} chat${this.found === 1 ? '' : 's'}${this.cursor ? ', more to load' : ''}`
        : this.cursor ? 'None found yet: load more to look further back.' : 'No past chats yet.';
    } catch (err) {
      if (generation !== this.generation) return;
      this.status.textContent = `Could not load your past chats: ${errorText(err)}`;
    }
    this.table.hidden = this.found === 0;
    this.more.hidden = !this.cursor;
    this.more.disabled = false;
    if (hadFocus && this.more.hidden) this.rows.rows[before]?.querySelector('button')?.focus();
  }

  private row(c: ChatSearchResult): HTMLTableRowElement {
    const name = c.visitorName || 'Visitor';
    const started = formatDateTime(c.createdAt);
    const how = c.endReason ? END_REASONS[c.endReason] ?? c.endReason : '—';
    // The chat's agent last: the caller, or whoever it was transferred to.
    const last = c.agentId === this.me.id ? 'You' : c.agentId ? this.names.get(c.agentId) ?? c.agentId : '—';
    return el('tr', { 'data-chat-id': c.chatId },
      el('td', {}, el('time', { datetime: new Date(c.createdAt).toISOString() }, started)),
      el('td', { title: c.visitorId }, name),
      el('td', {}, c.endedAt ? formatDateTime(c.endedAt) : '—'), el('td', {}, how), el('td', {}, last),
      el('td', {}, el('button', { type: 'button', 'data-chat-id': c.chatId, onclick: () => void this.open(c, started), 'aria-label': `Open chat with ${name} of ${started}` }, 'Open')));
  }

  /** Shows one chat's transcript below the list, read-only, in place of the one open before. */
  private async open(c: ChatSearchResult, started: string): Promise<void> {
    const opened = ++this.opened;
    const name = c.visitorName || 'Visitor';
    const titleId = uid('my-past-chat');
    const transcript = new TranscriptView(`Transcript with ${name}`);
    const status = el('p', { class: 'muted', role: 'status' }, 'Loading…');
    const title = el('h3', { id: titleId, tabindex: -1 }, `${name}, ${started}`);
    const close = el('button', { type: 'button', onclick: () => {
      this.reader.replaceChildren();
      this.rows.querySelector<HTMLElement>(`button[data-chat-id="${CSS.escape(c.chatId)}"]`)?.focus();
    } }, 'Close');
    const section = el('section', { class: 'chat past-chat', 'aria-labelledby': titleId, 'data-chat-id': c.chatId },
      el('header', { class: 'chat-header' }, el('div', {}, title, ' ', el('span', { class: 'badge' }, 'Ended (read-only)')), el('div', { class: 'actions' }, close)),
      status, transcript.element);
    this.reader.replaceChildren(section);
    title.focus();
    try {
      const t = await this.client.transcript(c.chatId);
      if (opened !== this.opened) return;
      for (const e of t.events) transcript.add(e);
      // The transcript says it all from here; the status stays for a failure only.
      status.hidden = true;
    } catch (err) {
      if (opened !== this.opened) return;
      status.textContent = `Could not open the chat: ${errorText(err)}`;
    }
  }
}
