/**
 * The supervisor's view: queues with their waiting chats, agents with presence
 * and load, live chats, each of which opens read-only (monitor.event), and the
 * transfers in progress (who sent which chat where, for how long).
 * Refreshed from GET /agent/v1/supervisor/overview while visible. Below, the
 * org's past chats (past-chats.ts), which open read-only too.
 */
import { flaggedText } from './flag-control.ts';
import { loadText } from './load-text.ts';
import type { AgentPort } from './agent-port.ts';
import { bdi, el, formatDuration, replaceChildren } from './dom-builder.ts';
import { OfflineMessagesSection } from './offline-messages-section.ts';
import { PastChats } from './past-chats.ts';
import type { Overview, TransferTarget } from './wire-types.ts';

const REFRESH_MS = 2000;

export class SupervisorView {
  readonly element: HTMLElement;
  readonly monitors: HTMLElement;
  private readonly queues = el('div');
  private readonly agents = el('div');
  private readonly chats = el('div');
  private readonly transfers = el('div');
  private readonly updated = el('p', { class: 'muted' });
  private readonly past: PastChats;
  /** What visitors left while no one could chat (ADR 0063). */
  readonly offline: OfflineMessagesSection;
  private timer: ReturnType<typeof setInterval> | undefined;
  private soon: ReturnType<typeof setTimeout> | undefined;
  last: Overview | undefined;

  constructor(private readonly client: AgentPort, private readonly open: (chatId: string, visitorName: string) => void, say: (message: string) => void = () => undefined) {
    this.offline = new OfflineMessagesSection(client, say);
    this.monitors = el('div', { class: 'chats monitors', role: 'region', 'aria-label': 'Chats you are monitoring' });
    this.past = new PastChats(client, () => this.last?.agents ?? [], open);
    this.element = el('section', { class: 'supervisor', 'aria-labelledby': 'supervisor-title', hidden: true },
      el('h2', { id: 'supervisor-title' }, 'Supervisor'),
      this.updated,
      el('div', { class: 'grid3' },
        el('section', { 'aria-labelledby': 'queues-title' }, el('h3', { id: 'queues-title' }, 'Queues'), this.queues),
        el('section', { 'aria-labelledby': 'agents-title' }, el('h3', { id: 'agents-title' }, 'Agents'), this.agents),
        el('section', { 'aria-labelledby': 'live-title' }, el('h3', { id: 'live-title' }, 'Live chats'), this.chats),
        el('section', { 'aria-labelledby': 'transfers-title' }, el('h3', { id: 'transfers-title' }, 'Transfers in progress'), this.transfers)),
      this.monitors,
      this.offline.element,
      this.past.element);
  }

  show(visible: boolean): void {
    this.element.hidden = !visible;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // A refresh a burst of monitor events asked for is not wanted once the view is put away: after
    // a demotion (stop) the server answers it 403, and the view is gone.
    if (this.soon) clearTimeout(this.soon);
    this.soon = undefined;
    if (!visible) return;
    // The first search after the first overview: its rows name the agents the overview lists.
    // Not if the view was put away meanwhile (a demotion: the search is supervisors' only).
    void this.refresh().then(() => { if (!this.element.hidden) this.past.showFirst(); });
    void this.offline.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  /** Refreshes soon (coalesces bursts of monitor events). */
  nudge(): void {
    if (this.element.hidden || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.refresh();
    }, 300);
  }

  /** Puts the view away for good (logout, a demotion): no refresh is left running or pending. */
  stop(): void {
    this.show(false);
  }

