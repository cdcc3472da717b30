/**
 * One chat in the console: header with actions, visitor details, transcript,
 * the visitor's typing and sneak peek, and either the composer (the agent's
 * own chat) or the supervisor's controls (a chat opened read-only).
 */
import { AgentsTyping } from './agents-typing.ts';
import { openBlockVisitorDialog } from './block-visitor-dialog.ts';
import type { AgentPort } from './agent-port.ts';
import { ENDED, ENDING_EVENTS, endedLabel, LEFT, reassignedAway, standing, transferTarget } from './chat-standing.ts';
import { el, uid } from './dom-builder.ts';
import { downloadChatFile } from './file-download.ts';
import { FileRequestControl } from './file-request-control.ts';
import { QuickTextPicker } from './quick-text-picker.ts';
import { reassignFailure } from './reassign-targets.ts';
import { FlagControl } from './flag-control.ts';
import { fillPlaceholders, insertText, opensPicker } from './quick-text-rules.ts';
import { TranscriptView } from './transcript-view.ts';
import { VisitorDetails } from './visitor-details.ts';
import type { ChatDetails, ChatEventWire, ChatSummary, PublicUser, QuickText, TransferTarget } from './wire-types.ts';

/** How long after the last keystroke "typing" turns off. */
const TYPING_IDLE_MS = 1500;

export type PanelMode = 'agent' | 'monitor';

export interface PanelHost {
  client: AgentPort;
  me: PublicUser;
  /** Agents a supervisor can reassign this chat to, labelled (empty for agents; see reassign-targets.ts). */
  reassignTargets(chatId: string): { id: string; name: string }[];
  close(panel: ChatPanel): void;
  openTransfer(panel: ChatPanel, opener: HTMLElement): void;
  /** Opens the "Invite to conference" dialog (the chat's holder only). */
  openConference(panel: ChatPanel, opener: HTMLElement): void;
  /** A supervisor's "Take over" of a monitored chat: the host makes sure the chat stays (presence) and moves the panel. */
  takeOver(panel: ChatPanel): void;
  /** The agent chose Offline in this console (and is offline still): a chat requeued now went by that choice. */
  wentOffline(): boolean;
  report(message: string): void;
  /** A visitor message arrived live (for notifications). */
  visitorMessage(panel: ChatPanel, text: string): void;
  /** Where a transfer went, in words ("to Blair Agent"). */
  transferredTo(target: TransferTarget): string;
  /** The quick texts the agent may use, as loaded after login (empty until then, or when there are none). */
  quickTexts(): readonly QuickText[];
  /** "My quick texts…" (ADR 0059): the agent's own, in a dialog; `done` once it closed (the keyboard goes back). */
  manageQuickTexts(done: () => void): void;
}

export class ChatPanel {
  readonly element: HTMLElement;
  readonly transcript: TranscriptView;
  private readonly details = new VisitorDetails();
  private readonly status: HTMLElement;
  /** Where the chat went, next to the badge (a transfer's target). */
  private readonly where: HTMLElement;
  private readonly actions: HTMLElement;
  private readonly peek: HTMLElement;
  private readonly footer: HTMLElement;
  private readonly title: HTMLElement;
  private composer: HTMLTextAreaElement | undefined;
  /** "Request file" / "Cancel file request" (agent panels only); kept across re-rendered headers. */
  private readonly files: FileRequestControl | undefined;
  /** "Raise flag…" / "Lower flag" and the flag's text (agent panels only, ADR 0056); kept across re-rendered headers. */
  private readonly flag: FlagControl | undefined;
  /** "<name> is typing…": the other agents of a conference, or in a monitor the chat's agents (ADR 0051). */
  private readonly agentsTyping: AgentsTyping;
  /** The composer's quick text control (agent panels only); kept across re-rendered composers. */
  private readonly picker: QuickTextPicker | undefined;
  /** What the agent wrote and did not send when the composer went (see renderControls). */
  private unsent = '';
  private typingSent = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private visitorTyping = false;
  private sneakPeek = '';
  private ended = false;
  /** This agent is in the chat as a conference participant, not its holder (ADR 0051). */
  private participant = false;
  private detached: string | null = null;
  /**
   * The detached reason is a guess ("No longer with you" from a 409, "Reassigned" from an
   * `offer.withdrawn` that comes before the chat's own event): a precise one replaces it.
   */
  private vague = false;
  /** The first read of a restored panel failed: what to say, next to a Retry (null: none). */
  private failure: string | null = null;
  /**
   * Reopened after a reload of the page: whose chat it is now is not known until the first
   * reload() has read it, and until then the panel offers nothing to do.
   */
  private restoring: boolean;
  /** A transcript read that fills gaps is running; `refill`: another gap showed meanwhile. */
  private filling = false;
  private refill = false;
  /** The lowest offset after which a gap showed that no read has filled yet (null: none). */
  private gapAfter: number | null = null;

