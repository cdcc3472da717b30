/**
 * The Team view's "Webhooks" (ADR 0065): the org's webhooks as the config file has them
 * (read-only: they are changed in the file) and where each stands — its last delivery, its
 * backlog and, while a receiver refuses a chat, the failing streak. Two actions, each after a
 * modal dialog: skip the chat a receiver keeps refusing, and replay the chats that ended since a
 * time (GET /admin/webhooks, POST /admin/webhooks/:name/skip and /replay).
 */
import type { AgentPort } from './agent-port.ts';
import { el, uid } from './dom-builder.ts';
import { formField, whileBusy } from './form-field.ts';
import { openModalDialog } from './modal-dialog.ts';
import { adminErrorText } from './team-form.ts';
import { backlogText, localDateTimeMs, momentText, replayRefusalText, skipRefusalText } from './webhook-text.ts';
import type { WebhookStatus } from './wire-types.ts';

export class WebhooksSection {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly list = el('div', { class: 'webhook-list' });
  private readonly error = el('p', { class: 'error', role: 'alert' });

  constructor(private readonly client: AgentPort, private readonly say: (message: string) => void) {
    const titleId = uid('webhooks-title');
    this.title = el('h3', { id: titleId, tabindex: -1 }, 'Webhooks');
    const refresh = el('button', { type: 'button', 'aria-label': 'Refresh webhooks' }, 'Refresh');
    // Busy while it reads: a second click would only read the same again.
    refresh.addEventListener('click', () => void whileBusy(refresh, () => this.refresh()));
    this.element = el('section', { class: 'team-card', 'aria-labelledby': titleId },
      el('div', { class: 'card-header' }, this.title, refresh),
      el('p', { class: 'muted' }, 'Each chat that ends is sent, with its transcript, to these addresses (a CRM, a ticket system). They are set in the server\'s config file; here you see how they are doing.'),
      this.error,
      this.list);
  }

  /** Where each webhook stands, read again. */
  async refresh(): Promise<void> {
    try {
      const hooks = await this.client.webhooks();
      this.error.textContent = '';
      this.list.replaceChildren(hooks.length
        ? el('ul', { class: 'webhooks', 'aria-label': 'Webhooks of the organization' }, ...hooks.map((w) => this.item(w)))
        : el('p', { class: 'muted' }, 'No webhooks are configured for this organization (config file: ', el('code', {}, 'orgs[].webhooks'), ').'));
    } catch (err) {
      this.error.textContent = `Could not read the webhooks: ${adminErrorText(err)}`;
    }
  }

  private item(w: WebhookStatus): HTMLElement {
    const nameId = uid('webhook-name');
    const fact = (term: string, ...value: (Node | string)[]): HTMLElement[] => [el('dt', {}, term), el('dd', {}, ...value)];
    const delivered = w.lastDeliveredAt === null ? ['Nothing yet']
      : [momentText(w.lastDeliveredAt), ...(w.lastDeliveredChatId ? [', chat ', el('code', {}, w.lastDeliveredChatId)] : [])];
    const replay = el('button', { type: 'button', class: 'replay', 'aria-label': `Replay webhook ${w.name}…` }, 'Replay…');
    replay.addEventListener('click', () => this.confirmReplay(w, replay));
    let failing: HTMLElement | null = null;
    let skip: HTMLButtonElement | null = null;
    if (w.failingSince !== null) {
      failing = el('div', { class: 'webhook-failing' },
        el('p', { class: 'notice' }, `Failing since ${momentText(w.failingSince)}: ${w.lastError ?? 'unknown error'}`),
        // Null while an attempt is under way: there is no next one yet.
        el('p', {}, w.nextAttemptAt === null ? 'Trying again now' : `Next attempt at ${momentText(w.nextAttemptAt)}`),
        w.failingChatId ? el('p', {}, 'Failing chat: ', el('code', {}, w.failingChatId)) : null);
      const chatId = w.failingChatId;
      if (chatId) {
        const button = el('button', { type: 'button', class: 'danger', 'aria-label': `Skip this chat of webhook ${w.name}…` }, 'Skip this chat…');
        button.addEventListener('click', () => this.confirmSkip(w, chatId, button));
        skip = button;
      }
    }
    return el('li', { class: 'webhook', 'data-webhook': w.name, 'aria-labelledby': nameId },
      el('h4', { id: nameId }, w.name),
      el('dl', { class: 'webhook-facts' },
        ...fact('URL', el('code', {}, w.url)),
        ...fact('State', w.enabled ? 'Enabled' : 'Disabled: nothing is sent; the chats that end meanwhile are sent once it is enabled'),
        ...fact('Last delivered', ...delivered),
        ...fact('Backlog (chats to send)', backlogText(w.backlog))),
      failing,
      el('div', { class: 'form-actions' }, skip, replay));
  }

