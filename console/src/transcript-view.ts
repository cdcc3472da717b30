/**
 * One chat's transcript: events keyed by their log offset, so an event that
 * arrives twice (live, then again in a reload after a reconnect) is shown
 * once. Messages the agent is still sending show as pending until the server
 * gives them an offset, and then become the sent message in place.
 *
 * It is a live log, but not from the start: a chat that opens (accepted, monitored, after a
 * reload) shows its history first, quietly, and only what comes after is told ({@link goLive}).
 */
import { bdi, el, formatTime } from './dom-builder.ts';
import { describeSize } from './file-download.ts';
import type { ChatEventWire } from './wire-types.ts';

/** Event types shown as lines; the rest (typing, queue updates, offers) only change state. */
const SYSTEM_TEXT: Record<string, (e: ChatEventWire) => string> = {
  ChatEstablished: (e) => `Chat started with ${str(e.data['name'])}`,
  ChatTransferred: (e) => `Chat transferred to ${str(e.data['name'])}`,
  TransferRequested: () => 'Transfer requested',
  TransferFailed: () => 'Transfer failed',
  ChatReassigned: () => 'Chat reassigned by a supervisor',
  AgentDisconnect: () => 'Agent disconnected; chat queued again',
  ChatEnded: (e) => (e.data['endReason'] === 'Blocked' ? 'Chat ended (visitor blocked)' : `Chat ended (${str(e.data['reason']) || 'agent'})`),
  ChasitorChatEnded: () => 'The visitor ended the chat',
  ChasitorTimedOut: () => 'The visitor timed out',
  NewVisitorBreadcrumb: (e) => `Visitor opened ${str(e.data['location'])}`,
  ConferenceInvited: () => 'Another agent was invited into the chat',
  FlagRaised: (e) => `Flag raised for a supervisor${str(e.data['message']) ? `: ${str(e.data['message'])}` : ''} (not sent to the visitor)`,
  FlagLowered: (e) => (e.data['by'] === null ? 'Flag lowered (the chat ended or moved)' : 'Flag lowered'),
  ConferenceInviteFailed: (e) => `The conference invitation was not taken (${e.data['reason'] === 'OfferDeclined' ? 'declined' : e.data['reason'] === 'OfferTimedOut' ? 'no answer' : 'withdrawn'})`,
  AgentJoinedConference: (e) => `${str(e.data['name'])} joined the chat`,
  AgentLeftConference: (e) => `${str(e.data['name'])} left the chat`,
  FileTransfer: (e) => (e.data['type'] === 'Requested' ? 'File requested from the visitor' : e.data['type'] === 'Canceled' ? 'File request canceled' : ''),
};

/** Downloads a file the visitor uploaded (ChasitorFileUploaded); `button` is the entry's, busy meanwhile. */
export type FileDownloader = (fileId: string, name: string, button: HTMLButtonElement) => void;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export interface PendingMessage {
  clientMessageId: string;
  text: string;
  node: HTMLElement;
}

export class TranscriptView {
  readonly element: HTMLElement;
  private readonly events = new Map<number, ChatEventWire>();
  private readonly nodes = new Map<number, HTMLElement>();
  private readonly pending = new Map<string, PendingMessage>();
  private maxOffset = -1;
  private live = false;

  /** `download`: what a file entry's button does (files render as plain lines without it). */
  constructor(label: string, private readonly download?: FileDownloader) {
    // role=log is a polite live region: screen readers announce new messages. Off until the
    // history is in: added one by one to a live log, past messages would all be read aloud.
    this.element = el('div', { class: 'transcript', role: 'log', 'aria-live': 'off', 'aria-label': label, tabindex: 0 });
  }

  /**
   * From now on what is added is told: called once the history the chat had when it opened is
   * shown. The accessibility tree takes in the page's changes when it next renders, not at once:
   * switched on after that frame, the history added before is already there, not news.
   */
  goLive(): void {
    if (this.live) return;
    this.live = true;
    requestAnimationFrame(() => setTimeout(() => this.element.setAttribute('aria-live', 'polite'), 0));
  }

  has(offset: number): boolean {
    return this.events.has(offset);
  }

  /** The offset of the newest event this view has (-1 when it has none). */
  get newest(): number {
    return this.maxOffset;
  }

  /** The events after `offset` this view has, in offset order. */
  eventsAfter(offset: number): ChatEventWire[] {
    return [...this.events.values()].filter((e) => e.offset > offset).sort((a, b) => a.offset - b.offset);
  }

  /**
   * Whether an event at `offset` would skip offsets after the newest one shown: events this
   * view never got (another tab's messages, typing; the stream does not echo the agent's own).
   */
  leavesGap(offset: number): boolean {
    return this.maxOffset >= 0 && offset > this.maxOffset + 1;
  }