  /** `restoring`: a panel the page showed before it was reloaded (see `restoring`). */
  constructor(readonly chatId: string, readonly mode: PanelMode, private visitorName: string, private readonly host: PanelHost, restoring = false) {
    this.restoring = restoring;
    const titleId = uid('chat-title');
    // dir=auto: the visitor's name, in its own direction and isolated (a right-to-left name, bidi controls).
    // h3: under the heading of the view it is in ("My chats", "Supervisor").
    this.title = el('h3', { id: titleId, dir: 'auto' }, visitorName || 'Visitor');
    this.status = el('span', { class: 'badge' }, restoring ? 'Loading…' : mode === 'monitor' ? 'Monitoring (read-only)' : 'Active');
    this.where = el('span', { class: 'where' });
    this.actions = el('div', { class: 'actions' });
    this.transcript = new TranscriptView(`Transcript with ${visitorName || 'visitor'}`, 
      (fileId, name, button) => void downloadChatFile(host.client, chatId, fileId, name, button, (m) => host.report(m)));
    this.peek = el('p', { class: 'peek', 'aria-label': 'What the visitor is typing' });
    this.footer = el('div', { class: 'chat-footer' });
    if (mode === 'agent') {
      this.flag = new FlagControl({ client: host.client, chatId, report: (m) => host.report(m) });
      this.files = new FileRequestControl({ client: host.client, chatId, report: (m) => host.report(m), refused: (err) => this.followRefusal(err) });
      this.picker = new QuickTextPicker({ choose: (q) => this.insertQuickText(q), returnFocus: () => this.composer?.focus(), typeSlash: () => this.insertIntoComposer('/'),
        manage: () => host.manageQuickTexts(() => this.composer?.focus()) });
      this.picker.setItems(host.quickTexts());
    }
    // Agent panels: the conference's other agents. A supervisor's monitor: the holder (and any
    // participant), as the supervisor watches them write (ADR 0051, note "typing in the monitor").
    this.agentsTyping = new AgentsTyping(host.me.id);
    this.element = el('section', { class: `chat ${mode}`, 'aria-labelledby': titleId, 'data-chat-id': chatId },
      el('header', { class: 'chat-header' }, el('div', {}, this.title, ' ', this.status, ' ', this.where), this.actions),
      this.details.element, this.transcript.element, this.peek, this.agentsTyping.element, this.footer);
    this.renderControls();
  }

  get isEnded(): boolean {
    return this.ended || this.detached !== null;
  }

  /** Reopened after a reload and not read yet: nobody knows yet whether the agent holds it. */
  get isRestoring(): boolean {
    return this.restoring;
  }

  /** The panel's heading: the visitor's name as shown, and where the keyboard can go to in the panel. */
  get heading(): HTMLElement {
    return this.title;
  }

  /** The visitor's name as shown, for messages about this chat. */
  get visitor(): string {
    return this.visitorName || 'The visitor';
  }

  /** In the chat as a conference participant: not the agent's to hand back to the queue. */
  get isParticipant(): boolean {
    return this.participant;
  }

  /** What the agent wrote and has not sent: in the message box, or kept read-only once the chat ended or left. */
  get draft(): string {
    return this.composer ? this.composer.value : this.unsent;
  }

