/**
 * The widget's behaviour: availability, pre-chat form, the chat itself through
 * the SDK's VisitorClient, typing and sneak peek, end, transcript, and the
 * focus moves that make it usable with a keyboard alone.
 */
import { fetchAvailability, fetchSettings, type PrechatField } from './button-status.js';
import { renderIdlePanel } from './idle-panel.js';
import { InputSignals } from './input-signals.js';
import { renderLauncher } from './launcher-state.js';
import { bindPanelKeyboard, FullScreenModal } from './panel-keyboard.js';
import { PanelView } from './panel-view.js';
import { ChatMemory, type SavedChat, type SavedLine } from './chat-memory.js';
import { bindComposer } from './composer-input.js';
import { FilePromptSlot, fileSize } from './file-request-prompt.js';
import { disconnectedBy, postChatHref } from './post-chat-link.js';
import { prechatAnswers } from './prechat-answers.js';
import { DEFAULT_CHAT_MESSAGE_LENGTH, fetchWidgetConfig, leaveMessage, MAX_MESSAGE_LENGTH, messageFields, type ButtonIds } from './offline-message.js';
import { queueStatusText } from './queue-status-text.js';
import { connectChat, type ChatCallbacks, type ChatConnection, type ChatStart, type PrechatDetail, type SendResult } from './sdk-client.js';
import { downloadTranscript, type TranscriptLine } from './transcript.js';
import type { Texts } from './texts.js';
import { TypingAgents } from './typing-agents.js';
import type { WidgetOptions } from './widget-options.js';

export type { WidgetOptions } from './widget-options.js';

const AVAILABILITY_REFRESH_MS = 30_000;
/** How soon the settings are asked for again while the server cannot be reached. */
const UNREACHABLE_RETRY_MS = 5_000;
/** A message the server has not confirmed after this long is marked "Sending…" (a quick one never is). */
const SENDING_MARK_MS = 1_500;

/** A visitor's message typed while no agent had the chat: sent when one joins. */
interface Held {
  text: string;
  /** Its bubble and saved line (none for a message a previous page held). */
  bubble?: HTMLElement;
  line?: SavedLine;
}

type Phase = 'idle' | 'starting' | 'waiting' | 'chatting' | 'ended' | 'failed';

export class ChatWidget {
  private readonly view: PanelView;
  private available = false;
  /** The button takes offline messages from this visitor (GET /widget/v1/config, ADR 0063). */
  private takesMessages = false;
  /** The offline form's nodes (with what the visitor typed) while it is out of the page (renderIdle). */
  private leaveStash: ChildNode[] | undefined;
  /** A message is being sent: a second submit waits for its answer. */
  private leaving = false;
  private form: PrechatField[] = [];
  private phase: Phase = 'idle';
  /** Agent messages that arrived while the panel was minimized. */
  private unread = 0;
  private chat: ChatConnection | undefined;
  private agentName: string;
  /** Who of the chat's agents is typing now (several in a conference, ADR 0051). */
  private readonly typing = new TypingAgents();
  private sneakPeek = true;
  private lines: TranscriptLine[] = [];
  /** What the log shows, kept to rebuild it after a reload (ChatMemory). */
  private shown: SavedLine[] = [];
  private readonly memory: ChatMemory;
  private outbox: Held[] = [];
  /** The longest message the server takes (GET /widget/v1/config, or a MESSAGE_TOO_LONG answer). */
  private maxLength = DEFAULT_CHAT_MESSAGE_LENGTH;
  /** The limit line was shown for the text in the box (it is announced once, when it appears). */
  private overLimit = false;
  /** The server warned that the chat ends unless the visitor writes (ChasitorIdleTimeoutWarningEvent). */
  private idleWarned = false;
  /** The other agents of a conference (ADR 0051), beside agentName. */
  private conference: string[] = [];
  private chatStatus = '';
  /** The button's post-chat page, as the server last said it for this chat ('' none). */
  private postChatUrl = '';
  private reconnecting = false;
  private readonly signals: InputSignals;
  /** The button's settings were read at least once (until then no chat starts). */
  private settingsLoaded = false;
  /** The last attempt to reach the server failed. */
  private unreachable = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private availabilityTimer: ReturnType<typeof setInterval> | undefined;
  /** The agent's open file request, above the message box. */
  private readonly files: FilePromptSlot;
  /** Aborted by destroy(): the listeners the widget put on the page go with it. */
  private readonly teardown = new AbortController();
  private readonly t: Texts;
  /** On a phone or a narrow (zoomed) window the open panel is modal: aria-modal, the page behind inert. */
  private readonly modal: FullScreenModal;