  /** Adds an event once; returns false when it was already there. */
  add(e: ChatEventWire): boolean {
    if (this.events.has(e.offset)) return false;
    this.events.set(e.offset, e);
    const pending = e.clientMessageId ? this.pending.get(e.clientMessageId) : undefined;
    // The agent's own message, shown while it was sent: the same bubble becomes the sent one.
    // A new one in its place would be a second addition to the log, read out again.
    const node = pending ? this.confirm(pending, e) : this.render(e);
    if (!node) return true;
    this.nodes.set(e.offset, node);
    const stickToBottom = this.element.scrollTop + this.element.clientHeight >= this.element.scrollHeight - 40;
    // In offset order, before the messages still being sent: an older event (a read filled a gap)
    // goes before the first newer one.
    const after = e.offset > this.maxOffset ? undefined : [...this.nodes.entries()].filter(([o]) => o > e.offset).sort((a, b) => a[0] - b[0])[0];
    const before = after ? after[1] : this.firstPending();
    // Already there (a confirmed bubble usually is): not moved, as a move is another addition.
    if (!(node.isConnected && node.nextElementSibling === before)) this.element.insertBefore(node, before);
    this.maxOffset = Math.max(this.maxOffset, e.offset);
    if (stickToBottom) this.element.scrollTop = this.element.scrollHeight;
    return true;
  }

  /** Shows a message being sent; `settle` or `fail` resolves it. */
  addPending(clientMessageId: string, text: string, author: string): void {
    const node = this.bubble('agent pending', author, text, Date.now());
    node.dataset['clientMessageId'] = clientMessageId;
    node.append(el('span', { class: 'note' }, 'sending…'));
    this.pending.set(clientMessageId, { clientMessageId, text, node });
    this.element.append(node);
    this.element.scrollTop = this.element.scrollHeight;
  }

  /** A pending message the server stored: its bubble, now as sent (the stored text, masked maybe, ADR 0052). */
  private confirm(p: PendingMessage, e: ChatEventWire): HTMLElement {
    this.pending.delete(p.clientMessageId);
    const { node } = p;
    node.classList.remove('pending', 'failed');
    delete node.dataset['clientMessageId'];
    node.querySelector('.note')?.remove();
    const text = node.querySelector('.text');
    const stored = str(e.data['text']);
    if (text && text.textContent !== stored) text.textContent = stored;
    return node;
  }

  /** Marks a pending message as failed, with a Retry button when trying again could help. */
  fail(clientMessageId: string, retry?: () => void): void {
    const p = this.pending.get(clientMessageId);
    if (!p) return;
    p.node.classList.add('failed');
    p.node.querySelector('.note')?.replaceWith(el('span', { class: 'note' }, 'not sent', retry && ' ', retry && el('button', { type: 'button', class: 'link', onclick: retry }, 'Retry')));
  }

  isPending(clientMessageId: string): boolean {
    return this.pending.has(clientMessageId);
  }

  private firstPending(): Node | null {
    return this.element.querySelector('.pending');
  }

  private render(e: ChatEventWire): HTMLElement | null {
    const text = str(e.data['text']);
    switch (e.type) {
      case 'ChasitorChatMessage':
        return this.bubble('visitor', str(e.data['name']) || 'Visitor', text, e.at);
      case 'ChatMessage':
        return this.bubble('agent', str(e.data['name']) || 'Agent', text, e.at);
      case 'Whisper':
        return this.bubble('whisper', 'Supervisor whisper (not sent to the visitor)', text, e.at);
      case 'ChasitorFileUploaded':
        return this.fileEntry(e);
      default: {
        const describe = SYSTEM_TEXT[e.type];
        if (!describe?.(e)) return null;
        return el('p', { class: 'system', 'data-type': e.type }, el('time', { datetime: new Date(e.at).toISOString() }, formatTime(e.at)), ' ', describe(e));
      }
    }
  }

  /**
   * A file the visitor sent: its name as a button that downloads it with the agent's token
   * (a link could not carry it), its size and declared type. Never shown inline: untrusted.
   */
  private fileEntry(e: ChatEventWire): HTMLElement {
    const name = str(e.data['name']) || 'file';
    const fileId = str(e.data['fileId']);
    const size = typeof e.data['size'] === 'number' ? describeSize(e.data['size']) : '';
    const type = str(e.data['contentType']);
    const download = this.download;
    const button = download && fileId
      ? el('button', { type: 'button', class: 'link', 'aria-label': `Download ${name}`, onclick: (ev: Event) => download(fileId, name, ev.currentTarget as HTMLButtonElement) }, name)
      : name;
    return el('div', { class: 'msg visitor file', 'data-file-id': fileId },
      meta('Visitor sent a file', e.at),
      el('p', { class: 'text' }, button, ' ', el('span', { class: 'note' }, [size, type].filter(Boolean).join(', '))));
  }

  /** A message: its author isolated and its text in its own direction (dir=auto: an Arabic line ends at the left). */
  private bubble(kind: string, author: string, text: string, at: number): HTMLElement {
    return el('div', { class: `msg ${kind}` },
      meta(bdi(author), at),
      el('p', { class: 'text', dir: 'auto' }, text));
  }
}

/**
 * Who wrote an entry and when. The punctuation is for screen readers only: a live log reads the
 * entry as one line, where the time would otherwise run into the text ("…07:49 AMMy order…").
 */
function meta(author: Node | string, at: number): HTMLElement {
  return el('p', { class: 'meta' }, el('span', { class: 'author' }, author), el('span', { class: 'sr-only' }, ','), ' ',
    el('time', { datetime: new Date(at).toISOString() }, formatTime(at)), el('span', { class: 'sr-only' }, ': '));
}
