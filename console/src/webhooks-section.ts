/**
 * The Team view's "Webhooks" (ADR 0065, ADR 0068): the org's webhooks as the config file has
 * them (read-only: they are changed in the file) and where each of their events stands (ended
 * chats, messages left) — its last delivery, its backlog and, while a receiver refuses an item,
 * the failing streak. Two actions, each after a modal dialog: skip the chat or message a
 * receiver keeps refusing, and replay what came since a time (GET /admin/webhooks, POST
 * /admin/webhooks/:name/skip and /replay).
 */
import type { AgentPort } from './agent-port.ts';
import { el, uid } from './dom-builder.ts';
import { formField, whileBusy } from './form-field.ts';
import { openModalDialog } from './modal-dialog.ts';
import { adminErrorText } from './team-form.ts';
import { backlogText, localDateTimeMs, momentText, replayRefusalText, skipRefusalText } from './webhook-text.ts';
import type { WebhookStatus, WebhookStreamStatus } from './wire-types.ts';

/** What one event of a webhook sends, in the view's words. */
interface EventWords {
  /** `chat`, `message left`: in headings, buttons and dialogs. */
  item: string;
  items: string;
  /** The heading of its facts. */
  title: string;
  skip(client: AgentPort, name: string, id: string): Promise<WebhookStatus>;
}

const CHATS: EventWords = { item: 'chat', items: 'chats', title: 'Ended chats', skip: (c, name, id) => c.skipWebhookChat(name, id) };
const MESSAGES: EventWords = { item: 'message left', items: 'messages left', title: 'Messages left', skip: (c, name, id) => c.skipWebhookOfflineMessage(name, id) };