  /**
   * Text the agent had written before the page was reloaded: back in the message box once the
   * first read shows the chat is still the agent's, or kept read-only, as unsent, when it is not.
   */
  keepDraft(text: string): void {
    if (!text) return;
    if (this.composer) this.composer.value = text;
    else this.unsent = text;
  }

  /** Read-only because the chat left this agent (not because it ended): it may come back. */
  get isDetached(): boolean {
    return this.detached !== null && !this.ended;
  }

  /**
   * Loads details and the full transcript; safe to repeat (events dedupe by offset). The
   * transcript, which the agent may read also once the chat left it, says where the chat
   * stands: its `chat` whose it is now, its events how it left the agent (chat-standing.ts).
   * The details answer only the chat's holder (409 to a former one): without them the panel
   * shows the pre-chat data the transcript has.
   *
   * The first read is the chat's history, shown without being read aloud: the transcript is a
   * live log from then on (also when the read failed: what the stream brings next is news).
   */
  async reload(): Promise<void> {
    try {
      await this.read();
    } finally {
      this.transcript.goLive();
    }
  }

  private async read(): Promise<void> {
    let details: ChatDetails | null;
    let transcript: Awaited<ReturnType<AgentPort['transcript']>>;
    try {
      [details, transcript] = await Promise.all([
        this.host.client.chat(this.chatId).catch((err: unknown) => {
          if (this.mode === 'agent' && statusOf(err) === 409) return null;
          throw err;
        }),
        this.host.client.transcript(this.chatId),
      ]);
    } catch (err) {
      // 404: erased; 403: a chat this agent never held (an offer it did not take), or one a
      // supervisor may no longer see (a role changed). Nothing to show.
      const status = statusOf(err);
      if (this.mode === 'agent' && (status === 403 || status === 404 || status === 409)) {
        this.settle();
        this.detach(status === 404 ? LEFT.gone : LEFT.noLonger, undefined, status === 409);
        return;
      }
      if (this.mode === 'monitor' && (status === 403 || status === 404)) {
        this.settle();
        this.markEnded(status === 404 ? LEFT.gone : LEFT.noAccess);
        return;
      }
      // A panel reopened after a reload would otherwise say "Loading…" for good.
      if (this.restoring) this.fail(err);
      throw err;
    }
    const chat = transcript.chat;
    if (details) this.details.set(details);
    else this.details.setWithoutHolder(transcript.prechatDetails);
    if (chat.visitorName && chat.visitorName !== this.visitorName) {
      this.visitorName = chat.visitorName;
      this.title.textContent = this.visitorName;
      const label = this.footer.querySelector('label');
      if (label && this.composer) label.textContent = `Message to ${this.visitorName}`;
    }
    // Added without following them: the replay has, say, the agent's own TransferRequested of a
    // chat that came back since (a declined transfer), or the end of a chat long transferred.
    for (const e of transcript.events) this.record(e, false);
    this.settle();
    this.follow(chat);
    this.renderPeek();
  }

  /**
   * Brings the panel in line with where a read found the chat (`chat`, the transcript's summary)
   * and what the panel has of its events: after a full read, and after a gap-filling one,
   * which may be the only news of a transfer or an end the stream missed.
   */
  private follow(chat: Pick<ChatSummary, 'state' | 'agentId'> & Partial<Pick<ChatSummary, 'participants'>>): void {
    const events = this.transcript.eventsAfter(-1);
    if (this.mode === 'monitor') {
      const end = [...events].reverse().find((e) => ENDING_EVENTS.has(e.type));
      if (chat.state === 'ended') this.markEnded(end ? endedLabel(end, false, this.host.me.id) : ENDED.unknown);
      return;
    }
    // In another agent's chat as a conference participant: active, with what a participant may do.
    if (chat.state === 'established' && (chat as Partial<ChatSummary>).participants?.includes(this.host.me.id)) {
      this.joinConference();
      return;
    }
    if (this.participant) {
      this.participant = false;
      if (chat.state !== 'ended') this.detach(LEFT.leftConference);
    }
    const now = standing(chat, events, this.host.me.id);
    if (now.kind === 'ended') this.markEnded(now.label);
    else if (now.kind === 'left') this.detach(now.label, now.to);
    else this.reattach(`${this.visitorName || 'The chat'} is with you again`);
  }