  constructor(root: ShadowRoot, private readonly opts: WidgetOptions) {
    this.t = opts.texts;
    this.agentName = this.t.agent;
    this.view = new PanelView(root, this.t, opts.title, opts.lang);
    this.files = new FilePromptSlot(this.view.fileSlot, root, () => (this.view.composer.hidden ? null : this.view.input), this.t);
    this.memory = new ChatMemory(opts.organizationId, opts.deploymentId, opts.buttonId);
    this.modal = new FullScreenModal(this.view, root.host, this.teardown.signal);
    this.signals = new InputSignals(
      // A sneak peek longer than the server takes would be refused: the agent sees its start.
      { typing: (on) => this.chat?.typing(on), sneakPeek: (text) => this.chat?.sneakPeek(text.slice(0, this.maxLength)) },
      { idleMs: 3000, peekIntervalMs: 400, sneakPeek: () => this.sneakPeek && this.phase === 'chatting' },
    );
    this.bind();
    this.renderLauncher();
  }

  /** Loads the button's settings, then keeps availability fresh while no chat runs. */
  async init(): Promise<void> {
    await this.loadSettings();
    // Taken out of the page meanwhile: nothing starts (a saved chat stays saved).
    if (this.destroyed) return;
    this.view.renderPrechat(this.form);
    // A chat the previous page of this tab left running goes on here, unless another
    // tab runs it (this one is a duplicate): then this tab starts afresh.
    let saved = this.memory.load();
    if (saved && (await this.memory.claimedElsewhere(saved.client.id))) {
      this.memory.clear();
      saved = null;
    }
    if (this.destroyed) return;
    if (saved) {
      this.memory.hold(saved.client.id);
      this.restore(saved);
    } else this.renderIdle();
    this.renderLauncher();
    const signal = this.teardown.signal;
    window.addEventListener('pagehide', () => this.persist(), { signal });
    this.availabilityTimer = setInterval(() => void this.refresh(), AVAILABILITY_REFRESH_MS);
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') void this.refresh(); }, { signal });
  }

  /**
   * Ends the widget for good, when its element leaves the page: its listeners on the page and
   * its timers go, and it sends no request again (the poll in flight is let go of). The chat is
   * not ended: the visitor did not end it. It is saved as for a page that goes (ADR 0012), and
   * this tab no longer claims it, so a widget added again continues it.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.persist();
    this.teardown.abort();
    clearInterval(this.availabilityTimer);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.signals.dispose();
    this.chat?.detach();
    this.chat = undefined;
    this.memory.release();
  }

  private get destroyed(): boolean {
    return this.teardown.signal.aborted;
  }

  /**
   * The button's settings (its pre-chat form and availability). Until they have
   * been read once, no chat starts: a required form must never be skipped because
   * the server could not be reached when the page loaded.
   */
  private async loadSettings(): Promise<boolean> {
    try {
      // Asked at once: the offline form is ready when the settings say nobody is available.
      const [s, config] = await Promise.all([fetchSettings(this.opts.baseUrl, this.opts.organizationId, this.opts.deploymentId, this.opts.buttonId), fetchWidgetConfig(this.opts.baseUrl, this.ids)]);
      this.takesMessages = config.offlineMessages;
      this.maxLength = config.maxMessageLength;
      this.form = s.form;
      this.available = s.available;
      this.settingsLoaded = true;
      this.unreachable = false;
      return true;
    } catch (err) {
      console.warn('[switchboard] could not load chat settings', err);
      this.unreachable = true;
      this.retrySoon();
      return false;
    }
  }

  private get ids(): ButtonIds {
    return { orgId: this.opts.organizationId, deploymentId: this.opts.deploymentId, buttonId: this.opts.buttonId };
  }

