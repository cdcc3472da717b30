/**
 * The logged-in console: presence bar, incoming offers, the agent's chats side
 * by side, and (supervisors) the supervisor view. Routes stream events to the
 * right chat; after a reconnect or a `resync` it reloads chats and transcripts,
 * which are keyed by offset, so nothing is lost and nothing shows twice.
 */
import { loadText } from './load-text.ts';
import type { AgentPort, ConnectionState, StreamHandlers } from './agent-port.ts';
import { alertHidden, notificationPermission, requestNotifications, unlockAudio } from './attention.ts';
import { ChatPanel, errorText, type PanelHost } from './chat-panel.ts';
import { LEFT } from './chat-standing.ts';
import { el, replaceChildren } from './dom-builder.ts';
import { openGoOfflineDialog } from './go-offline-dialog.ts';
import { OfferCard } from './offer-card.ts';
import { offerText } from './offer-text.ts';
import { myChatsLabel, noChatsText, pageTitle } from './my-chats-text.ts';
import { MyPastChatsView } from './my-past-chats-view.ts';
import { reassignTargets } from './reassign-targets.ts';
import { SupervisorView } from './supervisor-view.ts';
import { TeamView } from './team-view.ts';
import { sharePresence } from './tab-presence.ts';
import { autoAwayText } from './auto-away-text.ts';
import { Transfers } from './transfers.ts';
import { openMyQuickTextsDialog } from './my-quick-texts-dialog.ts';
import type { ChatEventWire, FlagEvent, OfferData, Presence, PublicUser, QuickText, ResyncSnapshot, Role } from './wire-types.ts';

/** The views the header switches between: the agent's live chats, their past chats, (supervisors) the supervisor's, (admins) the team. */
export type ConsoleView = 'chats' | 'past' | 'supervisor' | 'team';

/** What a page saved before a reload, shown again after it (ADR 0012, 0037, 0044). */
export interface RestoredState {
  presence: Presence;
  capacity: number;
  chats?: readonly string[];
  /** Chats a supervisor was monitoring, in order. */
  monitors?: readonly string[];
  view?: ConsoleView;
  /** Visitor messages not seen yet (shown again on "My chats" and in the title when another view comes back). */
  unread?: number;
  /** Unsent text of the agent's chats, by chat id: back in their message boxes. */
  drafts?: Readonly<Record<string, string>>;
}

const PRESENCES: Presence[] = ['online', 'away', 'offline'];
const CONNECTION_TEXT: Record<ConnectionState, string> = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Connection lost — reconnecting…', closed: 'Disconnected' };

export class ConsoleApp {
  readonly element: HTMLElement;
  private readonly offers = new Map<string, OfferCard>();
  private readonly panels = new Map<string, ChatPanel>();
  private readonly monitors = new Map<string, ChatPanel>();
  /** Chats the agent closed: late events must not reopen them. */
  private readonly closed = new Set<string>();
  private readonly offersList = el('div', { class: 'offers-list' });
  private readonly offersSection: HTMLElement;
  private readonly chatsArea = el('div', { class: 'chats' });
  private readonly emptyChats = el('p', { class: 'muted empty' }, noChatsText('offline'));
  private readonly agentView: HTMLElement;
  /** Supervisors and admins only; made and put away as the role changes ({@link applyRole}). */
  private supervisor: SupervisorView | undefined;
  private readonly myPast: MyPastChatsView;
  /** Admins only: the server refuses the admin routes to anyone else anyway. */
  private team: TeamView | undefined;
  private readonly main: HTMLElement;
  private readonly connection = el('span', { class: 'connection', role: 'status' }, 'Connecting…');
  private readonly loadOut = el('output', { class: 'load', 'aria-live': 'polite' });
  private readonly capacityInput: HTMLInputElement;
  private readonly radios = new Map<Presence, HTMLInputElement>();
  private readonly announcer = el('div', { class: 'sr-only', 'aria-live': 'assertive' });
  private readonly toast = el('p', { class: 'toast', role: 'status' });
  private readonly notifyButton = el('button', { type: 'button' });
  /** Who is logged in, shown in the top bar; kept up to date by {@link rename}. */
  private readonly whoami = el('p', { class: 'whoami' });
  private readonly viewButtons = new Map<ConsoleView, HTMLButtonElement>();
  /** The "My chats" button's count of visitor messages that came while another view was on screen. */
  private readonly unreadBadge = el('span', { class: 'unread', 'aria-hidden': 'true', hidden: true });
  private unread = 0;
  /** The page's own title, which the unread count goes before. */
  private readonly title = document.title;
  private presence: Presence = 'offline';
  private currentView: ConsoleView = 'chats';
  private capacity: number;
  /**
   * The presence shown is the server's (a `presence` event, our own change, a resync) or
   * another tab's that had it; until then 'offline' is only a placeholder.
   */
  private presenceKnown = false;
  /**
   * Presence changes of this tab still waiting for the server's answer. Meanwhile a `presence` event
   * (the one a new stream starts with, sent before the change) does not turn the switch back: the
   * answer, when it comes, sets it as the server has it.
   */
  private presenceChanges = 0;
  /** The agent chose Offline here (confirmed when it held chats); reset by any other presence. */
  private offlineByChoice = false;
  private leaveTabs: () => void = () => undefined;
  private unlisten: () => void = () => undefined;
  private wasOpen = false;
  private toastTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly host: PanelHost;
  /** The agent's quick texts (ADR 0047), loaded once per login or page load. */
  private quickTexts: readonly QuickText[] = [];
  private readonly transfers: Transfers;

