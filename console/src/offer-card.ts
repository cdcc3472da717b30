/**
 * An incoming chat offer: who, from which queue, pre-chat data, and a
 * countdown to `expiresAt` (server time), corrected by `clockOffset`: how far
 * our clock is ahead of the server's (ConsoleApp measures it from live events;
 * a replayed offer's own `at` is late by the outage and would lengthen it).
 */
import { bdi, el } from './dom-builder.ts';
import { offerText } from './offer-text.ts';
import type { OfferData } from './wire-types.ts';

export class OfferCard {
  readonly element: HTMLElement;
  private readonly countdown: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly deadline: number;
  private readonly total: number;

  constructor(readonly offer: OfferData, clockOffset: number, actions: { accept(card: OfferCard): void; decline(card: OfferCard): void }) {
    this.deadline = offer.expiresAt + clockOffset;
    this.total = Math.max(1000, this.deadline - Date.now());
    this.countdown = el('span', { class: 'countdown' });
    this.progress = el('progress', { max: 100, value: 100, 'aria-hidden': 'true' });
    const who = offer.visitorName || 'A visitor';
    const prechat = (offer.prechatDetails ?? []).flatMap((d) => {
      const r = d as Record<string, unknown>;
      // displayToAgent: false (the guide): a value for routing or the CRM, not for the agent's eyes.
      return r && typeof r === 'object' && r['value'] && r['displayToAgent'] !== false ? [[String(r['label'] ?? r['name'] ?? ''), String(r['value'])] as const] : [];
    });
    // A transfer or an invitation into another agent's chat (a conference) says so, and whose chat it is.
    const text = offerText(offer);
    this.element = el('article', { class: 'offer', 'aria-label': text.label, 'data-chat-id': offer.chatId },
      el('h3', {}, text.headingPrefix, bdi(who)),
      el('p', { class: 'muted' }, `Queue ${offer.queueName ?? offer.queue ?? offer.buttonId ?? '—'}`),
      prechat.length ? el('ul', { class: 'prechat' }, ...prechat.map(([label, value]) => el('li', {}, bdi(label), ': ', bdi(value)))) : null,
      el('p', {}, this.countdown, ' ', this.progress),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'primary', onclick: () => actions.accept(this) }, 'Accept'),
        el('button', { type: 'button', onclick: () => actions.decline(this) }, 'Decline')));
    this.tick();
    this.timer = setInterval(() => this.tick(), 250);
  }

  get chatId(): string {
    return this.offer.chatId;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.element.remove();
  }

  setBusy(busy: boolean): void {
    for (const b of this.element.querySelectorAll('button')) b.disabled = busy;
  }

  private tick(): void {
    const left = Math.max(0, this.deadline - Date.now());
    this.countdown.textContent = left > 0 ? `Expires in ${Math.ceil(left / 1000)} s` : 'Expired';
    this.progress.value = Math.round((left / this.total) * 100);
    if (left <= 0) clearInterval(this.timer);
  }
}