  /** The first read of a restored panel failed: say so, with a Retry, instead of "Loading…". */
  private fail(err: unknown): void {
    const shown = this.failure !== null;
    this.failure = `Could not load this chat: ${errorText(err)}`;
    this.status.textContent = this.failure;
    // Failing again (the stream's refresh reads every panel) keeps the Retry already there: a
    // new button would take the focus from a keyboard user about to press it.
    if (!shown) this.renderControls();
  }

  private retry(): void {
    this.failure = null;
    this.status.textContent = 'Loading…';
    this.renderControls();
    this.reload().catch((err: unknown) => this.host.report(`Could not load the chat: ${errorText(err)}`));
  }

  /** The first read of a panel reopened after a reload is in: its controls as the chat now has them. */
  private settle(): void {
    if (!this.restoring) return;
    this.restoring = false;
    this.failure = null;
    this.status.textContent = this.mode === 'monitor' ? 'Monitoring (read-only)' : 'Active';
    this.renderControls();
  }

  /** One event from the stream (`live`) or a transcript read that fills a gap or checks a transfer. */
  ingest(e: ChatEventWire, live: boolean): void {
    if (live && this.transcript.leavesGap(e.offset)) this.fillGaps(this.transcript.newest);
    if (!this.record(e, live)) return;
    // Whether the chat is ours changes with live events only; after a replay reload() asks the server.
    if (live) this.followHolder(e);
    if (ENDING_EVENTS.has(e.type)) this.followEnd(e, live);
    this.renderPeek();
  }

  /**
   * An ending event. Live (or for a supervisor's monitor) it ends the panel. Read later, it
   * is the agent's chat ending only if the chat was still the agent's then: one that left the
   * agent before (a transfer the read also has) ended with someone else, which the stream
   * would never have told this agent.
   */
  private followEnd(e: ChatEventWire, live: boolean): void {
    if (live || this.mode === 'monitor') {
      // A conference participant did not end it: the holder did ("Ended by the agent", as after a reload).
      this.markEnded(endedLabel(e, this.mode === 'agent' && !this.participant, this.host.me.id));
      return;
    }
    const then = standing({ state: 'ended', agentId: null }, this.transcript.eventsAfter(-1), this.host.me.id);
    if (then.kind === 'ended') this.markEnded(then.label);
  }

  /** Adds an event to the transcript and what it shows of the visitor; false when it was there already. */
  private record(e: ChatEventWire, live: boolean): boolean {
    if (!this.transcript.add(e)) return false;
    this.files?.observe(e);
    this.flag?.observe(e);
    this.agentsTyping.observe(e, live);
    switch (e.type) {
      case 'ChasitorTyping':
        if (live) this.visitorTyping = true;
        break;
      case 'ChasitorNotTyping':
        this.visitorTyping = false;
        break;
      case 'ChasitorSneakPeek':
        this.sneakPeek = typeof e.data['text'] === 'string' ? e.data['text'] : '';
        break;
      case 'ChasitorChatMessage':
        this.visitorTyping = false;
        this.sneakPeek = '';
        if (live) this.host.visitorMessage(this, String(e.data['text'] ?? ''));
        break;
      case 'NewVisitorBreadcrumb':
        this.details.addBreadcrumb(String(e.data['location'] ?? ''), e.at);
        break;
    }
    return true;
  }