  constructor(private readonly client: AgentPort, private readonly me: PublicUser) {
    this.capacity = me.capacity;
    this.whoami.textContent = `${me.name} (${me.role})`;
    this.capacityInput = el('input', { id: 'capacity', type: 'number', min: 1, max: 1000, value: me.capacity, class: 'capacity' });
    this.capacityInput.addEventListener('change', () => {
      // 0 means "unlimited" to the server (bots): an emptied or bad box is not a capacity.
      const value = Number(this.capacityInput.value);
      if (this.capacityInput.value.trim() === '' || !Number.isInteger(value) || value < 1 || value > 1000) {
        this.capacityInput.value = String(this.capacity);
        this.report('Capacity is a whole number from 1 to 1000');
        return;
      }
      void this.changePresence(this.presence, value);
    });
    this.host = {
      client, me,
      reassignTargets: (chatId) => {
        // The holder of an established chat only: one offered to an agent may be reassigned to them.
        const c = this.supervisor?.last?.chats.find((x) => x.chatId === chatId);
        return reassignTargets(this.supervisor?.last?.agents ?? [], c?.state === 'established' ? c.agentId : null, me.id);
      },
      close: (p) => this.closePanel(p),
      openTransfer: (p, opener) => void this.transfers.open(p, opener),
      openConference: (p, opener) => void this.transfers.openConference(p, opener),
      takeOver: (p) => void this.takeOver(p),
      wentOffline: () => this.offlineByChoice,
      report: (m) => this.report(m),
      visitorMessage: (p, text) => {
        alertHidden('message', `Message from ${p.heading.textContent ?? 'visitor'}`, text, p.chatId);
        if (p.mode === 'agent') this.noteUnread(p);
      },
      transferredTo: (target) => this.transfers.describe(target),
      quickTexts: () => this.quickTexts,
      manageQuickTexts: (done) => openMyQuickTextsDialog(client, (changed) => {
        if (changed) void this.loadQuickTexts();
        done();
      }),
    };
    this.transfers = new Transfers(client, me, { report: (m) => this.report(m), updateLoad: () => this.updateLoad(), panel: (id) => this.panels.get(id) });
    this.offersSection = el('section', { class: 'offers', 'aria-labelledby': 'offers-title', hidden: true },
      el('h2', { id: 'offers-title' }, 'Incoming offers'), this.offersList);
    this.agentView = el('section', { class: 'agent-view', 'aria-labelledby': 'chats-title' },
      el('h2', { id: 'chats-title', class: 'sr-only' }, 'My chats'), this.emptyChats, this.chatsArea);
    this.myPast = new MyPastChatsView(client, me);
    this.main = el('main', { id: 'main' }, el('h1', { class: 'sr-only' }, 'Agent console'), this.offersSection, this.agentView, this.myPast.element);
    this.element = el('div', { class: 'app' }, this.header(), this.main, this.toast, this.announcer);
    this.fitViewsToRole();
    this.updateLoad();
    this.updateNotifyButton();
  }

  /** Called before a logout reloads the page (the saved login must go first). */
  onLogout: () => void = () => undefined;

  /** Presence and capacity as set now (kept across a reload by main.ts). */
  get presenceState(): { presence: Presence; capacity: number } {
    return { presence: this.presence, capacity: this.capacity };
  }

  /**
   * The chats whose panels are on screen, in their order (kept across a reload by main.ts):
   * also those that left the agent or ended and that the agent has not closed yet.
   */
  get openChats(): string[] {
    return [...this.chatsArea.querySelectorAll<HTMLElement>('section.chat')].map((e) => e.dataset['chatId'] ?? '').filter(Boolean);
  }

  /** The chats a supervisor monitors, in their order, and the view on screen (kept across a reload: ADR 0044). */
  get openMonitors(): string[] {
    if (!this.supervisor) return [];
    return [...this.supervisor.monitors.querySelectorAll<HTMLElement>('section.chat')].map((e) => e.dataset['chatId'] ?? '').filter(Boolean);
  }

