/**
 * The widget's DOM inside its shadow root: launcher button and chat panel, with
 * small methods to render state. No chat logic lives here (see chat-widget.ts).
 *
 * Accessibility: the panel is a dialog labelled by its title, non-modal except
 * where it takes the whole viewport (panel-keyboard.ts); the message list is a
 * `role=log` live region (polite; quiet while a restored chat's history fills
 * it in) that keyboard users can focus to scroll; status changes (queue,
 * reconnecting, ended) go to a `role=status` line, and so does "<agent> is
 * typing…", once as it starts; every control has a visible label or an
 * aria-label.
 */
import { h, show } from './dom.js';
import type { PrechatField } from './button-status.js';
import { textDirection } from './direction.js';
import { localLabel } from './language.js';
import { CSS } from './styles.js';
import type { Texts } from './texts.js';

/** `leave`: the form to leave a message while no one can chat (ADR 0063). */
export type View = 'offline' | 'prechat' | 'leave' | 'chat';
export type Author = 'agent' | 'me' | 'sys';

let nextId = 0;
const uid = (p: string): string => `sb-${p}-${++nextId}`;

export class PanelView {
  readonly launcher: HTMLButtonElement;
  readonly launcherText: HTMLSpanElement;
  /** "2 new" on the launcher while minimized messages wait. */
  readonly unreadBadge: HTMLSpanElement;
  /** A polite live region outside the panel. */
  readonly announcer: HTMLDivElement;
  readonly panel: HTMLDivElement;
  readonly status: HTMLDivElement;
  readonly body: HTMLDivElement;
  readonly offline: HTMLParagraphElement;
  readonly prechat: HTMLFormElement;
  /** The offline message form (ADR 0063), built by renderLeaveForm. */
  readonly leave: HTMLFormElement;
  readonly log: HTMLDivElement;
  readonly typing: HTMLDivElement;
  /** Where an agent's file request shows (file-request-prompt.ts), above the message box. */
  readonly fileSlot: HTMLDivElement;
  /** Under the message box while its text is longer than the server takes (the box never cuts a paste). */
  readonly limit: HTMLParagraphElement;
  readonly composer: HTMLFormElement;
  readonly input: HTMLTextAreaElement;
  readonly send: HTMLButtonElement;
  readonly actions: HTMLDivElement;
  /** The button's post-chat page (a survey, a message form), above the after-chat buttons; hidden without one. */
  readonly postChat: HTMLAnchorElement;
  readonly newChat: HTMLButtonElement;
  readonly saveAfter: HTMLButtonElement;
  readonly save: HTMLButtonElement;
  readonly end: HTMLButtonElement;
  /**
   * "End this chat?" under the title bar, opened by End chat: one click must not end a chat
   * (a stray tap on a phone, a mouse slip near Minimize). Its "Keep chatting" takes the focus.
   */
  readonly endConfirm: HTMLDivElement;
  readonly endYes: HTMLButtonElement;
  readonly endNo: HTMLButtonElement;
  readonly close: HTMLButtonElement;