  /**
   * Reads the transcript after `after` (the newest offset shown when a gap showed) and adds
   * what this view lacks, in offset order: only what follows the gap, not the whole chat
   * again. The stream does not echo an agent's own messages, so what the agent sent from
   * another tab (or device) shows here only this way; a jump in the chat's offsets says
   * something was missed.
   */
  private fillGaps(after: number): void {
    this.gapAfter = Math.min(this.gapAfter ?? after, after);
    if (this.filling) {
      this.refill = true;
      return;
    }
    const from = this.gapAfter;
    this.gapAfter = null;
    this.filling = true;
    this.host.client.transcript(this.chatId, from).then(
      (t) => {
        for (const e of t.events) this.ingest(e, false);
        // Where the chat stands, as of this read: not when a live event newer than it came meanwhile.
        const last = t.events.at(-1)?.offset;
        if (last !== undefined && last >= this.transcript.newest) this.follow(t.chat);
      },
      // Kept for the next gap (or the reload after a reconnect) to read again, from here.
      () => { this.gapAfter = Math.min(this.gapAfter ?? from, from); },
    ).finally(() => {
      this.filling = false;
      if (this.refill) {
        this.refill = false;
        this.fillGaps(this.gapAfter ?? from);
      }
    });
  }

  /** A live event that moves the chat away from this agent or back to it (the words: chat-standing.ts). */
  private followHolder(e: ChatEventWire): void {
    const me = this.host.me.id;
    if (this.participant) {
      // A participant's chat is someone else's: only its own leave (by itself, a drop, the chat moving) ends its part.
      if (e.type === 'AgentLeftConference' && e.data['agentId'] === me) {
        this.participant = false;
        this.detach(LEFT.leftConference);
      }
      return;
    }
    switch (e.type) {
      case 'AgentJoinedConference':
        if (e.data['agentId'] === me) this.joinConference();
        break;
      case 'TransferRequested':
        if (e.data['from'] === me) this.detach(LEFT.transferred, transferTarget(e.data));
        break;
      case 'TransferFailed':
        // The agent asked for declined or let it time out: the chat came back to us.
        this.reattach(`The transfer did not go through: ${this.visitorName || 'the chat'} is back with you`);
        break;
      case 'ChatTransferred':
      case 'ChatEstablished':
        if (e.data['userId'] === me) this.reattach(`${this.visitorName || 'The chat'} is with you again`);
        else this.detach(LEFT.anotherAgent);
        break;
      case 'ChatReassigned':
        if (e.data['to'] === me) this.reattach(`${this.visitorName || 'The chat'} is with you again`);
        else if (e.data['from'] === me) this.detach(...reassignedAway(e.data));
        break;
      case 'AgentDisconnect':
        // The server dropped us, or the agent chose Offline here: the chat went back to the queue.
        this.detach(this.host.wentOffline() ? LEFT.wentOffline : LEFT.disconnected);
        break;
    }
  }

  /** This agent joined the chat as a conference participant: active, the badge says so. */
  private joinConference(): void {
    if (this.ended || this.mode !== 'agent') return;
    const was = this.participant && !this.detached;
    this.participant = true;
    this.detached = null;
    this.vague = false;
    this.status.textContent = 'Conference (participant)';
    this.where.textContent = '';
    if (!was) this.renderControls();
  }

  private async leaveConference(): Promise<void> {
    try {
      await this.host.client.leaveConference(this.chatId);
      this.participant = false;
      this.detach(LEFT.leftConference);
    } catch (err) {
      this.host.report(`Could not leave the conference: ${errorText(err)}`);
    }
  }

  /** The chat is this agent's again (a failed transfer, transferred or reassigned back): active as before. */
  reattach(message: string): void {
    if (!this.detached || this.ended || this.mode !== 'agent') return;
    this.detached = null;
    this.vague = false;
    this.status.textContent = 'Active';
    this.where.textContent = '';
    this.renderControls();
    this.host.report(message);
  }

  /**
   * The chat left this agent (transfer, reassignment): read-only from now on. `to`: where a
   * transfer (or a supervisor) sent it. `vague`: a guess that a precise reason may replace.
   */
  detach(reason: string, to?: TransferTarget, vague = false): void {
    if ((this.detached && !this.vague) || this.ended || this.mode !== 'agent') return;
    if (this.detached && vague) return;
    this.detached = reason;
    this.vague = vague;
    this.status.textContent = reason;
    this.where.textContent = to ? this.host.transferredTo(to) : '';
    this.stopTyping();
    this.agentsTyping.clear();
    this.renderControls();
  }

