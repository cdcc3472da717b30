/**
 * The "Invite to conference" dialog (ADR 0051): the holder picks one online agent with room
 * (as the transfer dialog lists them) and invites it into the chat. A modal <dialog>: focus
 * stays inside while open, Escape cancels, focus goes back to the button that opened it.
 */
import { el, uid } from './dom-builder.ts';

/** An agent who could join now. */
export interface ConferenceCandidate {
  id: string;
  name: string;
}

/** Sends the invitation; a rejection's message is shown in the dialog, a success closes it. */
export type ConferenceSubmit = (agentId: string) => Promise<void>;

export function openConferenceDialog(visitorName: string, agents: readonly ConferenceCandidate[], opener: HTMLElement, submit: ConferenceSubmit): void {
  const titleId = uid('conference-title');
  const selectId = uid('conference-agent');
  const error = el('p', { class: 'error', role: 'alert' });
  const select = el('select', { id: selectId }, ...agents.map((a) => el('option', { value: a.id }, a.name)));
  const send = el('button', { type: 'submit', class: 'primary' }, 'Invite');
  let busy = false;
  const dialog = el('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const form = el('form', { method: 'dialog' },
    el('h2', { id: titleId }, `Invite an agent into the chat with ${visitorName || 'visitor'}`),
    agents.length
      ? el('p', {}, el('label', { for: selectId }, 'Agent'), ' ', select)
      : el('p', {}, 'No other agent is online with room right now.'),
    error,
    el('div', { class: 'dialog-actions' },
      el('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      agents.length ? send : null));
  dialog.append(form);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (busy || !select.value) return;
    busy = true;
    send.setAttribute('aria-disabled', 'true');
    error.textContent = '';
    submit(select.value).then(() => dialog.close(), (err: unknown) => {
      error.textContent = `Invitation failed: ${err instanceof Error ? err.message : String(err)}`;
    }).finally(() => {
      busy = false;
      send.removeAttribute('aria-disabled');
    });
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  (agents.length ? select : dialog.querySelector('button'))?.focus();
}
