/**
 * The supervisor's "Past chats": a search of the org's chats, running and past,
 * also those whose visitor session closed (GET /agent/v1/supervisor/chats), newest
 * first, by state, agent, how it ended, visitor id and day. Each opens in the
 * read-only chat view. Searched when asked (and once when first shown), not on
 * the overview's timer: a list that reorders under the pointer is no use.
 */
import type { AgentPort } from './agent-port.ts';
import { errorText } from './chat-panel.ts';
import { el, formatDateTime, replaceChildren, uid } from './dom-builder.ts';
import type { ChatSearchQuery, ChatSearchResult } from './wire-types.ts';

/** Chats per request. */
const PAGE = 25;
/**
 * Requests one search or "Load more" makes at most while they bring nothing: the
 * server looks at a bounded number of chats per request, so a rare filter can
 * answer empty pages before it reaches a match (docs/agent-api.md, "Finding chats").
 */
export const EMPTY_PAGES_FOLLOWED = 10;

const STATES: [string, string][] = [['ended', 'Ended'], ['', 'Any state'], ['waiting', 'Waiting'], ['offered', 'Offered'], ['established', 'In progress']];
/** How a chat ended, in words (`endReason`); also the agent's own past chats (my-past-chats-view.ts). */
export const END_REASONS: Record<string, string> = {
  agent: 'Ended by the agent', client: 'Ended by the visitor', clientTimeout: 'Visitor left (timed out)', chasitorIdleTimeout: 'Visitor idle',
  Unavailable: 'No agent available', QueueFull: 'Queue full',
};

export class PastChats {
  readonly element: HTMLElement;
  private readonly state = el('select', { id: uid('past-state') }, ...STATES.map(([value, label]) => el('option', { value }, label)));
  private readonly agent = el('select', { id: uid('past-agent') });
  private readonly reason = el('select', { id: uid('past-reason') }, el('option', { value: '' }, 'Any way'),
    ...Object.entries(END_REASONS).map(([value, label]) => el('option', { value }, label)));
  private readonly visitor = el('input', { id: uid('past-visitor'), type: 'text', autocomplete: 'off', spellcheck: false });
  private readonly day = el('input', { id: uid('past-day'), type: 'date' });
  private readonly rows = el('tbody');
  private readonly table: HTMLTableElement;
  private readonly status = el('p', { class: 'muted', role: 'status' });
  private readonly more = el('button', { type: 'button', hidden: true }, 'Load more');
  private query: ChatSearchQuery = {};
  private cursor: string | null = null;
  private found = 0;
  private searched = false;
  /** Bumped by each new search: the answer to an older one is dropped. */
  private generation = 0;