  markEnded(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.visitorTyping = false;
    this.sneakPeek = '';
    this.status.textContent = reason;
    this.element.classList.add('ended');
    this.stopTyping();
    this.agentsTyping.clear();
    this.renderControls();
    this.renderPeek();
  }

  /** The quick texts loaded (after login, or again): the control shows them, or hides with none. */
  setQuickTexts(quickTexts: readonly QuickText[]): void {
    this.picker?.setItems(quickTexts);
  }

  /**
   * A quick text into the message box at the caret (in place of a selection), its placeholders
   * filled in: not sent, the agent edits and sends it. Plain text as the textarea's value.
   */
  private insertQuickText(q: QuickText): void {
    this.insertIntoComposer(fillPlaceholders(q.text, { visitorName: this.visitorName, agentName: this.host.me.name }));
  }

  /** `text` into the message box at the caret (in place of a selection), the keyboard back in it. */
  private insertIntoComposer(text: string): void {
    const box = this.composer;
    if (!box) return;
    const { value, caret } = insertText(box.value, box.selectionStart, box.selectionEnd, text, this.host.client.limits()?.maxMessageLength);
    box.value = value;
    box.focus();
    box.setSelectionRange(caret, caret);
    this.onInput(box.value);
  }

  focusComposer(): void {
    (this.composer ?? this.transcript.element).focus();
  }

  private renderPeek(): void {
    const typing = this.visitorTyping && !this.isEnded;
    const text = this.isEnded ? '' : this.sneakPeek;
    this.peek.replaceChildren();
    if (text) this.peek.append(el('span', { class: 'peek-label' }, 'Visitor is typing: '), el('q', { class: 'peek-text' }, text));
    else if (typing) this.peek.append(el('span', { class: 'peek-label' }, 'Visitor is typing…'));
    this.peek.hidden = !text && !typing;
  }

  /**
   * The panel's actions and footer as the chat stands now. What the agent was writing survives
   * them: back in a composer that is rebuilt, or, when the chat ended or left the agent while
   * the agent wrote, kept below the transcript, read-only to copy, and said to be unsent. The
   * keyboard stays in the panel: on the control it was on if that is still there, or the
   * composer, or the first action (Close, as after the agent's own End).
   */
  private renderControls(): void {
    const focused = this.element.contains(document.activeElement) ? document.activeElement as HTMLElement : null;
    const draft = this.composer?.value ?? '';
    if (draft.trim()) this.unsent = draft;
    this.buildControls();
    if (this.unsent && this.composer) {
      this.composer.value = this.unsent;
      this.unsent = '';
    } else if (this.unsent && !this.restoring) {
      // Restoring: the first read decides where a draft kept across a reload goes (composer or note).
      this.footer.append(this.unsentNote(this.unsent));
      if (draft.trim()) this.host.report(`What you were writing to ${this.visitor} was not sent; it is kept in the chat's panel to copy`);
    }
    if (focused && !this.element.contains(document.activeElement)) {
      const target = focused.isConnected && this.element.contains(focused) ? focused : this.composer ?? this.actions.querySelector<HTMLButtonElement>('button');
      target?.focus();
    }
  }

  /** A message the agent did not get to send, read-only (a textarea: it can be selected and copied). */
  private unsentNote(text: string): HTMLElement {
    const id = uid('unsent');
    return el('div', { class: 'unsent' }, el('label', { for: id }, 'Not sent'), el('textarea', { id, readonly: true, rows: 2, value: text }));
  }