  /**
   * `lang`: the language of `t`, set on every part so screen readers pronounce it right (ADR 0053),
   * with its direction (`dir`: a right-to-left language mirrors the launcher and panel).
   */
  constructor(readonly root: ShadowRoot, private readonly t: Texts, title: string, private readonly lang: string) {
    const dir = textDirection(lang);
    const titleId = uid('title');
    const panelId = uid('panel');
    const inputId = uid('input');
    const limitId = uid('limit');
    root.appendChild(h('style', {}, CSS));

    this.launcherText = h('span', {}, title);
    this.unreadBadge = h('span', { class: 'unread', hidden: true });
    this.launcher = h('button', { class: 'launch', type: 'button', 'aria-expanded': 'false', 'aria-controls': panelId, 'aria-haspopup': 'dialog', lang, dir },
      h('span', { class: 'dot', 'aria-hidden': 'true' }), this.launcherText, this.unreadBadge);
    // Outside the panel: heard while the panel is minimized (the log is hidden with it).
    this.announcer = h('div', { class: 'vh', role: 'status', 'aria-live': 'polite', lang, dir });

    this.save = h('button', { type: 'button', 'aria-label': t.downloadTranscript, title: t.downloadTranscript }, '⤓');
    const confirmId = uid('confirm');
    this.end = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': confirmId }, t.endChat);
    const questionId = uid('question');
    this.endYes = h('button', { type: 'button' }, t.endChatYes);
    this.endNo = h('button', { type: 'button', class: 'q' }, t.keepChatting);
    this.endConfirm = h('div', { class: 'confirm', id: confirmId, role: 'group', 'aria-labelledby': questionId, hidden: true },
      h('p', { id: questionId }, t.endChatConfirm), this.endYes, this.endNo);
    this.close = h('button', { type: 'button', 'aria-label': t.minimize, title: t.minimize }, '✕');
    this.status = h('div', { class: 'status', role: 'status' });
    this.offline = h('p', {}, t.offline);
    this.prechat = h('form', { class: 'pre', novalidate: true });
    this.leave = h('form', { class: 'pre', novalidate: true });
    this.body = h('div', { class: 'body' }, this.offline, this.prechat, this.leave);
    this.log = h('div', { class: 'body log', role: 'log', 'aria-live': 'polite', 'aria-label': t.messages, tabindex: '0' });
    // A polite status: that the agent is writing is news to a screen reader user too (WCAG 4.1.3).
    this.typing = h('div', { class: 'typing', role: 'status' });
    this.fileSlot = h('div', { class: 'file-slot' });
    // No maxlength: the browser would cut a long paste without a word. The limit line says it instead.
    this.input = h('textarea', { id: inputId, rows: '1', autocomplete: 'off', placeholder: t.placeholder, 'aria-describedby': limitId });
    this.send = h('button', { type: 'submit' }, t.send);
    this.limit = h('p', { class: 'limit err', id: limitId, hidden: true });
    this.composer = h('form', { class: 'compose' }, h('label', { for: inputId, class: 'vh' }, t.message), this.input, this.send);
    this.saveAfter = h('button', { type: 'button', class: 'q' }, t.downloadTranscript);
    this.newChat = h('button', { type: 'button' }, t.newChat);
    // A new tab: the panel, its transcript and the host page stay as they are. noreferrer: the
    // post-chat page learns nothing of the page the chat ran on beyond what its query says.
    this.postChat = h('a', { class: 'post', target: '_blank', rel: 'noopener noreferrer', hidden: true });
    this.actions = h('div', { class: 'actions' }, this.postChat, this.saveAfter, this.newChat);

    // lang: the language of the widget's texts (texts.ts), which need not be the host page's.
    // The title bar is a div, not <header>: inside the host page it would be a second banner landmark.
    this.panel = h('div', { class: 'panel', id: panelId, role: 'dialog', 'aria-labelledby': titleId, lang, dir, hidden: true },
      h('div', { class: 'head' }, h('h2', { id: titleId }, title), this.save, this.end, this.close),
      this.endConfirm, this.status, this.body, this.log, this.typing, this.fileSlot, this.limit, this.composer, this.actions);
    root.append(this.launcher, this.announcer, this.panel);
    this.showView('prechat');
    this.chatControls('none');
  }

  /** Opens or closes "End this chat?"; opened, its "Keep chatting" has the focus. */
  confirmEnd(open: boolean): void {
    show(this.endConfirm, open);
    this.end.setAttribute('aria-expanded', String(open));
    if (open) this.endNo.focus();
  }

  /** Says `text` to screen readers, also while the panel is minimized. */
  announce(text: string): void {
    this.announcer.textContent = text;
  }

  /** The launcher's count of messages that arrived while minimized (0 hides it). */
  setUnread(n: number): void {
    this.unreadBadge.hidden = n === 0;
    this.unreadBadge.textContent = n === 0 ? '' : this.t.unread({ n });
  }

  /** Which main area shows: the offline note, the pre-chat form or the message log. */
  showView(view: View): void {
    this.panel.dataset.view = view;
    show(this.body, view !== 'chat');
    show(this.offline, view === 'offline');
    show(this.prechat, view === 'prechat');
    show(this.leave, view === 'leave');
    show(this.log, view === 'chat');
  }

  /** `live`: composer and End; `after`: transcript and new-chat buttons; `none`: neither. */
  chatControls(mode: 'live' | 'after' | 'none'): void {
    show(this.composer, mode === 'live');
    if (mode !== 'live') this.setLimit('');
    show(this.fileSlot, mode === 'live');
    show(this.end, mode === 'live');
    if (mode !== 'live') this.confirmEnd(false);
    show(this.actions, mode === 'after');
    show(this.save, mode !== 'none');
  }

  /** Shows the link to the post-chat page (`href` null: hides it), named `text`; screen readers also hear that it opens a new tab. */
  setPostChat(href: string | null, text: string): void {
    show(this.postChat, href !== null);
    if (href === null) this.postChat.removeAttribute('href');
    else this.postChat.href = href;
    this.postChat.replaceChildren(text, h('span', { class: 'vh' }, ` ${this.t.opensInNewTab}`), h('span', { 'aria-hidden': 'true' }, ' ↗'));
  }

  setStatus(text: string, warn = false): void {
    if (this.status.textContent !== text) this.status.textContent = text;
    if (warn) this.status.dataset.kind = 'warn';
    else delete this.status.dataset.kind;
  }

  /**
   * The typing line ('' empties it). Only a change is written: the same line written again (every
   * AgentTyping while the agent goes on typing, a message that leaves another agent typing) would be
   * told again. Emptied, it tells nothing (a removal is not read out).
   */
  setTyping(text: string): void {
    if (this.typing.textContent !== text) this.typing.textContent = text;
  }

  /** The limit line under the message box ('' hides it); the box is marked invalid while it shows. */
  setLimit(text: string): void {
    show(this.limit, text !== '');
    if (this.limit.textContent !== text) this.limit.textContent = text;
    if (text) this.input.setAttribute('aria-invalid', 'true');
    else this.input.removeAttribute('aria-invalid');
  }