  constructor(private readonly client: AgentPort, private readonly agents: () => { id: string; name: string }[], private readonly open: (chatId: string, visitorName: string) => void) {
    this.state.value = 'ended';
    this.fillAgents();
    // The org's agents come with the overview: the list is filled again whenever it is about to be used.
    this.agent.addEventListener('focus', () => this.fillAgents());
    const field = (label: string, control: HTMLElement) => el('div', { class: 'field' }, el('label', { for: control.id }, label), control);
    const form = el('form', { class: 'past-search', role: 'search', 'aria-label': 'Search past chats' },
      field('State', this.state), field('Agent', this.agent), field('How it ended', this.reason), field('Visitor id', this.visitor), field('Day', this.day),
      el('button', { type: 'submit', class: 'primary' }, 'Search'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.search();
    });
    this.more.addEventListener('click', () => void this.load());
    this.table = el('table', { class: 'grid past-chats', hidden: true },
      el('thead', {}, el('tr', {}, ...['Started', 'Visitor', 'State', 'Agent', 'How it ended'].map((h) => el('th', { scope: 'col' }, h)),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
      this.rows);
    this.element = el('section', { class: 'past', 'aria-labelledby': 'past-title' },
      el('h3', { id: 'past-title' }, 'Past chats'), form, this.status, this.table, this.more);
  }

  /** Searches with the form's defaults the first time the view is shown. */
  showFirst(): void {
    if (!this.searched) void this.search();
  }

  /** A new search from the form's filters, from the newest chat. */
  async search(): Promise<void> {
    this.searched = true;
    this.generation += 1;
    this.query = this.filters();
    this.cursor = null;
    this.found = 0;
    this.rows.replaceChildren();
    await this.load();
  }

  private filters(): ChatSearchQuery {
    const q: ChatSearchQuery = { limit: PAGE };
    const state = this.state.value;
    if (state === 'waiting' || state === 'offered' || state === 'established' || state === 'ended') q.state = state;
    if (this.agent.value) q.agentId = this.agent.value;
    if (this.reason.value) q.endReason = this.reason.value;
    const visitor = this.visitor.value.trim();
    if (visitor) q.visitorId = visitor;
    // The day in this browser's time zone: from its midnight to the next.
    const [y, m, d] = this.day.value.split('-').map(Number);
    if (y && m && d) {
      q.createdFrom = new Date(y, m - 1, d).getTime();
      q.createdTo = new Date(y, m - 1, d + 1).getTime();
    }
    return q;
  }

  /** The next page(s) of the current search, appended. */
  private async load(): Promise<void> {
    const generation = this.generation;
    const hadFocus = document.activeElement === this.more;
    const before = this.found;
    this.more.disabled = true;
    this.status.textContent = 'Searching…';
    try {
      for (let i = 0; i < EMPTY_PAGES_FOLLOWED; i++) {
        const page = await this.client.searchChats({ ...this.query, ...(this.cursor ? { cursor: this.cursor } : {}) });
        if (generation !== this.generation) return;
        for (const c of page.chats) this.rows.append(this.row(c));
        this.found += page.chats.length;
        this.cursor = page.nextCursor;
        if (page.chats.length || !this.cursor) break;
      }
      this.status.textContent = this.found
        ? `${this.found} chat${this.found === 1 ? '' : 's'}${this.cursor ? ', more to load' : ''}`
        : this.cursor ? 'None found yet: load more to search further back.' : 'No chats match.';
    } catch (err) {
      if (generation !== this.generation) return;
      this.status.textContent = `Could not search: ${errorText(err)}`;
    }
    this.table.hidden = this.found === 0;
    this.more.hidden = !this.cursor;
    this.more.disabled = false;
    // The button that had the keyboard is gone (nothing more): the first chat it brought takes it.
    if (hadFocus && this.more.hidden) this.rows.rows[before]?.querySelector('button')?.focus();
  }

  /** The org's agents changed (a refreshed overview): the list follows, unless it is in use. */
  agentsChanged(): void {
    if (document.activeElement === this.agent) return;
    const now = JSON.stringify(this.agents().map((a) => [a.id, a.name]));
    if (now === this.agentList) return;
    this.fillAgents();
  }

  /** The agents the list was last filled with, to fill it again only when they change. */
  private agentList = '';

  private fillAgents(): void {
    this.agentList = JSON.stringify(this.agents().map((a) => [a.id, a.name]));
    const keep = this.agent.value;
    replaceChildren(this.agent, el('option', { value: '' }, 'Any agent'), ...this.agents().map((a) => el('option', { value: a.id }, a.name)));
    if (keep && [...this.agent.options].some((o) => o.value === keep)) this.agent.value = keep;
  }

  private row(c: ChatSearchResult): HTMLTableRowElement {
    const name = c.visitorName || 'Visitor';
    const started = formatDateTime(c.createdAt);
    const agent = c.agentId ? this.agents().find((a) => a.id === c.agentId)?.name ?? c.agentId : '—';
    const ended = c.endReason ? END_REASONS[c.endReason] ?? c.endReason : '—';
    return el('tr', { 'data-chat-id': c.chatId },
      el('td', {}, el('time', { datetime: new Date(c.createdAt).toISOString() }, started)),
      el('td', { title: c.visitorId }, name), el('td', {}, c.state), el('td', {}, agent), el('td', {}, ended),
      el('td', {}, el('button', { type: 'button', 'data-chat-id': c.chatId, onclick: () => this.open(c.chatId, c.visitorName), 'aria-label': `Open chat with ${name} of ${started} read-only` }, 'Open')));
  }
}
