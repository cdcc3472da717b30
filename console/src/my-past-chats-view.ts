/**
 * "My past chats": the chats this agent held that have ended, their own ones
 * and those they transferred away (GET /agent/v1/chats/history), newest first,
 * a page at a time. One opens below the list, read-only: its transcript as the
 * server has it now. Every role has it; a supervisor's search of the whole org
 * is the Supervisor view's "Past chats" (past-chats.ts).
 */
import type { AgentPort } from './agent-port.ts';
import { errorText } from './chat-panel.ts';
import { ChatListTable } from './chat-list-table.ts';
import { bdi, el, formatDateTime, uid } from './dom-builder.ts';
import { END_REASONS } from './past-chats.ts';
import { TranscriptView } from './transcript-view.ts';
import { downloadChatFile } from './file-download.ts';
import type { ChatSearchResult } from './wire-types.ts';

/** Chats per request. */
const PAGE = 25;

export class MyPastChatsView {
  readonly element: HTMLElement;
  private readonly list: ChatListTable;
  private readonly reader = el('div', { class: 'past-reader' });
  private listed = false;
  /** Bumped by each chat opened: the transcript of one opened before is dropped. */
  private opened = 0;
  /** The org's agents' names by id (transfer targets), for a chat that ended with someone else. */
  private readonly names = new Map<string, string>();

  constructor(private readonly client: AgentPort, private readonly me: { id: string }) {
    const titleId = uid('my-past-title');
    this.list = new ChatListTable({
      className: 'my-past-chats',
      columns: ['Ended', 'How it ended', 'Last with'],
      fetch: (cursor) => this.client.chatHistory({ limit: PAGE, ...(cursor ? { cursor } : {}) }),
      cells: (c) => [
        c.endedAt ? formatDateTime(c.endedAt) : '—',
        c.endReason ? END_REASONS[c.endReason] ?? c.endReason : '—',
        // The chat's agent last: the caller, or whoever it was transferred to.
        c.agentId === this.me.id ? 'You' : c.agentId ? this.names.get(c.agentId) ?? c.agentId : '—',
      ],
      open: (c, started) => void this.open(c, started),
      openLabel: (name, started) => `Open chat with ${name} of ${started}`,
      words: { loading: 'Loading…', noneYet: 'None found yet: load more to look further back.', none: 'No past chats yet.', failed: 'Could not load your past chats' },
    });
    this.element = el('section', { class: 'past my-past', 'aria-labelledby': titleId, hidden: true },
      el('h2', { id: titleId }, 'My past chats'),
      el('p', { class: 'muted' }, 'Chats you held that have ended, also those you transferred to someone else.'),
      el('button', { type: 'button', onclick: () => void this.refresh() }, 'Refresh'),
      this.list.status, this.list.table, this.list.more, this.reader);
  }

  /** Shown or hidden; listed the first time it is shown (not on a timer: rows that move under the pointer are no use). */
  show(visible: boolean): void {
    this.element.hidden = !visible;
    if (visible && !this.listed) void this.refresh();
  }

  /** The list again from the newest chat. */
  async refresh(): Promise<void> {
    this.listed = true;
    this.list.clear();
    try {
      for (const a of (await this.client.transferTargets()).agents) this.names.set(a.id, a.name);
    } catch {
      // Names are a nicety: without them a row shows the agent's id.
    }
    await this.list.load();
  }

  /** Shows one chat's transcript below the list, read-only, in place of the one open before. */
  private async open(c: ChatSearchResult, started: string): Promise<void> {
    const opened = ++this.opened;
    const name = c.visitorName || 'Visitor';
    const titleId = uid('my-past-chat');
    const status = el('p', { class: 'muted', role: 'status' }, 'Loading…');
    const transcript = new TranscriptView(`Transcript with ${name}`, (fileId, fileName, button) => void downloadChatFile(this.client, c.chatId, fileId, fileName, button, (m) => {
      status.textContent = m;
      status.hidden = false;
    }));
    const title = el('h3', { id: titleId, tabindex: -1 }, bdi(name), `, ${started}`);
    const close = el('button', { type: 'button', onclick: () => {
      this.reader.replaceChildren();
      this.list.focusOpen(c.chatId);
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