  private buildControls(): void {
    // The composer (and the list with it) is rebuilt or goes: not left open behind it.
    this.picker?.close(false);
    this.actions.replaceChildren();
    this.footer.replaceChildren();
    this.composer = undefined;
    if (this.restoring) {
      if (this.failure === null) return;
      this.actions.append(el('button', { type: 'button', class: 'primary', onclick: () => this.retry() }, 'Retry'),
        el('button', { type: 'button', onclick: () => this.host.close(this) }, this.mode === 'monitor' ? 'Stop monitoring' : 'Close'));
      return;
    }
    if (this.isEnded || this.mode === 'monitor') {
      this.actions.append(el('button', { type: 'button', onclick: () => this.host.close(this) }, this.mode === 'monitor' ? 'Stop monitoring' : 'Close'));
    }
    if (this.isEnded) return;
    const block = el('button', { type: 'button', class: 'danger', onclick: (ev: Event) => this.openBlock(ev.currentTarget as HTMLElement) }, 'Block visitor…');
    if (this.mode === 'agent' && this.participant) {
      // Only the holder transfers, ends or invites; a participant talks and may leave.
      this.actions.prepend(el('button', { type: 'button', onclick: () => void this.leaveConference() }, 'Leave conference'));
      this.footer.append(this.buildComposer());
    } else if (this.mode === 'agent') {
      this.actions.prepend(
        el('button', { type: 'button', onclick: (ev: Event) => this.host.openTransfer(this, ev.currentTarget as HTMLElement) }, 'Transfer…'),
        el('button', { type: 'button', onclick: (ev: Event) => this.host.openConference(this, ev.currentTarget as HTMLElement) }, 'Invite to conference…'),
        ...(this.files ? [this.files.button] : []),
        ...(this.flag ? [this.flag.element] : []),
        el('button', { type: 'button', class: 'danger', onclick: () => void this.endChat() }, 'End chat'),
        block);
      this.footer.append(this.buildComposer());
    } else {
      // A supervisor blocks the visitor of any chat of its org (ADR 0055), from the monitor too.
      this.actions.append(block);
      this.footer.append(this.buildMonitorControls());
    }
  }