  /** While the server cannot be reached, ask again every few seconds rather than every 30. */
  private retrySoon(): void {
    if (this.retryTimer || this.destroyed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh();
    }, UNREACHABLE_RETRY_MS);
  }

  open(): void {
    const v = this.view;
    v.panel.hidden = false;
    this.unread = 0;
    this.renderLauncher();
    v.launcher.setAttribute('aria-expanded', 'true');
    this.modal.sync();
    if (this.phase === 'idle' && this.settingsLoaded && this.available && this.form.length === 0) this.start([]);
    v.firstFocus().focus();
  }

  close(): void {
    this.view.panel.hidden = true;
    this.view.launcher.setAttribute('aria-expanded', 'false');
    this.modal.sync();
    this.renderLauncher();
    this.view.launcher.focus();
  }

  private async refresh(): Promise<void> {
    if (this.destroyed || (this.phase !== 'idle' && this.phase !== 'ended' && this.phase !== 'failed')) return;
    if (!this.settingsLoaded) {
      if (!(await this.loadSettings())) return;
      this.view.renderPrechat(this.form);
    } else {
      try {
        const a = await fetchAvailability(this.opts.baseUrl, this.opts.organizationId, this.opts.deploymentId, this.opts.buttonId);
        const wasUnreachable = this.unreachable;
        this.unreachable = false;
        if (a.available === this.available && !wasUnreachable) return;
        this.available = a.available;
      } catch (err) {
        // Keep the last known availability: a failed check is not evidence the button went offline.
        console.warn('[switchboard] availability check failed', err);
        return;
      }
    }
    this.renderLauncher();
    if (this.phase === 'idle') this.renderIdle();
  }

  private bind(): void {
    const v = this.view;
    v.launcher.addEventListener('click', () => (v.panel.hidden ? this.open() : this.close()));
    v.close.addEventListener('click', () => this.close());
    bindPanelKeyboard(v, () => this.close());
    v.prechat.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitPrechat();
    });
    v.leave.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submitMessage();
    });
    bindComposer(v, () => this.sendInput(), (text) => {
      this.signals.input(text);
      this.renderLimit();
    });
    v.end.addEventListener('click', () => v.confirmEnd(v.endConfirm.hidden));
    v.endYes.addEventListener('click', () => void this.endChat());
    const keepChatting = (): void => {
      v.confirmEnd(false);
      v.end.focus();
    };
    v.endNo.addEventListener('click', keepChatting);
    // Escape there is "Keep chatting", not the panel's Minimize.
    v.endConfirm.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      e.preventDefault();
      keepChatting();
    });
    const save = (): void => downloadTranscript(this.t, this.opts.lang, this.opts.title, this.lines);
    v.save.addEventListener('click', save);
    v.saveAfter.addEventListener('click', save);
    v.newChat.addEventListener('click', () => {
      this.phase = 'idle';
      this.lines = [];
      this.shown = [];
      this.memory.clear();
      this.view.clearLog();
      this.files.drop();
      this.renderIdle();
      this.open();
    });
  }

  private renderLauncher(): void {
    const busy = this.phase === 'starting' || this.phase === 'waiting' || this.phase === 'chatting';
    // A button that takes messages keeps its launcher while offline: leaving one is what it is for then.
    renderLauncher(this.view, this.t, { title: this.opts.title, unread: this.unread, available: this.available, busy, offlineMode: this.takesMessages ? 'message' : this.opts.offline });
  }

  /** The panel before a chat: the form (or nothing to fill in), or the offline note. */
  private renderIdle(): void {
    const v = this.view;
    const leave = this.settingsLoaded && !this.available && this.takesMessages;
    const focused = v.root.activeElement;
    const hadFocus = focused !== null && v.panel.contains(focused);
    // In the page only while shown: hidden, its fields would share labels ("Your name") with a pre-chat
    // form's. Taken out, not emptied: what the visitor typed comes back with it when nobody can chat again.
    if (!leave) {
      if (v.leave.firstChild) this.leaveStash = [...v.leave.childNodes];
      v.leave.replaceChildren();
    } else if (!v.leave.firstChild) {
      if (this.leaveStash) v.leave.replaceChildren(...this.leaveStash);
      else v.renderLeaveForm(messageFields(this.t), MAX_MESSAGE_LENGTH);
    }
    if (leave) this.leaveStash = undefined;
    renderIdlePanel(v, this.t, this.settingsLoaded, this.available, this.takesMessages);
    // The form the visitor was in went (an agent came online, or went): the focus stays in the panel,
    // on the first control of what shows now, not on the page's <body>.
    const now = v.root.activeElement;
    if (hadFocus && !v.panel.hidden && (now === null || !now.isConnected || now.closest('[hidden]') !== null)) v.firstFocus().focus();
  }

  /** Checks the offline form like the pre-chat form, sends it, and says how that went (ADR 0063). */
  private async submitMessage(): Promise<void> {
    const v = this.view;
    const fields = messageFields(this.t);
    const values = prechatAnswers(v.leave, fields, this.t);
    if (!values || this.leaving) return;
    this.leaving = true;
    const button = v.leave.querySelector('button');
    if (button) button.disabled = true;
    const r = await leaveMessage(this.opts.baseUrl, this.ids, values.map((d) => d.value), this.opts.lang, this.t);
    this.leaving = false;
    if (button) button.disabled = false;
    if (r.sent) v.leaveSent(r.text);
    else {
      const err = v.leave.querySelector('.err');
      // Its line is an alert: screen readers hear it. The thanks are focused, so read out too.
      if (err) err.textContent = r.text;
    }
  }

  private submitPrechat(): void {
    const details = prechatAnswers(this.view.prechat, this.form, this.t);
    if (details) this.start(details);
  }

  private start(details: PrechatDetail[]): void {
    if (!this.available || !this.settingsLoaded) return;
    const v = this.view;
    const named = details.find((d, i) => /^(name|visitorname|firstname)$/i.test(this.form[i]?.name ?? ''));
    this.phase = 'starting';
    this.agentName = this.t.agent;
    this.sneakPeek = true;
    this.reconnecting = false;
    this.outbox = [];
    this.idleWarned = false;
    this.conference = [];
    this.postChatUrl = '';
    v.setPostChat(null, '');
    v.clearLog();
    this.files.drop();
    v.showView('chat');
    v.chatControls('live');
    this.setChatStatus(this.t.connecting);
    this.note(this.t.chatRequested);
    this.renderLauncher();
    // The form (and its focused button) just went away: keep keyboard users in the widget.
    if (!v.panel.hidden) v.input.focus();
    this.chat = connectChat(this.chatStart(named?.value || this.opts.visitorName || 'Visitor', details), this.callbacks());
  }

  /** Continues the chat a previous page of this tab saved: its log, its state, its session. */
  private restore(saved: SavedChat): void {
    const v = this.view;
    this.phase = saved.phase;
    this.agentName = saved.agentName;
    this.sneakPeek = saved.sneakPeek;
    this.outbox = saved.outbox.map((text) => ({ text }));
    this.idleWarned = saved.idleWarned === true;
    this.conference = saved.conference ?? [];
    this.postChatUrl = saved.postChatUrl ?? '';
    v.setPostChat(null, '');
    this.reconnecting = false;
    v.clearLog();
    this.files.drop();
    // The history the visitor heard on the previous page: shown, not told again.
    v.fillQuietly(() => { for (const line of saved.lines) this.show(line); });
    v.showView('chat');
    v.chatControls('live');
    this.setChatStatus(this.phase === 'chatting' ? this.chattingText() : saved.status || this.t.waitingForAgent);
    if (saved.open) {
      v.panel.hidden = false;
      v.launcher.setAttribute('aria-expanded', 'true');
      this.modal.sync();
    }
    this.chat = connectChat(this.chatStart(this.opts.visitorName || 'Visitor', []), this.callbacks(), saved.client);
  }

  private chatStart(visitorName: string, details: PrechatDetail[]): ChatStart {
    const o = this.opts;
    return { baseUrl: o.baseUrl, organizationId: o.organizationId, deploymentId: o.deploymentId, buttonId: o.buttonId, visitorName, prechatDetails: details };
  }

  /** Saves the running chat for the next page of this tab (ChatMemory); nothing before the request is through. */
  private persist(): void {
    if (this.phase !== 'waiting' && this.phase !== 'chatting') return;
    const client = this.chat?.snapshot();
    if (!client) return;
    this.memory.save({
      v: 1, phase: this.phase, agentName: this.agentName, sneakPeek: this.sneakPeek, open: !this.view.panel.hidden,
      lines: this.shown, outbox: this.outbox.map((m) => m.text), client, ...(this.phase === 'waiting' && { status: this.chatStatus }),
      ...(this.postChatUrl && { postChatUrl: this.postChatUrl }),
      ...(this.idleWarned && { idleWarned: true }),
      ...(this.conference.length > 0 && { conference: this.conference }),
    });
  }

  private callbacks(): ChatCallbacks {
    const v = this.view;
    return {
      queue: (position, wait) => {
        if (this.phase === 'starting') this.phase = 'waiting';
        if (this.phase !== 'waiting') return;
        this.setChatStatus(queueStatusText(this.t, position, wait));
      },
      established: (name, sneakPeek) => {
        this.sneakPeek = sneakPeek;
        this.agentJoined(name);
      },
      message: (name, text, agentId) => {
        this.typing.messaged(name, agentId);
        this.renderTyping();
        this.record('agent', name || this.agentName, text);
        // Minimized: the log is hidden with the panel, so the reply is announced and counted
        // on the launcher instead (for screen readers and for the eye).
        if (v.panel.hidden) {
          this.unread += 1;
          v.announce(this.t.newMessage({ name: name || this.agentName, text }));
          this.renderLauncher();
        }
      },
      agentTyping: (on, name, agentId) => {
        this.typing.set(on, name, agentId);
        this.renderTyping();
      },
      transferred: (name) => {
        // After an agent left, the next one comes as a transfer (ChatTransferred, not ChatEstablished).
        if (this.phase !== 'chatting') return this.agentJoined(name);
        this.typing.clear();
        this.renderTyping();
        this.agentName = name || this.agentName;
        this.conference = this.conference.filter((n) => n !== this.agentName);
        this.setChatStatus(this.chattingText());
        this.note(this.t.transferred({ name: this.agentName }));
      },
      agentLeft: () => {
        if (this.phase !== 'chatting') return;
        // The chat is back in the queue: messages wait in the outbox and queue updates
        // show again until the next agent takes it.
        this.phase = 'waiting';
        this.typing.clear();
        v.setTyping('');
        // Nobody holds the chat now: the server's idle count stops with it.
        this.idleWarned = false;
        this.conference = [];
        const text = this.t.agentLeft({ name: this.agentName });
        this.setChatStatus(this.t.waitingForAnother);
        this.note(text);
        if (v.panel.hidden) {
          v.announce(`${text}.`);
          this.unread += 1;
          this.renderLauncher();
        }
      },
      // A conference (ADR 0051): a status line in the log, which screen readers read as its other lines;
      // announced too while the panel is minimized, as an agent who left is.
      conferenceJoined: (name) => {
        if (name && name !== this.agentName && !this.conference.includes(name)) this.conference.push(name);
        this.conferenceNote(this.t.joined({ name: name || this.t.someAgent }));
      },
      conferenceLeft: (name) => {
        this.typing.left(name);
        this.renderTyping();
        this.conference = this.conference.filter((n) => n !== name);
        this.conferenceNote(this.t.conferenceLeft({ name: name || this.t.someAgent }));
      },
      ended: (reason) => this.finish('ended', reason === 'chasitorIdleTimeout' ? this.t.endedIdle : this.t.ended, reason),
      idleWarning: (on) => this.idleWarning(on),
      failed: (reason) => this.finish('failed', reason === 'Unavailable' || !reason ? this.t.nobodyAvailable : this.t.couldNotContinue({ reason }), reason),
      postChatUrl: (url) => {
        this.postChatUrl = url;
      },
      connection: (ok) => {
        if (this.reconnecting === !ok) return;
        this.reconnecting = !ok;
        this.renderChatStatus();
        if (v.panel.hidden) v.announce(ok ? this.t.connectionRestored : this.t.connectionLost);
      },
      fileRequested: (fileToken, resumed) => this.fileRequested(fileToken, resumed),
      fileCanceled: (fileToken) => {
        if (this.files.fileToken !== fileToken) return;
        this.files.drop();
        const text = this.t.fileUnasked({ name: this.agentName });
        this.note(text);
        v.announce(`${text}.`);
      },
    };
  }

  /**
   * The agent asked for a file: the prompt above the message box, said to screen readers (the log's
   * notes are not: they repeat the status line), counted on the launcher while minimized. The focus
   * stays where it is: the visitor may be typing. `resumed`: the previous page showed it, and its
   * note is in the restored log already.
   */
  private fileRequested(fileToken: string, resumed: boolean): void {
    const v = this.view;
    const shown = this.files.show(fileToken, {
      // The chat as it is at the upload: a resumed chat reports its open requests before connectChat() returns.
      upload: (file, busy) => (this.chat ? this.chat.upload(fileToken, file, busy) : Promise.reject(new Error('the chat is over'))),
      sent: (file) => {
        this.files.drop();
        this.record('me', this.t.you, this.t.fileSent({ file: file.name, size: fileSize(this.t, file.size) }));
      },
    });
    if (!shown || resumed) return;
    this.note(this.t.fileAsked({ name: this.agentName }));
    v.announce(this.t.fileAskedHint({ name: this.agentName }));
    if (v.panel.hidden) {
      this.unread += 1;
      this.renderLauncher();
    }
  }

  /** An agent took the chat: first, or after the previous one left (then the outbox waited for this one). */
  private agentJoined(name: string): void {
    this.phase = 'chatting';
    this.agentName = name || this.t.agent;
    this.setChatStatus(this.chattingText());
    this.note(this.t.joined({ name: this.agentName }));
    for (const held of this.outbox.splice(0)) {
      const sent = this.chat?.send(held.text);
      if (sent && held.bubble && held.line) this.deliver(held.bubble, held.line, sent);
    }
    // Text typed while waiting is not a sneak peek yet: send it now that the agent is here.
    if (this.view.input.value) this.signals.input(this.view.input.value);
  }

  private sendInput(): void {
    const text = this.view.input.value.trim();
    if (!text || !this.chat) return;
    // Over the limit the server would refuse it: it stays in the box, and the limit line says it again.
    if (text.length > this.maxLength) {
      this.overLimit = false;
      this.renderLimit();
      return;
    }
    this.view.input.value = '';
    this.view.input.style.height = '';
    this.renderLimit();
    this.signals.sent();
    // A message answers the agent: the server clears its idle warning (and says so; shown gone at once).
    if (this.idleWarned) this.idleWarning(false);
    const line: SavedLine = { author: 'me', who: this.t.you, text, at: Date.now() };
    const bubble = this.show(line);
    if (this.phase === 'chatting') this.deliver(bubble, line, this.chat.send(text));
    else {
      this.outbox.push({ text, bubble, line });
      this.markLater(bubble);
    }
    this.persist();
  }

  /** Marks the bubble "Sending…" unless its message is through first; returns the cancel. */
  private markLater(bubble: HTMLElement): () => void {
    const timer = setTimeout(() => { if (!bubble.dataset.state) this.view.markMessage(bubble, 'sending', this.t.sending); }, SENDING_MARK_MS);
    return () => clearTimeout(timer);
  }

  /**
   * Follows a visitor's message to the server: "Sending…" while it is not confirmed, no mark once it
   * is; refused, or left unsent when the chat ended, it says so under the message (in the log, which
   * screen readers hear; announced as well while the panel is minimized) and the text goes back into
   * an empty message box, to be shortened or sent again.
   */
  private deliver(bubble: HTMLElement, line: SavedLine, sent: Promise<SendResult>): void {
    const cancel = this.markLater(bubble);
    void sent.then((r) => {
      cancel();
      // The widget left the page: the message is in the saved chat, and the next page sends it.
      if (r.status === 'detached') return;
      if (r.status === 'sent') return this.view.markMessage(bubble, null);
      if (r.status === 'tooLong' && r.max !== undefined) this.maxLength = r.max;
      const why = r.status === 'tooLong' ? `${this.t.notSent} ${this.t.maxLength({ n: this.maxLength })}` : r.status === 'undelivered' ? this.t.notDelivered : this.t.notSent;
      this.failed(bubble, line, why);
    });
  }

  private failed(bubble: HTMLElement, line: SavedLine, why: string): void {
    line.failed = why;
    this.view.markMessage(bubble, 'failed', why);
    const input = this.view.input;
    // Not through bindComposer's input handler: the agent must not see it as typing.
    if (!this.view.composer.hidden && input.value === '') {
      input.value = line.text;
      input.style.height = 'auto';
      input.style.height = `${input.scrollHeight + 2}px`;
      this.renderLimit();
    }
    if (this.view.panel.hidden) this.view.announce(why);
    this.persist();
  }

  /** The limit line under the box: shown while the text is longer than the server takes, announced when it appears. */
  private renderLimit(): void {
    const over = this.view.input.value.trim().length > this.maxLength;
    const text = this.t.maxLength({ n: this.maxLength });
    this.view.setLimit(over ? text : '');
    if (over && !this.overLimit) this.view.announce(text);
    this.overLimit = over;
  }

  /** The server's idle warning came (`on`) or went: the status line says it, and so does the launcher while minimized. */
  private idleWarning(on: boolean): void {
    if (this.idleWarned === on || (on && this.phase !== 'chatting')) return;
    this.idleWarned = on;
    this.renderChatStatus();
    if (on && this.view.panel.hidden) {
      this.view.announce(this.t.idleWarning);
      this.unread += 1;
      this.renderLauncher();
    }
    this.persist();
  }

  /** "You are chatting with …": the chat's agent, and in a conference the others too. */
  private chattingText(): string {
    const names = [this.agentName, ...this.conference];
    let name = this.agentName;
    try {
      name = new Intl.ListFormat(this.opts.lang, { type: 'conjunction' }).format(names);
    } catch {
      name = names.join(', ');
    }
    return this.t.chattingWith({ name });
  }

  private async endChat(): Promise<void> {
    const chat = this.chat;
    this.finish('ended', this.t.youEnded, 'client');
    await chat?.end();
  }

  /**
   * Closes the chat view: no composer; the transcript and new-chat buttons, and the link to the
   * button's post-chat page when it has one, which then takes the focus (else the transcript
   * button does). `reason`: the SDK's `ended` or `failed` reason, `client` for End.
   */
  private finish(phase: 'ended' | 'failed', text: string, reason: string): void {
    if (this.phase === 'ended' || this.phase === 'failed') return;
    const hadFocus = this.view.root.activeElement !== null;
    const chatId = this.chat?.sessionId;
    this.phase = phase;
    this.idleWarned = false;
    this.memory.clear();
    // Messages held for an agent who never came: the server never had them.
    for (const held of this.outbox.splice(0)) if (held.bubble && held.line) this.failed(held.bubble, held.line, this.t.notDelivered);
    this.signals.sent();
    this.chat?.dispose();
    this.chat = undefined;
    this.files.drop();
    this.reconnecting = false;
    this.note(text);
    this.setChatStatus(text);
    this.typing.clear();
    this.view.setTyping('');
    this.view.chatControls('after');
    const by = disconnectedBy(phase, reason);
    const o = this.opts;
    const href = postChatHref(this.postChatUrl, { chatId, deploymentId: o.deploymentId, buttonId: o.buttonId, disconnectedBy: by, lang: o.lang }, location.href);
    if (!href && this.postChatUrl.trim()) console.warn('[switchboard] the button’s postChatUrl is not an http(s) URL: no link to it is shown');
    // A chat that never reached anyone has nothing to rate: its page is the place to leave a message.
    this.view.setPostChat(href, by === 'agentsUnavailable' ? this.t.postChatMessage : this.t.postChatSurvey);
    // Minimized, the log is hidden with the panel: the end is announced and shown on the launcher.
    if (this.view.panel.hidden) {
      this.view.announce(text);
      this.unread += 1;
    }
    this.renderLauncher();
    if (hadFocus && !this.view.panel.hidden) (href ? this.view.postChat : this.view.saveAfter).focus();
    void this.refresh();
  }

  private setChatStatus(text: string): void {
    this.chatStatus = text;
    this.renderChatStatus();
  }

  private renderChatStatus(): void {
    if (this.reconnecting) this.view.setStatus(this.t.connectionLost, true);
    else if (this.idleWarned) this.view.setStatus(this.t.idleWarning, true);
    else this.view.setStatus(this.chatStatus);
  }

  /** The typing line from who is typing now. */
  private renderTyping(): void {
    this.view.setTyping(this.typing.line(this.t, this.agentName));
  }

  /**
   * A conference's agent joined or left: a line in the log, the status line names who is in the chat
   * now, and the line is announced (the log's notes are hidden from screen readers, and the status
   * line alone would not say who came or went); counted on the launcher while minimized.
   */
  private conferenceNote(text: string): void {
    if (this.phase !== 'chatting') return;
    this.note(text);
    this.setChatStatus(this.chattingText());
    this.view.announce(`${text}.`);
    if (this.view.panel.hidden) {
      this.unread += 1;
      this.renderLauncher();
    }
  }

  private note(text: string): void {
    this.record('sys', '', text);
  }

  private record(author: 'agent' | 'me' | 'sys', who: string, text: string): void {
    this.show({ author, who, text, at: Date.now() });
    this.persist();
  }

  private show(line: SavedLine): HTMLElement {
    this.shown.push(line);
    this.lines.push({ at: new Date(line.at), from: line.author === 'sys' ? '' : line.who, text: line.text });
    const bubble = this.view.addMessage(line.author, line.who, line.text);
    if (line.failed) this.view.markMessage(bubble, 'failed', line.failed);
    return bubble;
  }
}

