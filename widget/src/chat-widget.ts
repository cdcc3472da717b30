/**
 * The widget's behaviour: availability, pre-chat form, the chat itself through
 * the SDK's VisitorClient, typing and sneak peek, end, transcript, and the
 * focus moves that make it usable with a keyboard alone.
 */
import { fetchAvailability, fetchSettings, type PrechatField } from './button-status.js';
import { InputSignals } from './input-signals.js';
import { PanelView } from './panel-view.js';
import { ChatMemory, type SavedChat, type SavedLine } from './chat-memory.js';
import { connectChat, type ChatCallbacks, type ChatConnection, type ChatStart, type PrechatDetail } from './sdk-client.js';
import { downloadTranscript, type TranscriptLine } from './transcript.js';

export interface WidgetOptions {
  /** Origin of the Switchboard server (the script's own origin). */
  baseUrl: string;
  organizationId: string;
  deploymentId: string;
  buttonId: string;
  title: string;
  visitorName?: string;
  /** When the button is unavailable: show the launcher with an offline note, or hide it. */
  offline: 'message' | 'hide';
}

const AVAILABILITY_REFRESH_MS = 30_000;

type Phase = 'idle' | 'starting' | 'waiting' | 'chatting' | 'ended' | 'failed';

/** "about 2 min", "less than a minute", or "" when unknown. */
function waitText(seconds: number | undefined): string {
  if (seconds === undefined || seconds < 0) return '';
  return seconds < 60 ? 'less than a minute' : `about ${Math.round(seconds / 60)} min`;
}

export class ChatWidget {
  private readonly view: PanelView;
  private available = false;
  private form: PrechatField[] = [];
  private phase: Phase = 'idle';
  /** Agent messages that arrived while the panel was minimized. */
  private unread = 0;
  private chat: ChatConnection | undefined;
  private agentName = 'Agent';
  private sneakPeek = true;
  private lines: TranscriptLine[] = [];
  /** What the log shows, kept to rebuild it after a reload (ChatMemory). */
  private shown: SavedLine[] = [];
  private readonly memory: ChatMemory;
  private outbox: string[] = [];
  private chatStatus = '';
  private reconnecting = false;
  private readonly signals: InputSignals;

  constructor(root: ShadowRoot, private readonly opts: WidgetOptions) {
    this.view = new PanelView(root, opts.title);
    this.memory = new ChatMemory(opts.organizationId, opts.deploymentId, opts.buttonId);
    this.signals = new InputSignals(
      { typing: (on) => this.chat?.typing(on), sneakPeek: (text) => this.chat?.sneakPeek(text) },
      { idleMs: 3000, peekIntervalMs: 400, sneakPeek: () => this.sneakPeek && this.phase === 'chatting' },
    );
    this.bind();
    this.renderLauncher();
  }

  /** Loads the button's settings, then keeps availability fresh while no chat runs. */
  async init(): Promise<void> {
    try {
      const s = await fetchSettings(this.opts.baseUrl, this.opts.organizationId, this.opts.deploymentId, this.opts.buttonId);
      this.form = s.form;
      this.available = s.available;
    } catch (err) {
      console.warn('[switchboard] could not load chat settings', err);
    }
    this.view.renderPrechat(this.form);
    // A chat the previous page of this tab left running goes on here, unless another
    // tab runs it (this one is a duplicate): then this tab starts afresh.
    let saved = this.memory.load();
    if (saved && (await this.memory.claimedElsewhere(saved.client.id))) {
      this.memory.clear();
      saved = null;
    }
    if (saved) {
      this.memory.hold(saved.client.id);
      this.restore(saved);
    } else this.renderIdle();
    this.renderLauncher();
    window.addEventListener('pagehide', () => this.persist());
    setInterval(() => void this.refresh(), AVAILABILITY_REFRESH_MS);
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') void this.refresh(); });
  }

  open(): void {
    const v = this.view;
    v.panel.hidden = false;
    this.unread = 0;
    this.renderLauncher();
    v.launcher.setAttribute('aria-expanded', 'true');
    if (this.phase === 'idle' && this.available && this.form.length === 0) this.start([]);
    v.firstFocus().focus();
  }

