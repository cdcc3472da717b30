/**
 * The supervisor's "Past chats": a search of the org's chats, running and past,
 * also those whose visitor session closed (GET /agent/v1/supervisor/chats), newest
 * first, by state, agent, how it ended, visitor id and day. Each opens in the
 * read-only chat view. Searched when asked (and once when first shown), not on
 * the overview's timer: a list that reorders under the pointer is no use.
 */
import type { AgentPort } from './agent-port.ts';
import { ChatListTable } from './chat-list-table.ts';
import { el, replaceChildren, uid } from './dom-builder.ts';
import type { ChatSearchQuery } from './wire-types.ts';

/** Chats per request. */
const PAGE = 25;
const STATES: [string, string][] = [['ended', 'Ended'], ['', 'Any state'], ['waiting', 'Waiting'], ['offered', 'Offered'], ['established', 'In progress']];
/** How a chat ended, in words (`endReason`); also the agent's own past chats (my-past-chats-view.ts). */
export const END_REASONS: Record<string, string> = {
  agent: 'Ended by the agent', client: 'Ended by the visitor', clientTimeout: 'Visitor left (timed out)', chasitorIdleTimeout: 'Visitor idle',
  Unavailable: 'No agent available', QueueFull: 'Queue full', EveryAgentPassed: 'Every agent passed',
  OutsideBusinessHours: 'Outside business hours', Blocked: 'Visitor blocked', ButtonRemoved: 'Button removed from the config',
};

export class PastChats {
  readonly element: HTMLElement;
  private readonly state = el('select', { id: uid('past-state') }, ...STATES.map(([value, label]) => el('option', { value }, label)));
  private readonly agent = el('select', { id: uid('past-agent') });
  private readonly reason = el('select', { id: uid('past-reason') }, el('option', { value: '' }, 'Any way'),
    ...Object.entries(END_REASONS).map(([value, label]) => el('option', { value }, label)));
  private readonly visitor = el('input', { id: uid('past-visitor'), type: 'text', autocomplete: 'off', spellcheck: false });
  private readonly day = el('input', { id: uid('past-day'), type: 'date' });
  private readonly list: ChatListTable;
  private query: ChatSearchQuery = {};
  private searched = false;

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
    this.list = new ChatListTable({
      className: 'past-chats',
      columns: ['State', 'Agent', 'How it ended'],
      fetch: (cursor) => this.client.searchChats({ ...this.query, ...(cursor ? { cursor } : {}) }),
      cells: (c) => [
        c.state,
        c.agentId ? this.agents().find((a) => a.id === c.agentId)?.name ?? c.agentId : '—',
        c.endReason ? END_REASONS[c.endReason] ?? c.endReason : '—',
      ],
      open: (c) => this.open(c.chatId, c.visitorName),
      openLabel: (name, started) => `Open chat with ${name} of ${started} read-only`,
      words: { loading: 'Searching…', noneYet: 'None found yet: load more to search further back.', none: 'No chats match.', failed: 'Could not search' },
    });
    this.element = el('section', { class: 'past', 'aria-labelledby': 'past-title' },
      el('h3', { id: 'past-title' }, 'Past chats'), form, this.list.status, this.list.table, this.list.more);
  }

  /** Searches with the form's defaults the first time the view is shown. */
  showFirst(): void {
    if (!this.searched) void this.search();
  }

  /** A new search from the form's filters, from the newest chat. */
  async search(): Promise<void> {
    this.searched = true;
    this.list.clear();
    this.query = this.filters();
    await this.list.load();
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
}
