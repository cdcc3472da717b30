/**
 * The Team view's "Blocked addresses" (ADR 0055): the org's blocks that apply now, the
 * config file's (read-only) and stored ones; add an address or CIDR range, unblock a
 * stored one (GET/POST/DELETE /admin/blocks).
 */
import type { AgentPort } from './agent-port.ts';
import { el, uid } from './dom-builder.ts';
import { formField, whileBusy } from './form-field.ts';
import { adminErrorText } from './team-form.ts';
import type { VisitorBlock } from './wire-types.ts';

export class BlockedAddressesSection {
  readonly element: HTMLElement;
  private readonly body = el('tbody');
  private readonly error = el('p', { class: 'error', role: 'alert' });
  /** Where the keyboard goes once an unblocked row is gone. */
  private readonly rangeInput: HTMLInputElement;

  constructor(private readonly client: AgentPort, private readonly say: (message: string) => void) {
    const titleId = uid('blocks-title');
    const range = formField('Address or range', el('input', { autocomplete: 'off', maxlength: 64, spellcheck: false }), 'One IPv4 or IPv6 address, or a CIDR range such as 198.51.100.0/24.');
    this.rangeInput = range.input;
    const reason = formField('Reason', el('input', { autocomplete: 'off', maxlength: 500 }), 'Optional; only your team sees it.');
    const add = el('button', { type: 'submit' }, 'Block');
    const form = el('form', { class: 'team-form', 'aria-label': 'Block an address', novalidate: true }, range.element, reason.element, el('div', { class: 'form-actions' }, add));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const ipRange = range.input.value.trim();
      range.setError(ipRange ? undefined : 'Enter an address or range');
      if (!ipRange) return void range.input.focus();
      void whileBusy(add, () => this.client.createBlock({ ipRange, ...(reason.input.value.trim() ? { reason: reason.input.value.trim() } : {}) }).then((b) => {
        range.input.value = '';
        reason.input.value = '';
        return this.refresh().then(() => this.say(`Blocked ${b.ipRange}`));
      }, (err: unknown) => {
        range.setError(adminErrorText(err));
        range.input.focus();
      }));
    });
    this.element = el('section', { class: 'team-card', 'aria-labelledby': titleId },
      el('h3', { id: titleId }, 'Blocked addresses'),
      el('p', { class: 'muted' }, 'Visitors from these addresses cannot start chats: they are told nobody is available. Those from the config file are changed there.'),
      this.error,
      el('div', { class: 'table-scroll' }, el('table', { class: 'grid blocks' },
        el('caption', { class: 'sr-only' }, 'Blocked addresses'),
        el('thead', {}, el('tr', {}, ...['Address or range', 'Reason', 'Blocked by', 'Expires'].map((h) => el('th', { scope: 'col' }, h)), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
        this.body)),
      form);
  }

  async refresh(): Promise<void> {
    try {
      const blocks = await this.client.blocks();
      this.error.textContent = '';
      this.body.replaceChildren(...(blocks.length ? blocks.map((b) => this.row(b)) : [el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No address is blocked.'))]));
    } catch (err) {
      this.error.textContent = `Could not read the blocked addresses: ${adminErrorText(err)}`;
    }
  }

  private row(b: VisitorBlock): HTMLElement {
    const by = b.source === 'config' ? 'Config file' : b.chatId ? `${b.createdBy} (from a chat)` : b.createdBy;
    const action = b.source === 'config' ? el('span', { class: 'muted' }, 'Config file')
      : el('button', { type: 'button', 'aria-label': `Unblock ${b.ipRange}` }, 'Unblock');
    if (action instanceof HTMLButtonElement) {
      action.addEventListener('click', () => void whileBusy(action, () => this.client.deleteBlock(b.id).then(() => {
        return this.refresh().then(() => {
          this.say(`Unblocked ${b.ipRange}`);
          this.rangeInput.focus();
        });
      }, (err: unknown) => {
        this.error.textContent = `Could not unblock ${b.ipRange}: ${adminErrorText(err)}`;
      })));
    }
    return el('tr', {}, el('td', {}, el('code', {}, b.ipRange)), el('td', {}, b.reason || '—'), el('td', {}, by),
      el('td', {}, b.expiresAt === null ? 'Never' : new Date(b.expiresAt).toLocaleString()), el('td', {}, action));
  }
}