  /** The webhook's Replay button after a refresh re-drew it: where the keyboard goes when a dialog's opener is gone. */
  private replayButtonOf(name: string): HTMLElement | null {
    return this.list.querySelector<HTMLElement>(`[data-webhook="${CSS.escape(name)}"] button.replay`) ?? this.title;
  }

  private confirmSkip(w: WebhookStatus, chatId: string, opener: HTMLElement): void {
    openModalDialog({
      name: 'webhook-skip',
      title: `Skip chat ${chatId}?`,
      body: [
        el('p', {}, `The receiver of webhook ${w.name} keeps refusing this chat (${w.lastError ?? 'failed'}), and the chats after it wait behind it.`),
        el('p', { class: 'notice' }, `Skipped, the chat will not be sent to ${w.url}: the chats after it follow at once. Only a replay from before it would send it.`),
      ],
      submit: el('button', { type: 'submit', class: 'danger' }, 'Skip the chat'),
      // Cancel first: skipping loses the chat for the receiver.
      focus: null,
      opener,
      fallback: () => this.replayButtonOf(w.name),
      failure: 'Not skipped',
      run: () => this.client.skipWebhookChat(w.name, chatId)
        .catch((err: unknown) => { throw new Error(skipRefusalText(err)); })
        // The section first, then the announcement: what the status says is already on screen.
        .then(() => this.refresh())
        .then(() => this.say(`Chat ${chatId} skipped: webhook ${w.name} will not send it, and the chats after it follow`)),
    });
  }

  private confirmReplay(w: WebhookStatus, opener: HTMLElement): void {
    // Seconds too: chats end seconds apart, and where a webhook stands is to the second.
    const since = formField('Send again the chats that ended since', el('input', { type: 'datetime-local', step: 1 }),
      'Your local time. Every chat of the organization still stored that ended then or later is sent again, oldest first.');
    openModalDialog({
      name: 'webhook-replay',
      title: `Replay webhook ${w.name}`,
      body: [
        el('p', {}, `For a receiver that lost what it had, or to fill a new one with history: the chats are sent to ${w.url} again, with the same webhook-id as before (a receiver that kept one drops the copy). New chats follow.`),
        since.element,
      ],
      submit: el('button', { type: 'submit', class: 'primary' }, 'Replay'),
      focus: since.input,
      opener,
      fallback: () => this.replayButtonOf(w.name),
      failure: 'Not replayed',
      run: () => {
        const at = localDateTimeMs(since.input.value);
        since.setError(at === undefined ? 'Choose a date and time' : undefined);
        if (at === undefined) {
          since.input.focus();
          return undefined;
        }
        return this.client.replayWebhook(w.name, at)
          .catch((err: unknown) => { throw new Error(replayRefusalText(err)); })
          .then(() => this.refresh())
          .then(() => this.say(`Webhook ${w.name} sends again the chats that ended since ${momentText(at)}`));
      },
    });
  }
}
