/**
 * The Team view's erasure on request: a visitor id, a confirmation, then what
 * the server erased in this org (DELETE /admin/visitors/:visitorId). Chats still
 * running are left alone and counted: end them and erase again.
 */
import type { AgentPort } from './agent-port.ts';
import { el, uid } from './dom-builder.ts';
import { formField, whileBusy } from './form-field.ts';
import { adminErrorText } from './team-form.ts';
import type { VisitorErasure } from './wire-types.ts';

export class VisitorErasureSection {
  readonly element: HTMLElement;
  private readonly area = el('div', { class: 'confirm-area' });
  private readonly result = el('div', { class: 'erasure-result' });

  constructor(private readonly client: AgentPort, private readonly say: (message: string) => void) {
    const titleId = uid('erase-title');
    const visitor = formField('Visitor id', el('input', { autocomplete: 'off', maxlength: 256 }), 'The visitor\'s id as a chat\'s details show it.');
    const erase = el('button', { type: 'submit', class: 'danger' }, 'Erase…');
    const form = el('form', { class: 'team-form', 'aria-label': 'Erase a visitor', novalidate: true }, visitor.element, el('div', { class: 'form-actions' }, erase));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const id = visitor.input.value.trim();
      visitor.setError(id ? undefined : 'Enter the visitor\'s id');
      if (!id) return void visitor.input.focus();
      this.confirm(id, () => visitor.input.focus());
    });
    this.element = el('section', { class: 'team-card', 'aria-labelledby': titleId },
      el('h3', { id: titleId }, 'Erase a visitor'),
      el('p', { class: 'muted' }, 'On a visitor\'s request: deletes their ended chats in this organization, transcripts included, and their breadcrumbs. Chats still running are left alone.'),
      form, this.area, this.result);
  }

  private confirm(visitorId: string, back: () => void): void {
    const yes = el('button', { type: 'button', class: 'danger' }, 'Erase for good');
    const no = el('button', { type: 'button' }, 'Cancel');
    const error = el('p', { class: 'error', role: 'alert' });
    no.addEventListener('click', () => { this.area.replaceChildren(); back(); });
    yes.addEventListener('click', () => void whileBusy(yes, () => this.client.eraseVisitor(visitorId).then((r) => {
      this.area.replaceChildren();
      this.show(visitorId, r);
      back();
    }, (err: unknown) => {
      error.textContent = adminErrorText(err);
    })));
    this.area.replaceChildren(el('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm the erasure' },
      el('p', { class: 'notice' }, `Erase the ended chats of visitor ${visitorId}? Their transcripts cannot be brought back.`),
      el('div', { class: 'form-actions' }, yes, no), error));
    no.focus();
  }

  private show(visitorId: string, r: VisitorErasure): void {
    const summary = `Visitor ${visitorId}: ${r.deletedChats} ended chat${r.deletedChats === 1 ? '' : 's'} erased, ${r.deletedBreadcrumbs} breadcrumb${r.deletedBreadcrumbs === 1 ? '' : 's'} deleted`
      + (r.activeChats ? `; ${r.activeChats} chat${r.activeChats === 1 ? ' is' : 's are'} still running: end ${r.activeChats === 1 ? 'it' : 'them'} and erase again` : '')
      + (r.breadcrumbsKept ? '; breadcrumbs posted without a chat were kept (this organization has no chat with the visitor)' : '');
    this.result.replaceChildren(el('p', {}, summary));
    this.say(summary);
  }
}