  get view(): ConsoleView {
    return this.currentView;
  }

  /** The "My chats" unread count (kept across a reload by main.ts). */
  get unreadCount(): number {
    return this.unread;
  }

  /** What the agent wrote in each chat and did not send, by chat id (kept across a reload by main.ts). */
  get drafts(): Record<string, string> {
    const drafts: Record<string, string> = {};
    for (const [chatId, panel] of this.panels) if (panel.draft.trim()) drafts[chatId] = panel.draft;
    return drafts;
  }

  /**
   * Connects the stream and shows the initial state. `restore` is what the page had
   * before it was reloaded: the presence, set again at once, so chats held within the
   * grace period stay with the agent; and the chats it showed, shown again as the server
   * has them now (a chat transferred, ended or taken says so, as it did: ADR 0037).
   */
  start(restore?: RestoredState): void {
    for (const chatId of new Set(restore?.chats)) this.addPanel(chatId, '', true).keepDraft(restore?.drafts?.[chatId] ?? '');
    // A supervisor's monitored chats, each read again: erased, no longer visible or failing says so (ADR 0044).
    if (this.supervisor) for (const chatId of new Set(restore?.monitors)) void this.openMonitor(chatId, '', true);
    if (restore?.view && (restore.view !== 'supervisor' || this.supervisor) && (restore.view !== 'team' || this.team)) this.showView(restore.view);
    // Still unseen: the agent was on another view (on My chats, the chats themselves show them).
    if (this.currentView !== 'chats' && restore?.unread) {
      this.unread = restore.unread;
      this.showUnread();
    }
    const handlers: StreamHandlers = {
      offer: (data, at) => this.onOffer(data, at),
      offerWithdrawn: (data) => this.onOfferWithdrawn(data.chatId, data.reason),
      presence: (status, capacity, at, name, role, reason) => {
        this.noteServerTime(at);
        this.presenceKnown = true;
        if (this.presenceChanges === 0) this.applyPresence(status, capacity);
        else {
          // Kept for a change that fails (the switch goes back to it), not shown over the agent's choice.
          this.presence = status;
          this.capacity = capacity;
        }
        if (name) this.rename(name);
        if (role) this.applyRole(role);
        // Said once, on the event of the change itself (a reload's presence carries no reason).
        if (reason) this.notice(autoAwayText(reason));
      },
      chatEvent: (chatId, e) => {
        this.noteServerTime(e.at);
        this.onChatEvent(chatId, e);
      },
      monitorEvent: (chatId, e) => {
        this.monitors.get(chatId)?.ingest(e, true);
        this.supervisor?.nudge();
      },
      flag: (data) => void this.onFlag(data),
      offlineMessage: (m) => this.supervisor?.offline.arrived(m),
      resync: (snapshot, reason) => void this.onResync(snapshot, reason),
      connection: (state) => this.onConnection(state),
    };
    this.client.connect(handlers);
    // The server sends the presence on connect; another tab of ours may know it sooner.
    this.leaveTabs = sharePresence(this.me.id, () => (this.presenceKnown ? this.presenceState : undefined), (state) => {
      if (this.presenceKnown) return;
      this.presenceKnown = true;
      this.applyPresence(state.presence, state.capacity);
    });
    // A socket can survive a network change half-dead: when the browser says the
    // network is back, reconnect at once (the stream resumes from its last event id).
    const offline = (): void => {
      this.connection.textContent = 'Offline — waiting for the network…';
      this.connection.dataset['state'] = 'closed';
    };
    const online = (): void => {
      this.onConnection('reconnecting');
      this.client.reconnect();
    };
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    this.unlisten = () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
    };
    if (restore && restore.presence !== 'offline') void this.changePresence(restore.presence, restore.capacity);
    void this.reloadChats();
    void this.loadQuickTexts();
  }

  /**
   * The quick texts, once per login or page load, and again after the agent changed its own
   * (ADR 0059; the org's change with the config file or an admin: the next login or reload shows
   * them). Failing leaves the list empty and says so: chats work without it.
   */
  private async loadQuickTexts(): Promise<void> {
    try {
      this.quickTexts = await this.client.quickTexts();
    } catch (err) {
      this.report(`Quick texts not loaded (reload the page to try again): ${errorText(err)}`);
      return;
    }
    for (const panel of this.panels.values()) panel.setQuickTexts(this.quickTexts);
  }

  private header(): HTMLElement {
    const presence = el('fieldset', { class: 'presence-switch' }, el('legend', {}, 'Presence'),
      ...PRESENCES.map((p) => {
        const radio = el('input', { type: 'radio', name: 'presence', id: `presence-${p}`, value: p, checked: p === this.presence });
        radio.addEventListener('change', () => { if (radio.checked) this.choosePresence(p, radio); });
        this.radios.set(p, radio);
        return el('label', { for: `presence-${p}`, class: `presence-option ${p}` }, radio, ` ${p[0]!.toUpperCase()}${p.slice(1)}`);
      }));
    const nav = el('nav', { 'aria-label': 'Views', class: 'views' }, this.viewButton('chats', 'My chats'), this.viewButton('past', 'My past chats'),
      this.viewButton('supervisor', 'Supervisor'), this.viewButton('team', 'Team'));
    this.notifyButton.addEventListener('click', () => {
      unlockAudio();
      void requestNotifications().then(() => this.updateNotifyButton());
    });
    return el('header', { class: 'topbar' },
      el('p', { class: 'brand' }, 'Switchboard'),
      this.whoami,
      presence,
      el('div', { class: 'capacity-box' }, el('label', { for: 'capacity' }, 'Capacity'), this.capacityInput, this.loadOut),
      this.connection,
      nav,
      this.notifyButton,
      el('button', { type: 'button', onclick: () => void this.logout() }, 'Log out'));
  }

  private viewButton(view: ConsoleView, label: string): HTMLButtonElement {
    const b = el('button', { type: 'button', 'aria-pressed': view === 'chats' ? 'true' : 'false', onclick: () => this.showView(view) }, label, view === 'chats' ? this.unreadBadge : null);
    this.viewButtons.set(view, b);
    return b;
  }

  /**
   * A visitor wrote in one of the agent's chats. On another view nothing else shows it (the chat's
   * log is hidden, and silent): counted on the "My chats" button and in the title, and told once,
   * politely. On My chats the chat's own log tells it.
   */
  private noteUnread(panel: ChatPanel): void {
    if (this.currentView === 'chats') return;
    this.unread += 1;
    this.showUnread();
    this.report(`New message from ${panel.heading.textContent || 'a visitor'} in My chats`);
  }

  private showUnread(): void {
    const button = this.viewButtons.get('chats')!;
    button.setAttribute('aria-label', myChatsLabel(this.unread));
    this.unreadBadge.textContent = String(this.unread);
    this.unreadBadge.hidden = this.unread === 0;
    document.title = pageTitle(this.title, this.unread);
  }

  private showView(view: ConsoleView): void {
    this.currentView = view;
    for (const [v, b] of this.viewButtons) b.setAttribute('aria-pressed', String(v === view));
    this.agentView.hidden = view !== 'chats';
    this.myPast.show(view === 'past');
    this.supervisor?.show(view === 'supervisor');
    this.team?.show(view === 'team');
    if (view === 'chats' && this.unread > 0) {
      this.unread = 0;
      this.showUnread();
    }
  }

  private updateNotifyButton(): void {
    const p = notificationPermission();
    this.notifyButton.hidden = p === 'unsupported';
    this.notifyButton.textContent = p === 'granted' ? 'Notifications on' : p === 'denied' ? 'Notifications blocked' : 'Enable notifications';
    this.notifyButton.disabled = p !== 'default';
  }

  /** Chats the agent holds now (not ended, not left, not a conference it only joined). */
  private heldChats(): number {
    return [...this.panels.values()].filter((p) => !p.isEnded && !p.isRestoring && !p.isParticipant).length;
  }

  /**
   * The agent picked a presence on the switch. Offline while holding chats hands them all back to
   * the queue: asked first (Away, which keeps them, is not).
   */
  private choosePresence(status: Presence, radio: HTMLInputElement): void {
    const held = this.heldChats();
    if (status !== 'offline' || held === 0) {
      void this.changePresence(status);
      return;
    }
    openGoOfflineDialog(held, radio, async () => {
      this.offlineByChoice = true;
      const failure = await this.changePresence('offline');
      if (failure !== null) {
        this.offlineByChoice = false;
        throw new Error(failure);
      }
    }, () => {
      // Cancelled: the switch shows the presence kept, and the keyboard is on it.
      this.applyPresence(this.presence, this.capacity);
      this.radios.get(this.presence)?.focus();
    });
  }

  /**
   * `restoring`: the presence is set again after the server restarted, and the agent is told so.
   * Resolves to null once the server took it, or to what went wrong (said in the toast too).
   */
  private async changePresence(status: Presence, capacity?: number, restoring = false): Promise<string | null> {
    unlockAudio();
    this.presenceChanges += 1;
    try {
      const state = await this.client.setPresence(status, capacity);
      this.presenceKnown = true;
      this.applyPresence(state.status, state.capacity);
      this.report(restoring ? `The server restarted: you are ${state.status} again` : `You are ${state.status}`);
      return null;
    } catch (err) {
      this.applyPresence(this.presence, this.capacity);
      this.report(restoring ? `The server restarted and set you ${this.presence}; going ${status} again failed: ${errorText(err)}` : `Could not change presence: ${errorText(err)}`);
      return errorText(err);
    } finally {
      this.presenceChanges -= 1;
    }
  }

  /**
   * The role as the server has it now (an admin changed it: the `presence` event says so). The
   * server answers by the new role at once, so the views follow without a reload: a promoted agent
   * gets the supervisor's (and an admin's team) view, a demoted one loses them, with the chats it
   * monitored (the server sends their events no more) and, if one of them was on screen, back to
   * the agent's chats.
   */
  private applyRole(role: Role): void {
    if (role === this.me.role) return;
    const was = this.me.role;
    this.me.role = role;
    this.whoami.textContent = `${this.me.name} (${role})`;
    this.fitViewsToRole();
    this.report(`An admin changed your role from ${was} to ${role}`);
  }

  /** Makes or puts away the supervisor's and the team views and their buttons, for `me.role`. */
  private fitViewsToRole(): void {
    const supervises = this.me.role === 'supervisor' || this.me.role === 'admin';
    if (supervises && !this.supervisor) {
      this.supervisor = new SupervisorView(this.client, (id, name) => void this.openMonitor(id, name), (text) => this.announce(text));
      this.myPast.element.after(this.supervisor.element);
    } else if (!supervises && this.supervisor) {
      this.supervisor.stop();
      this.supervisor.element.remove();
      this.supervisor = undefined;
      this.monitors.clear();
    }
    if (this.me.role === 'admin' && !this.team) {
      this.team = new TeamView(this.client, this.me);
      this.main.append(this.team.element);
    } else if (this.me.role !== 'admin' && this.team) {
      this.team.element.remove();
      this.team = undefined;
    }
    this.viewButtons.get('supervisor')!.hidden = !this.supervisor;
    this.viewButtons.get('team')!.hidden = !this.team;
    if ((this.currentView === 'supervisor' && !this.supervisor) || (this.currentView === 'team' && !this.team)) this.showView('chats');
  }

  /**
   * The agent's name as the server has it now (an admin renamed it). Changed on the one `me` the
   * views share, so the next quick text fills `{{agent.name}}` with it; a text already inserted
   * stays as the agent may have edited it.
   */
  private rename(name: string): void {
    if (name === this.me.name) return;
    this.me.name = name;
    this.whoami.textContent = `${name} (${this.me.role})`;
  }

  private applyPresence(status: Presence, capacity: number): void {
    if (status !== 'offline') this.offlineByChoice = false;
    this.presence = status;
    this.capacity = capacity;
    for (const [p, r] of this.radios) r.checked = p === status;
    this.emptyChats.textContent = noChatsText(status);
    if (document.activeElement !== this.capacityInput) this.capacityInput.value = String(capacity);
    this.updateLoad();
  }

  /** Load as the server counts it: open offers plus chats held. */
  private updateLoad(): void {
    this.emptyChats.hidden = this.panels.size > 0;
    this.offersSection.hidden = this.offers.size === 0;
    // The load is a live region: written once the current step is done (an accept drops the offer,
    // then opens the chat: 1, not 0 and 1 again), and only when it changed (every chat event
    // comes here, and the same words written again are read again).
    if (this.loadPending) return;
    this.loadPending = true;
    queueMicrotask(() => {
      this.loadPending = false;
      const held = [...this.panels.values()].filter((p) => !p.isEnded && !p.isRestoring).length;
      const text = `Load ${loadText(held + this.offers.size, this.capacity)}`;
      if (this.loadOut.textContent !== text) this.loadOut.textContent = text;
    });
  }

  private loadPending = false;

  /**
   * How far our clock is ahead of the server's: the smallest `now - at` seen over
   * stream events. A live event gives clock difference plus delivery time; a
   * replayed one (after an outage) gives more, so it never lengthens a countdown.
   */
  private clockOffset = Number.POSITIVE_INFINITY;

  private noteServerTime(at: number): void {
    if (Number.isFinite(at)) this.clockOffset = Math.min(this.clockOffset, Date.now() - at);
  }

  private onOffer(data: OfferData, at: number): void {
    this.noteServerTime(at);
    // A chat shown as ours is not offered to us: a stale offer. One still loading after a reload
    // may be (transferred back to us meanwhile): the panel shows how it left, the card the offer.
    const shown = this.panels.get(data.chatId);
    if (this.offers.has(data.chatId) || (shown && !shown.isEnded && !shown.isRestoring)) return;
    const offset = Number.isFinite(this.clockOffset) ? this.clockOffset : 0;
    const card = new OfferCard(data, offset, { accept: (c) => void this.accept(c), decline: (c) => void this.decline(c) });
    this.offers.set(data.chatId, card);
    this.offersList.append(card.element);
    this.updateLoad();
    const text = offerText(data);
    this.announce(text.announcement);
    alertHidden('offer', text.notification, 'Open the console to accept', data.chatId);
  }

  private onOfferWithdrawn(chatId: string, reason: string | undefined): void {
    const card = this.offers.get(chatId);
    // Our own accept or decline in flight: the server withdraws the offer from every
    // connection, this one too, before it replies; accept()/decline() deal with the card.
    if (card && this.answering.has(chatId)) return;
    if (card) {
      const hadFocus = card.element.contains(document.activeElement);
      card.dispose();
      this.offers.delete(chatId);
      const who = card.offer.visitorName || 'a visitor';
      this.announce(reason === 'accepted' ? `Offer from ${who} accepted in another window` : reason === 'ChatEnded' ? `${who} left before the chat started` : `Offer from ${who} withdrawn`);
      // `accepted`: taken in another tab of ours. The chat is ours: its panel opens now, with the
      // card's going (its events would open it a moment later, the load said 0 in between).
      if (reason === 'accepted') void this.openPanel(chatId, card.offer.visitorName ?? '', false);
      if (hadFocus) this.nextFocus();
    } else {
      // Vague: the chat's own event (ChatReassigned: taken over, or to whom) follows and says more.
      this.panels.get(chatId)?.detach(reason === 'reassigned' ? LEFT.reassigned : 'Withdrawn', undefined, true);
    }
    this.updateLoad();
  }

  /** Offers this console is accepting or declining right now. */
  private readonly answering = new Set<string>();

  private async accept(card: OfferCard): Promise<void> {
    const hadFocus = card.element.contains(document.activeElement);
    card.setBusy(true);
    this.answering.add(card.chatId);
    try {
      await this.client.accept(card.chatId);
      this.dropOffer(card);
      await this.openPanel(card.chatId, card.offer.visitorName ?? '', true);
    } catch (err) {
      this.dropOffer(card, hadFocus);
      // What failed may be the answer, not the accept: a connection that dies after the server
      // took it (the browser may even send the POST again, and that copy gets 409). The chat's
      // ChatEstablished came while the card was up and was left to us: ask whose chat it is.
      if (await this.holds(card.chatId)) await this.openPanel(card.chatId, card.offer.visitorName ?? '', hadFocus);
      else this.report(`Could not accept: ${errorText(err)}`);
    } finally {
      this.answering.delete(card.chatId);
    }
  }

  /** The server has the chat established with this agent (false when it cannot be asked now). */
  private async holds(chatId: string): Promise<boolean> {
    try {
      const { chat } = await this.client.chat(chatId);
      return chat.agentId === this.me.id && chat.state === 'established';
    } catch {
      // Unreachable: the stream is likely down too, and the chat reload after its reconnect finds the chat.
      return false;
    }
  }

  private async decline(card: OfferCard): Promise<void> {
    // Taken before the buttons are disabled (a disabled button loses the focus).
    const hadFocus = card.element.contains(document.activeElement);
    card.setBusy(true);
    this.answering.add(card.chatId);
    try {
      await this.client.decline(card.chatId, 'declined');
    } catch (err) {
      this.report(`Could not decline: ${errorText(err)}`);
    }
    this.answering.delete(card.chatId);
    this.dropOffer(card, hadFocus);
  }

  private dropOffer(card: OfferCard, focused?: boolean): void {
    const hadFocus = focused ?? card.element.contains(document.activeElement);
    card.dispose();
    this.offers.delete(card.chatId);
    this.updateLoad();
    if (hadFocus) this.nextFocus();
  }

  private nextFocus(): void {
    // Last resort a visible element (a focus ring on a screen-reader-only heading shows nothing).
    const fallback = this.emptyChats.hidden ? document.getElementById('chats-title') : this.emptyChats;
    const target = this.offersList.querySelector<HTMLButtonElement>('button') ?? this.chatsArea.querySelector<HTMLElement>('textarea') ?? fallback;
    if (target === fallback) target?.setAttribute('tabindex', '-1');
    target?.focus();
  }

  private async openPanel(chatId: string, visitorName: string, focus: boolean): Promise<ChatPanel> {
    this.closed.delete(chatId);
    let panel = this.panels.get(chatId);
    if (!panel || panel.isEnded) panel = this.addPanel(chatId, visitorName, false);
    // A chat accepted from another view (past chats, supervisor): its panel is where the agent goes.
    if (focus) this.showView('chats');
    if (focus) panel.focusComposer();
    try {
      await panel.reload();
    } catch (err) {
      this.report(`Could not load the chat: ${errorText(err)}`);
    }
    this.updateLoad();
    return panel;
  }

  /** A new panel at the end of the chats (in place of an ended one of the same chat); `restoring`: see ChatPanel. */
  private addPanel(chatId: string, visitorName: string, restoring: boolean): ChatPanel {
    this.panels.get(chatId)?.element.remove();
    const panel = new ChatPanel(chatId, 'agent', visitorName, this.host, restoring);
    this.panels.set(chatId, panel);
    this.chatsArea.append(panel.element);
    this.updateLoad();
    return panel;
  }

  private onChatEvent(chatId: string, e: ChatEventWire): void {
    const panel = this.panels.get(chatId);
    // Accepting: the stream can beat the accept reply; the accept opens the panel and loads the transcript.
    if (!panel && this.offers.has(chatId)) return;
    const toMe = e.type === 'ChatTransferred' || e.type === 'ChatEstablished';
    if (panel && !(panel.isEnded && toMe)) {
      panel.ingest(e, true);
      this.transfers.heard(chatId, e);
    } else if (!this.closed.has(chatId) || toMe || e.type === 'TransferFailed') {
      // A chat we do not show yet (reassigned to us, or after a reload), or one closed after
      // transferring it that came back when the transfer failed: open it.
      void this.openPanel(chatId, String(e.data['visitorName'] ?? ''), false);
    }
    this.updateLoad();
  }

  private async reloadChats(): Promise<void> {
    // Before the panels reload: a panel whose transfer is in doubt would only learn "no longer
    // yours" there (the chat's details answer a former holder 409), not that it was transferred.
    // Meanwhile the names of the org's agents and buttons, which say where a transfer went.
    const names = this.transfers.loadNames();
    await this.transfers.settle();
    /** Chats this agent holds now whose panel went read-only: they came back while the stream missed it. */
    const returned = new Set<string>();
    try {
      const mine = (await this.client.chats()).filter((c) => c.agentId === this.me.id && (c.state === 'established'));
      for (const c of mine) {
        const panel = this.panels.get(c.chatId);
        if (!panel && !this.closed.has(c.chatId)) void this.openPanel(c.chatId, c.visitorName, false);
        else if (panel?.isDetached) returned.add(c.chatId);
      }
    } catch (err) {
      this.report(`Could not load chats: ${errorText(err)}`);
    }
    // A resync that could not replay (`too old`) or a reconnect skips the events that gave the
    // chat back (ChatTransferred, ChatReassigned): a read-only panel of a chat we hold asks the
    // server who holds it (reload() reattaches it), as a reload of the page would.
    // A panel whose transfer outcome is being read is left to that read.
    await names;
    await Promise.all([...this.panels.values(), ...this.monitors.values()].filter((p) => (!p.isEnded || returned.has(p.chatId)) && !this.transfers.checking(p.chatId))
      .map((p) => p.reload().catch(() => undefined)));
    this.updateLoad();
  }

  private async onResync(snapshot: ResyncSnapshot | undefined, reason: string): Promise<void> {
    const chosen = this.presenceState;
    if (snapshot) {
      this.presenceKnown = true;
      this.applyPresence(snapshot.presence, snapshot.capacity);
    }
    // The server keeps no human presence across a restart (docs/architecture.md): left as it is,
    // the agent would sit offline without knowing, the button offline and held chats at risk.
    // Set again what the agent had chosen, as after a reload of the page.
    const restarted = reason === 'epoch changed';
    if (restarted && chosen.presence !== 'offline' && (chosen.presence !== this.presence || chosen.capacity !== this.capacity)) {
      await this.changePresence(chosen.presence, chosen.capacity, true);
    }
    // Offers we show may be gone; the snapshot lists what is still offered to us.
    const offered = new Set((snapshot?.chats ?? []).filter((c) => c.state === 'offered' && c.agentId === this.me.id).map((c) => c.chatId));
    for (const card of [...this.offers.values()]) if (snapshot && !offered.has(card.chatId)) this.dropOffer(card);
    await this.reloadChats();
  }

  private onConnection(state: ConnectionState): void {
    // Written only when it changes: a status region rewritten with the same text is announced again.
    if (this.connection.dataset['state'] !== state) this.connection.textContent = CONNECTION_TEXT[state];
    this.connection.dataset['state'] = state;
    // Replay covers what the stream missed; reloading transcripts too costs little and catches any gap.
    if (state === 'open' && this.wasOpen) void this.reloadChats();
    if (state === 'open') this.wasOpen = true;
  }

  private closePanel(panel: ChatPanel): void {
    const map = panel.mode === 'agent' ? this.panels : this.monitors;
    map.delete(panel.chatId);
    if (panel.mode === 'agent') this.closed.add(panel.chatId);
    panel.element.remove();
    this.updateLoad();
    if (panel.mode === 'monitor' && this.supervisor) {
      // The supervisor view is the one on screen: its heading takes the focus.
      const heading = this.supervisor.element.querySelector<HTMLElement>('h2');
      heading?.setAttribute('tabindex', '-1');
      heading?.focus();
    } else {
      this.nextFocus();
    }
  }

  /** `restoring`: reopened after a reload (not focused; "Loading…" until read, see ChatPanel). */
  private async openMonitor(chatId: string, visitorName: string, restoring = false): Promise<void> {
    if (!this.supervisor) return;
    let panel = this.monitors.get(chatId);
    if (!panel) {
      panel = new ChatPanel(chatId, 'monitor', visitorName, this.host, restoring);
      this.monitors.set(chatId, panel);
      this.supervisor.monitors.append(panel.element);
    }
    if (!restoring) {
      panel.heading.setAttribute('tabindex', '-1');
      panel.heading.focus();
    }
    try {
      await panel.reload();
    } catch (err) {
      this.report(`Could not open the chat: ${errorText(err)}`);
    }
  }

  /**
   * A supervisor takes a monitored chat over. Offline (a supervisor's usual presence), the server
   * would drop the chat after the grace period, as of any offline agent holding one (docs/agent-api.md,
   * "Agent disconnect"): the supervisor is set Away first, which keeps the chat and brings no new
   * offers, and is told so.
   */
  private async takeOver(panel: ChatPanel): Promise<void> {
    const wasOffline = this.presence === 'offline';
    if (wasOffline && (await this.changePresence('away')) !== null) {
      this.report('Take over not done: you are offline, and going Away (to keep the chat) failed');
      return;
    }
    try {
      await this.client.takeover(panel.chatId);
    } catch (err) {
      this.report(`Take over failed: ${errorText(err)}`);
      return;
    }
    this.monitors.delete(panel.chatId);
    panel.element.remove();
    this.showView('chats');
    await this.openPanel(panel.chatId, panel.heading.textContent ?? '', true);
    this.report(wasOffline ? 'You took over the chat. You were offline, so you are now Away: the chat stays with you, and no new chats are offered to you' : 'You took over the chat');
  }

  private async logout(): Promise<void> {
    this.onLogout();
    this.leaveTabs();
    this.supervisor?.stop();
    // Not routable any more: no new offers for someone who left, and held chats go back to the
    // queue now instead of after the grace period.
    await this.client.setPresence('offline').catch(() => undefined);
    this.client.disconnect();
    await this.client.logout().catch(() => undefined);
    location.reload();
  }

  /**
   * Stops everything that would go on behind a login form (the server signed this login out):
   * the stream, its reconnects on a network change, the supervisor's polling, offer countdowns.
   */
  stop(): void {
    this.unlisten();
    this.leaveTabs();
    this.supervisor?.stop();
    this.client.disconnect();
    for (const card of this.offers.values()) card.dispose();
    this.offers.clear();
    if (this.toastTimer) clearTimeout(this.toastTimer);
    document.title = this.title;
  }

  /**
   * A chat's flag went up or down (ADR 0056). The holder's panel follows the chat's own events;
   * a supervisor is told of a flag another agent raised, as of an offer: said to screen readers,
   * in the toast, and, with the tab hidden, a notification and a beep. The supervisor view shows it.
   * The event names neither the agent nor the visitor: the overview does, read now if the supervisor
   * has not opened the Supervisor view yet (or the agent is new to it).
   */
  private async onFlag(data: FlagEvent): Promise<void> {
    this.supervisor?.nudge();
    const flag = data.flag;
    if (!data.raised || !flag || data.by === this.me.id) return;
    const named = (): boolean => this.supervisor?.last?.agents.some((a) => a.id === flag.raisedBy) === true;
    if (this.supervisor && !named()) await this.supervisor.refresh();
    const name = this.supervisor?.last?.agents.find((a) => a.id === flag.raisedBy)?.name ?? 'An agent';
    const visitor = this.supervisor?.last?.chats.find((c) => c.chatId === data.chatId)?.visitorName;
    this.notice(`${name} raised a flag${visitor ? ` in the chat with ${visitor}` : ''}: ${flag.message || 'no message'}`);
    alertHidden('message', `Flag raised by ${name}`, flag.message || 'Open the console to help', `flag-${data.chatId}`);
  }

  /** Shown in the toast, a polite live region: told when the agent is not busy. */
  report(message: string): void {
    this.showToast(message);
  }

  /**
   * What the agent must hear now (a flag raised, set away): told once, assertively, and shown in
   * the toast with its words hidden from screen readers there, which would read them a second time.
   */
  private notice(text: string): void {
    this.showToast(el('span', { 'aria-hidden': 'true' }, text));
    this.announce(text);
  }

  private showToast(content: string | Node): void {
    replaceChildren(this.toast, content);
    if (this.toastTimer) clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { this.toast.textContent = ''; }, 8000);
  }

  private announce(text: string): void {
    replaceChildren(this.announcer, text);
  }
}