/** The chat.ended fields of a status, as its other events' are kept. */
function chatStream(w: WebhookStatus): WebhookStreamStatus {
  return { lastDeliveredAt: w.lastDeliveredAt, lastDeliveredId: w.lastDeliveredChatId, failingSince: w.failingSince, failingId: w.failingChatId, lastError: w.lastError, nextAttemptAt: w.nextAttemptAt, backlog: w.backlog };
}

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
      el('p', { class: 'muted' }, 'Each chat that ends is sent, with its transcript, to these addresses (a CRM, a ticket system), and each message a visitor leaves to those told of them. They are set in the server\'s config file; here you see how they are doing.'),
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
    const replay = el('button', { type: 'button', class: 'replay', 'aria-label': `Replay webhook ${w.name}…` }, 'Replay…');
    replay.addEventListener('click', () => this.confirmReplay(w, replay));
    const streams: Array<[EventWords, WebhookStreamStatus]> = [
      ...(w.events.includes('chat.ended') ? [[CHATS, chatStream(w)] as [EventWords, WebhookStreamStatus]] : []),
      ...(w.offlineMessages ? [[MESSAGES, w.offlineMessages] as [EventWords, WebhookStreamStatus]] : []),
    ];
    const skips: HTMLButtonElement[] = [];
    const parts = streams.map(([words, s]) => {
      const delivered = s.lastDeliveredAt === null ? ['Nothing yet']
        : [momentText(s.lastDeliveredAt), ...(s.lastDeliveredId ? [`, ${words.item} `, el('code', {}, s.lastDeliveredId)] : [])];
      let failing: HTMLElement | null = null;
      if (s.failingSince !== null) {
        failing = el('div', { class: 'webhook-failing' },
          el('p', { class: 'notice' }, `${streams.length > 1 ? `${words.title}: failing` : 'Failing'} since ${momentText(s.failingSince)}: ${s.lastError ?? 'unknown error'}`),
          // Null while an attempt is under way: there is no next one yet.
          el('p', {}, s.nextAttemptAt === null ? 'Trying again now' : `Next attempt at ${momentText(s.nextAttemptAt)}`),
          s.failingId ? el('p', {}, `Failing ${words.item}: `, el('code', {}, s.failingId)) : null);
        const id = s.failingId;
        if (id) {
          const button = el('button', { type: 'button', class: 'danger', 'aria-label': `Skip this ${words.item} of webhook ${w.name}…` }, `Skip this ${words.item}…`);
          button.addEventListener('click', () => this.confirmSkip(w, words, s, id, button));
          skips.push(button);
        }
      }
      // One event: the facts as they always read; two: each under its own heading.
      const label = streams.length > 1 ? `${words.title}: ` : '';
      return { facts: [...fact(`${label}Last delivered`, ...delivered), ...fact(`${label}Backlog (${words.items} to send)`, backlogText(s.backlog))], failing };
    });
    return el('li', { class: 'webhook', 'data-webhook': w.name, 'aria-labelledby': nameId },
      el('h4', { id: nameId }, w.name),
      el('dl', { class: 'webhook-facts' },
        ...fact('URL', el('code', {}, w.url)),
        ...fact('Sends', streams.map(([words]) => words.title.toLowerCase()).join(' and ')),
        ...fact('State', w.enabled ? 'Enabled' : 'Disabled: nothing is sent; what comes meanwhile is sent once it is enabled'),
        ...parts.flatMap((p) => p.facts)),
      ...parts.map((p) => p.failing),
      el('div', { class: 'form-actions' }, ...skips, replay));
  }

  /** The webhook's Replay button after a refresh re-drew it: where the keyboard goes when a dialog's opener is gone. */
  private replayButtonOf(name: string): HTMLElement | null {
    return this.list.querySelector<HTMLElement>(`[data-webhook="${CSS.escape(name)}"] button.replay`) ?? this.title;
  }

  private confirmSkip(w: WebhookStatus, words: EventWords, s: WebhookStreamStatus, id: string, opener: HTMLElement): void {
    openModalDialog({
      name: 'webhook-skip',
      title: `Skip ${words.item} ${id}?`,
      body: [
        el('p', {}, `The receiver of webhook ${w.name} keeps refusing this ${words.item} (${s.lastError ?? 'failed'}), and the ${words.items} after it wait behind it.`),
        el('p', { class: 'notice' }, `Skipped, the ${words.item} will not be sent to ${w.url}: the ${words.items} after it follow at once. Only a replay from before it would send it.`),
      ],
      submit: el('button', { type: 'submit', class: 'danger' }, `Skip the ${words.item}`),
      // Cancel first: skipping loses the item for the receiver.
      focus: null,
      opener,
      fallback: () => this.replayButtonOf(w.name),
      failure: 'Not skipped',
      run: () => words.skip(this.client, w.name, id)
        .catch((err: unknown) => { throw new Error(skipRefusalText(err)); })
        // The section first, then the announcement: what the status says is already on screen.
        .then(() => this.refresh())
        .then(() => this.say(`${words.item[0]!.toUpperCase()}${words.item.slice(1)} ${id} skipped: webhook ${w.name} will not send it, and the ${words.items} after it follow`)),
    });
  }

  private confirmReplay(w: WebhookStatus, opener: HTMLElement): void {
    // Seconds too: chats end seconds apart, and where a webhook stands is to the second.
    const what = [w.events.includes('chat.ended') ? 'the chats that ended' : null, w.offlineMessages ? 'the messages left' : null].filter((x) => x !== null).join(' and ');
    const since = formField(`Send again ${what} since`, el('input', { type: 'datetime-local', step: 1 }),
      'Your local time. Everything of the organization still stored from then on is sent again, oldest first.');
    openModalDialog({
      name: 'webhook-replay',
      title: `Replay webhook ${w.name}`,
      body: [
        el('p', {}, `For a receiver that lost what it had, or to fill a new one with history: ${what} are sent to ${w.url} again, with the same webhook-id as before (a receiver that kept one drops the copy). New ones follow.`),
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
          .then(() => this.say(`Webhook ${w.name} sends again ${what} since ${momentText(at)}`));
      },
    });
  }
}
