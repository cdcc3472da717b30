/**
 * The Supervisor view's "Messages left" (ADR 0063): what visitors left while no one could
 * chat, newest first, with "Mark handled" (or "Mark new") and "Delete". New ones arrive
 * live from the stream (`offlineMessage.created`); a filter shows the new ones only.
 */
import type { AgentPort } from './agent-port.ts';
import { bdi, el, uid } from './dom-builder.ts';
import { whileBusy } from './form-field.ts';
import { mailtoHref } from './mailto.ts';
import { adminErrorText } from './team-form.ts';
import type { OfflineMessage } from './wire-types.ts';

/** One page is plenty for a section on a dashboard; older ones stay in the agent API. */
const PAGE = 50;

export class OfflineMessagesSection {
  readonly element: HTMLElement;
  private readonly list = el('div', { class: 'offline-messages' });
  private readonly error = el('p', { class: 'error', role: 'alert' });
  private readonly onlyNew: HTMLInputElement;
  private readonly heading: HTMLHeadingElement;
  private messages: OfflineMessage[] = [];

  constructor(private readonly client: AgentPort, private readonly say: (message: string) => void) {
    const titleId = uid('offline-title');
    this.heading = el('h3', { id: titleId, tabindex: '-1' }, 'Messages left');
    this.onlyNew = el('input', { type: 'checkbox', checked: true });
    this.onlyNew.addEventListener('change', () => void this.refresh());
    this.element = el('section', { class: 'offline-section', 'aria-labelledby': titleId },
      this.heading,
      el('p', { class: 'muted' }, 'Messages visitors left while no one could chat (buttons with offline messages).'),
      el('label', {}, this.onlyNew, ' New only'),
      this.error,
      this.list);
  }

  async refresh(): Promise<void> {
    try {
      const page = await this.client.listOfflineMessages({ limit: PAGE, ...(this.onlyNew.checked ? { status: 'new' } : {}) });
      this.error.textContent = '';
      this.messages = page.messages;
      this.render();
    } catch (err) {
      this.error.textContent = `Could not read the messages left: ${adminErrorText(err)}`;
    }
  }

  /** A message the stream announced: at the top at once (and said), without a round trip. */
  arrived(m: OfflineMessage): void {
    if (this.messages.some((x) => x.id === m.id)) return;
    this.messages = [m, ...this.messages].slice(0, PAGE);
    this.render();
    this.say(`New message left by ${m.name}${m.subject ? `: ${m.subject}` : ''}`);
  }

  private render(): void {
    const focusedId = document.activeElement instanceof HTMLElement && this.list.contains(document.activeElement) ? document.activeElement.dataset['messageId'] : undefined;
    this.list.replaceChildren(...(this.messages.length ? this.messages.map((m) => this.card(m)) : [el('p', { class: 'muted' }, this.onlyNew.checked ? 'No new messages.' : 'No messages.')]));
    if (focusedId === undefined) return;
    const again = this.list.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(focusedId)}"]`);
    (again ?? this.heading).focus();
  }

  private card(m: OfflineMessage): HTMLElement {
    const handled = m.status === 'handled';
    // The names start with the visible words (WCAG 2.5.3), then say whose message.
    const markText = handled ? 'Mark new' : 'Mark handled';
    const mark = el('button', { type: 'button', 'data-message-id': m.id, 'aria-label': `${markText}: message from ${m.name}` }, markText);
    const remove = el('button', { type: 'button', 'aria-label': `Delete: message from ${m.name}` }, 'Delete');
    mark.addEventListener('click', () => void whileBusy(mark, () => this.client.markOfflineMessage(m.id, handled ? 'new' : 'handled').then(() => {
      return this.refresh().then(() => this.say(`Message from ${m.name} marked ${handled ? 'new' : 'handled'}`));
    }, (err: unknown) => { this.error.textContent = `Could not change the message from ${m.name}: ${adminErrorText(err)}`; })));
    remove.addEventListener('click', () => void whileBusy(remove, () => this.client.deleteOfflineMessage(m.id).then(() => {
      return this.refresh().then(() => this.say(`Message from ${m.name} deleted`));
    }, (err: unknown) => { this.error.textContent = `Could not delete the message from ${m.name}: ${adminErrorText(err)}`; })));
    // The visitor's address, as a link only when the link can name that one recipient and nothing else.
    const href = mailtoHref(m.email);
    return el('article', { class: `offline-message${handled ? ' handled' : ''}`, 'aria-label': `Message from ${m.name}` },
      el('p', {}, el('strong', {}, m.subject ? bdi(m.subject) : '(no subject)'), ' — ', bdi(m.name), ' ', href ? el('a', { href }, bdi(m.email)) : bdi(m.email)),
      el('p', { class: 'muted' }, `${new Date(m.createdAt).toLocaleString()}${handled ? ' · handled' : ''}`),
      el('p', { class: 'offline-text', dir: 'auto' }, m.message),
      el('div', { class: 'form-actions' }, mark, remove));
  }
}