  /** Appends one message to the log, keeps the newest in view, and returns its bubble. */
  addMessage(author: Author, who: string, text: string): HTMLDivElement {
    const label = author === 'sys' ? null : author === 'me' ? h('span', { class: 'vh' }, `${this.t.you}: `) : h('span', { class: 'who', dir: 'auto' }, who, h('span', { class: 'vh' }, ': '));
    // What the visitor or an agent wrote takes the direction of its own first letters (Hebrew in an
    // English widget, English in an Arabic one), not the widget's; the bubble's side stays the widget's.
    const body = author === 'sys' ? text : h('div', { dir: 'auto' }, text);
    // A system line ("X joined the chat") says what the status line above says: one announcement, not two.
    const bubble = h('div', { class: `msg ${author}`, ...(author === 'sys' ? { 'aria-hidden': 'true' } : {}) }, label, body);
    this.log.appendChild(bubble);
    this.log.scrollTop = this.log.scrollHeight;
    return bubble;
  }

  /**
   * How a visitor's message went, under its text: `sending` (not confirmed yet), `failed` (not sent or
   * not delivered, with why), or null (sent: no mark). The mark is text in the log, so screen readers
   * hear it as it appears and find it beside the message later.
   */
  markMessage(bubble: HTMLElement, state: 'sending' | 'failed' | null, text = ''): void {
    bubble.querySelector(':scope > .state')?.remove();
    if (state === null) delete bubble.dataset.state;
    else {
      bubble.dataset.state = state;
      bubble.appendChild(h('span', { class: 'state' }, text));
    }
  }

  /**
   * Runs `fill`, which adds a chat's history to the log, without the log telling it: a chat continued
   * after a reload or on another page of the site shows its history again, and that is not news. As
   * in the console's transcript, the log is `aria-live=off` while it fills, and polite again only after
   * the next frame, once the accessibility tree has taken the history in (it takes the page's changes
   * when it next renders, not at once).
   */
  fillQuietly(fill: () => void): void {
    this.log.setAttribute('aria-live', 'off');
    fill();
    requestAnimationFrame(() => setTimeout(() => this.log.setAttribute('aria-live', 'polite'), 0));
  }

  clearLog(): void {
    this.log.replaceChildren();
  }

  /** Rebuilds the pre-chat form for these fields (none: just a Start button). */
  renderPrechat(fields: readonly PrechatField[]): void {
    const intro = h('p', {}, fields.length ? this.t.prechatIntro : this.t.prechatIntroEmpty);
    this.prechat.replaceChildren(intro, ...this.rows(fields), h('p', { class: 'err', id: `${this.panel.id}-err`, role: 'alert' }), h('button', { type: 'submit' }, this.t.startChat));
  }

  /**
   * Builds the offline message form (ADR 0063): the pre-chat form's kind of labelled fields,
   * an error line screen readers hear (role=alert), and a send button. `maxLength` caps the
   * last field (the message) as the server does.
   */
  renderLeaveForm(fields: readonly PrechatField[], maxLength: number): void {
    const rows = this.rows(fields);
    rows.at(-1)?.lastElementChild?.setAttribute('maxlength', String(maxLength));
    this.leave.replaceChildren(h('p', {}, this.t.leaveMessageIntro), ...rows, h('p', { class: 'err', id: `${this.panel.id}-lerr`, role: 'alert' }), h('button', { type: 'submit' }, this.t.sendMessage));
  }

  /** After the message was sent: the thanks in place of the form, focused so it is read out. */
  leaveSent(text: string): void {
    const done = h('p', { tabindex: '-1', role: 'status' }, text);
    this.leave.replaceChildren(done);
    done.focus();
  }

  /** One labelled control per field (required ones say so in their label). */
  private rows(fields: readonly PrechatField[]): HTMLLabelElement[] {
    return fields.map((f) => {
      const id = uid('f');
      const attrs = { id, name: f.name, required: f.required, 'aria-required': f.required ? 'true' : undefined, autocomplete: f.type === 'email' ? 'email' : f.name.toLowerCase().includes('name') ? 'name' : 'off' };
      const control = f.type === 'textarea' ? h('textarea', { ...attrs, rows: '3' }) : h('input', { ...attrs, type: f.type });
      // In the widget's language when the button's config gives the field a label in it (`labels`).
      const label = localLabel(f.label, f.labels, this.lang);
      return h('label', { for: id }, f.required ? this.t.required({ label }) : label, control);
    });
  }

  /** The first control a keyboard user should land on in the current view. */
  firstFocus(): HTMLElement {
    if (!this.composer.hidden) return this.input;
    if (!this.actions.hidden) return this.newChat;
    for (const form of [this.prechat, this.leave]) if (!form.hidden) return form.querySelector<HTMLElement>('input,textarea,button,[tabindex]') ?? this.close;
    return this.close;
  }
}