  private buildComposer(): HTMLElement {
    const id = uid('composer');
    // The server's `maxMessageLength`, as the login told it: a longer message could only be refused.
    const box = el('textarea', { id, rows: 2, maxlength: this.host.client.limits()?.maxMessageLength, class: 'composer-input', placeholder: 'Type a message; Enter sends, Shift+Enter for a new line' });
    this.composer = box;
    box.addEventListener('keydown', (ev) => {
      if (this.picker?.available && opensPicker(ev.key, box.value, ev)) {
        ev.preventDefault();
        this.picker.open(true);
        return;
      }
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    box.addEventListener('input', () => this.onInput(box.value));
    const form = el('form', { class: 'composer' },
      el('label', { for: id, class: 'sr-only' }, `Message to ${this.visitorName || 'the visitor'}`),
      box, this.picker?.element, el('button', { type: 'submit', class: 'primary' }, 'Send'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = box.value.trim();
      if (!text) return;
      box.value = '';
      this.stopTyping();
      this.send(text, crypto.randomUUID());
    });
    return form;
  }

  private send(text: string, clientMessageId: string): void {
    if (!this.transcript.isPending(clientMessageId)) this.transcript.addPending(clientMessageId, text, this.host.me.name);
    // The stream never echoes the agent's own messages: the reply's offset places it, and its text is
    // what was stored (masked by the org's sensitive data rules, ADR 0052), which replaces the typed one.
    this.host.client.send(this.chatId, text, clientMessageId).then(
      ({ offset, text: stored }) => {
        if (this.transcript.leavesGap(offset)) this.fillGaps(this.transcript.newest);
        this.transcript.add({ offset, type: 'ChatMessage', actor: 'agent', at: Date.now(), data: { text: stored, name: this.host.me.name, agentId: this.host.me.id }, clientMessageId });
      },
      (err: unknown) => {
        // The server answered no (too long, chat no longer ours, ...): the same message would
        // get the same answer, so no Retry; the reason is the server's own words.
        if (isRefusal(err)) {
          this.transcript.fail(clientMessageId);
          this.host.report(`Message not sent: ${err.body || errorText(err)}`);
          this.followRefusal(err);
          return;
        }
        this.transcript.fail(clientMessageId, () => this.send(text, clientMessageId));
        this.host.report(`Message not sent: ${errorText(err)}`);
      });
  }

  private onInput(value: string): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    if (!value) {
      this.stopTyping();
      return;
    }
    if (!this.typingSent) {
      this.typingSent = true;
      this.host.client.typing(this.chatId, true).catch(() => undefined); // typing is best effort
    }
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = undefined;
    if (!this.typingSent) return;
    this.typingSent = false;
    this.host.client.typing(this.chatId, false).catch(() => undefined);
  }

  /**
   * Block visitor (ADR 0055), the holder's or a supervisor's monitoring the chat: confirmed in a
   * dialog; the server blocks the address and ends the chat.
   */
  private openBlock(opener: HTMLElement): void {
    // The Block button is gone with the chat's end: the keyboard goes to the panel's first button (Close, Stop monitoring).
    openBlockVisitorDialog(this.visitorName, opener, () => this.actions.querySelector<HTMLButtonElement>('button'), async (reason) => {
      await this.host.client.blockVisitor(this.chatId, reason || undefined);
      // As an End: the stream's ChatEnded (its agent-side endReason Blocked, blockedBy me) says the same, whichever arrives first.
      this.markEnded(ENDED.youBlocked);
    });
  }

  private async endChat(): Promise<void> {
    try {
      await this.host.client.end(this.chatId);
      const hadFocus = this.element.contains(document.activeElement) || document.activeElement === document.body;
      this.markEnded(ENDED.byYou);
      // The End button is gone with the composer: keep the keyboard in this chat.
      if (hadFocus) this.actions.querySelector<HTMLButtonElement>('button')?.focus();
    } catch (err) {
      this.host.report(`Could not end the chat: ${errorText(err)}`);
      this.followRefusal(err);
    }
  }

  /**
   * The server says the chat was taken from this agent (409 Chat is no longer yours: the
   * stream that would have said so was away, or is still on its way): read-only at once.
   */
  private followRefusal(err: unknown): void {
    if ((err as { chatNoLongerYours?: unknown } | null)?.chatNoLongerYours !== true) return;
    this.detach(LEFT.noLonger, undefined, true);
    // The transcript, which a former holder may read, says how it left: the precise words then.
    this.reload().catch(() => undefined);
  }

  private buildMonitorControls(): HTMLElement {
    const whisperId = uid('whisper');
    const input = el('input', { id: whisperId, type: 'text', autocomplete: 'off' });
    const whisper = el('form', { class: 'whisper' },
      el('label', { for: whisperId }, 'Whisper to the agent'), input, el('button', { type: 'submit' }, 'Whisper'));
    whisper.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      this.host.client.whisper(this.chatId, text).then(() => { input.value = ''; }, (err: unknown) => this.host.report(`Whisper failed: ${errorText(err)}`));
    });
    const selectId = uid('reassign');
    const options = (): HTMLOptionElement[] => {
      const targets = this.host.reassignTargets(this.chatId);
      return targets.length > 0 ? targets.map((a) => el('option', { value: a.id }, a.name))
        : [el('option', { value: '', disabled: true }, 'No agent online or away to take it')];
    };
    const select = el('select', { id: selectId }, ...options());
    // The agent list changes (presence, load): refresh it whenever the list is about to be used.
    select.addEventListener('focus', () => {
      const keep = select.value;
      select.replaceChildren(...options());
      if (keep) select.value = keep;
    });
    const reassign = el('form', { class: 'reassign' },
      el('label', { for: selectId }, 'Reassign to'), select, el('button', { type: 'submit' }, 'Reassign'));
    reassign.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!select.value) return;
      // The agent's name without the presence and load its option shows.
      const name = (select.selectedOptions[0]?.textContent ?? 'the agent').replace(/ \([^()]*\)$/, '');
      this.host.client.reassign(this.chatId, select.value).then(() => this.host.report(`Chat reassigned to ${name}`), (err: unknown) => this.host.report(reassignFailure(err, name)));
    });
    const takeover = el('button', { type: 'button', class: 'primary', onclick: () => {
      this.host.takeOver(this);
    } }, 'Take over');
    return el('div', { class: 'monitor-controls' }, whisper, reassign, takeover);
  }
}

/**
 * A 4xx answer: the request itself was refused. Not 408 and 429 (timed out, rate limited):
 * those may go through when tried again.
 */
export function isRefusal(err: unknown): err is { status: number; body?: string } {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function statusOf(err: unknown): unknown {
  return (err as { status?: unknown } | null)?.status;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