  async refresh(): Promise<void> {
    let o: Overview;
    try {
      o = await this.client.overview();
    } catch (err) {
      this.updated.textContent = `Could not refresh: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    this.last = o;
    this.past.agentsChanged();
    const names = new Map(o.agents.map((a) => [a.id, a.name]));
    this.updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    const waiting = o.queues.flatMap((q) => q.waiting.map((w) => ({ ...w, queue: q.name })));
    this.render(this.queues, waiting.map((w) => [w.queue, w.visitorName, formatDuration(w.waitingMs)]), () => (waiting.length
      ? table(['Queue', 'Visitor', 'Waiting'], waiting.map((w) => [w.queue, bdi(w.visitorName), formatDuration(w.waitingMs)]), 'queues')
      : el('p', { class: 'muted' }, 'No one is waiting.')));
    this.render(this.agents, o.agents.map((a) => [a.name, a.presence, a.load, a.capacity]), () => table(['Agent', 'Presence', 'Load'], o.agents.map((a) => [
      a.name, el('span', { class: `presence ${a.presence}` }, a.presence), loadText(a.load, a.capacity),
    ]), 'agents'));
    // Flagged chats first (ADR 0056): a flag asks for help now.
    const live = o.chats.filter((c) => c.state !== 'ended').sort((a, b) => (a.flag ? 0 : 1) - (b.flag ? 0 : 1));
    this.render(this.chats, live.map((c) => [c.chatId, c.visitorName, c.state, c.agentId, c.flag]), () => (live.length
      ? table(['Visitor', 'State', 'Agent', 'Flag', ''], live.map((c) => [
        bdi(c.visitorName), c.state, c.agentId ? names.get(c.agentId) ?? c.agentId : '—',
        c.flag ? this.flagCell(c.chatId, c.visitorName, c.flag.message) : '—',
        el('button', { type: 'button', 'data-chat-id': c.chatId, onclick: () => this.open(c.chatId, c.visitorName), 'aria-label': `Open chat with ${c.visitorName} read-only` }, 'Open'),
      ]), 'live-chats')
      : el('p', { class: 'muted' }, 'No live chats.')));
    // `since` is null for a transfer recorded before the server kept when it was asked for.
    const now = Date.now();
    const transfers = o.transfers.map((t) => [t.visitorName, names.get(t.from) ?? t.from, targetText(t.target, names), t.since === null ? '—' : formatDuration(now - t.since)]);
    this.render(this.transfers, transfers, () => (transfers.length
      ? table(['Visitor', 'From', 'To', 'For'], transfers.map(([visitor, ...rest]) => [bdi(visitor ?? ''), ...rest]), 'transfers')
      : el('p', { class: 'muted' }, 'No transfers in progress.')));
  }

  /** A flagged chat's cell: a flag sign and "Flagged: <message>" (not colour alone), and "Lower flag". */
  private flagCell(chatId: string, visitorName: string, message: string): HTMLElement {
    const lower = el('button', { type: 'button', 'data-chat-id': `flag-${chatId}`, 'aria-label': `Lower flag of the chat with ${visitorName}`, onclick: () => {
      this.client.lowerFlag(chatId).then(() => this.refresh(), (err: unknown) => {
        this.updated.textContent = `Could not lower the flag: ${err instanceof Error ? err.message : String(err)}`;
      });
    } }, 'Lower flag');
    return el('span', { class: 'flagged' }, el('span', { 'aria-hidden': 'true' }, '⚑ '), el('strong', {}, flaggedText(message)), ' ', lower);
  }

  /** What each section showed last: a refresh that changes nothing leaves the DOM (and focus, and screen readers) alone. */
  private readonly shown = new WeakMap<HTMLElement, string>();

  /**
   * Rebuilds one section when its content changed, keeping keyboard focus: a
   * focused Open button is focused again in the new table (the same chat), or,
   * if that chat is gone, the section's heading takes focus instead of <body>.
   */
  private render(section: HTMLElement, content: unknown, build: () => Node): void {
    const key = JSON.stringify(content);
    if (this.shown.get(section) === key) return;
    this.shown.set(section, key);
    const focused = document.activeElement instanceof HTMLElement && section.contains(document.activeElement) ? document.activeElement : null;
    const chatId = focused?.dataset['chatId'];
    replaceChildren(section, build());
    if (!focused) return;
    const again = chatId ? section.querySelector<HTMLElement>(`[data-chat-id="${CSS.escape(chatId)}"]`) : null;
    const heading = section.parentElement?.querySelector<HTMLElement>('h3');
    if (again) again.focus();
    else if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }
}

/** A transfer's target in words: the agent's name, or the skill or button. */
function targetText(target: TransferTarget, names: ReadonlyMap<string, string>): string {
  if (target.agentId) return names.get(target.agentId) ?? target.agentId;
  if (target.skill) return `skill ${target.skill}`;
  return `button ${target.buttonId ?? ''}`;
}

function table(head: string[], rows: (string | Node)[][], name: string): HTMLTableElement {
  return el('table', { class: `grid ${name}` },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, 'Actions'))))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))));
}