  close(): void {
    this.view.panel.hidden = true;
    this.view.launcher.setAttribute('aria-expanded', 'false');
    this.renderLauncher();
    this.view.launcher.focus();
  }

  private async refresh(): Promise<void> {
    if (this.phase !== 'idle' && this.phase !== 'ended' && this.phase !== 'failed') return;
    try {
      const a = await fetchAvailability(this.opts.baseUrl, this.opts.organizationId, this.opts.deploymentId, this.opts.buttonId);
      if (a.available === this.available) return;
      this.available = a.available;
    } catch (err) {
      // Keep the last known state: a failed refresh is not evidence the button went offline.
      console.warn('[switchboard] availability check failed', err);
      return;
    }
    this.renderLauncher();
    if (this.phase === 'idle') this.renderIdle();
  }

  private bind(): void {
    const v = this.view;
    v.launcher.addEventListener('click', () => (v.panel.hidden ? this.open() : this.close()));
    v.close.addEventListener('click', () => this.close());
    v.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
      }
    });
    v.prechat.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitPrechat();
    });
    v.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.sendInput();
    });
    v.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.sendInput();
      }
    });
    v.input.addEventListener('input', () => {
      v.input.style.height = 'auto';
      v.input.style.height = `${v.input.scrollHeight + 2}px`;
      this.signals.input(v.input.value);
    });
    v.end.addEventListener('click', () => void this.endChat());
    const save = (): void => downloadTranscript(this.opts.title, this.lines);
    v.save.addEventListener('click', save);
    v.saveAfter.addEventListener('click', save);
    v.newChat.addEventListener('click', () => {
      this.phase = 'idle';
      this.lines = [];
      this.shown = [];
      this.memory.clear();
      this.view.clearLog();
      this.renderIdle();
      this.open();
    });
  }

  private renderLauncher(): void {
    const v = this.view;
    const busy = this.phase === 'starting' || this.phase === 'waiting' || this.phase === 'chatting';
    const offline = !this.available && !busy;
    v.launcherText.textContent = offline ? `${this.opts.title} (offline)` : this.opts.title;
    v.setUnread(this.unread);
    if (offline) v.launcher.dataset.offline = '';
    else delete v.launcher.dataset.offline;
    v.launcher.hidden = offline && this.opts.offline === 'hide' && v.panel.hidden;
  }

  /** The panel before a chat: the form (or nothing to fill in), or the offline note. */
  private renderIdle(): void {
    const v = this.view;
    v.showView(this.available ? 'prechat' : 'offline');
    v.chatControls('none');
    v.setTyping('');
    v.setStatus(this.available ? 'We are online.' : 'We are offline.');
  }

  private submitPrechat(): void {
    const controls = [...this.view.prechat.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input,textarea')];
    const err = this.view.prechat.querySelector<HTMLElement>('.err');
    const missing = controls.find((c) => !c.checkValidity());
    controls.forEach((c) => c.setAttribute('aria-invalid', String(!c.checkValidity())));
    if (missing) {
      if (err) err.textContent = missing.validity.valueMissing ? 'Please fill in the required fields.' : 'Please check the highlighted field.';
      missing.focus();
      return;
    }
    if (err) err.textContent = '';
    const details = this.form.map((f, i) => ({ label: f.label, value: controls[i]?.value.trim() ?? '' }));
    this.start(details);
  }

  private start(details: PrechatDetail[]): void {
    if (!this.available) return;
    const v = this.view;
    const named = details.find((d, i) => /^(name|visitorname|firstname)$/i.test(this.form[i]?.name ?? ''));
    this.phase = 'starting';
    this.agentName = 'Agent';
    this.sneakPeek = true;
    this.reconnecting = false;
    this.outbox = [];
    v.clearLog();
    v.showView('chat');
    v.chatControls('live');
    this.setChatStatus('Connecting…');
    this.note('Chat requested');
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
    this.outbox = [...saved.outbox];
    this.reconnecting = false;
    v.clearLog();
    for (const line of saved.lines) this.show(line);
    v.showView('chat');
    v.chatControls('live');
    this.setChatStatus(this.phase === 'chatting' ? `You are chatting with ${this.agentName}.` : 'Waiting for an agent…');
    if (saved.open) {
      v.panel.hidden = false;
      v.launcher.setAttribute('aria-expanded', 'true');
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
      lines: this.shown, outbox: this.outbox, client,
    });
  }

  private callbacks(): ChatCallbacks {
    const v = this.view;
    return {
      queue: (position, wait) => {
        if (this.phase === 'starting') this.phase = 'waiting';
        if (this.phase !== 'waiting') return;
        const w = waitText(wait);
        const place = position <= 1 ? 'You are next in line (position 1).' : `You are number ${position} in line.`;
        this.setChatStatus(`${place}${w ? ` Estimated wait: ${w}.` : ''}`);
      },
      established: (name, sneakPeek) => {
        this.phase = 'chatting';
        this.agentName = name || 'Agent';
        this.sneakPeek = sneakPeek;
        this.setChatStatus(`You are chatting with ${this.agentName}.`);
        this.note(`${this.agentName} joined the chat`);
        for (const text of this.outbox.splice(0)) this.chat?.send(text);
        // Text typed while waiting is not a sneak peek yet: send it now that the agent is here.
        if (this.view.input.value) this.signals.input(this.view.input.value);
      },
      message: (name, text) => {
        v.setTyping('');
        this.record('agent', name || this.agentName, text);
        // Minimized: the log is hidden with the panel, so the reply is announced and counted
        // on the launcher instead (for screen readers and for the eye).
        if (v.panel.hidden) {
          this.unread += 1;
          v.announce(`New message from ${name || this.agentName}: ${text}`);
          this.renderLauncher();
        }
      },
      agentTyping: (on) => v.setTyping(on ? `${this.agentName} is typing…` : ''),
      transferred: (name) => {
        this.agentName = name || this.agentName;
        this.setChatStatus(`You are chatting with ${this.agentName}.`);
        this.note(`Chat transferred to ${this.agentName}`);
      },
      ended: () => this.finish('ended', 'The chat has ended.'),
      failed: (reason) => this.finish('failed', reason === 'Unavailable' || !reason ? 'Sorry, nobody is available right now. Please try again later.' : `The chat could not continue (${reason}).`),
      connection: (ok) => {
        this.reconnecting = !ok;
        this.renderChatStatus();
      },
    };
  }

  private sendInput(): void {
    const text = this.view.input.value.trim();
    if (!text || !this.chat) return;
    this.view.input.value = '';
    this.view.input.style.height = '';
    this.signals.sent();
    this.record('me', 'You', text);
    if (this.phase === 'chatting') this.chat.send(text);
    else this.outbox.push(text);
  }

  private async endChat(): Promise<void> {
    const chat = this.chat;
    this.finish('ended', 'You ended the chat.');
    await chat?.end();
  }

  /** Closes the chat view: no composer, transcript and new-chat buttons take the focus. */
  private finish(phase: 'ended' | 'failed', text: string): void {
    if (this.phase === 'ended' || this.phase === 'failed') return;
    const hadFocus = this.view.root.activeElement !== null;
    this.phase = phase;
    this.memory.clear();
    this.signals.sent();
    this.chat?.dispose();
    this.chat = undefined;
    this.reconnecting = false;
    this.note(text);
    this.setChatStatus(text);
    this.view.setTyping('');
    this.view.chatControls('after');
    this.renderLauncher();
    if (hadFocus && !this.view.panel.hidden) this.view.saveAfter.focus();
    void this.refresh();
  }

  private setChatStatus(text: string): void {
    this.chatStatus = text;
    this.renderChatStatus();
  }

  private renderChatStatus(): void {
    if (this.reconnecting) this.view.setStatus('Connection lost. Reconnecting…', true);
    else this.view.setStatus(this.chatStatus);
  }

  private note(text: string): void {
    this.record('sys', '', text);
  }

  private record(author: 'agent' | 'me' | 'sys', who: string, text: string): void {
    this.show({ author, who, text, at: Date.now() });
    this.persist();
  }

  private show(line: SavedLine): void {
    this.shown.push(line);
    this.lines.push({ at: new Date(line.at), from: line.author === 'sys' ? '' : line.who, text: line.text });
    this.view.addMessage(line.author, line.who, line.text);
  }
}
