/**
 * The "Block visitor…" dialog of a chat (ADR 0055): a confirmation with an optional reason.
 * Blocking refuses the visitor's address for the org and ends this chat. A modal <dialog>:
 * focus stays inside while open, Escape cancels, focus goes back to the button that opened it.
 */
import { el, uid } from './dom-builder.ts';

/** Blocks with the reason given; a rejection's message is shown in the dialog, a success closes it. */
export type BlockSubmit = (reason: string) => Promise<void>;

export function openBlockVisitorDialog(visitorName: string, opener: HTMLElement, submit: BlockSubmit): void {
  const titleId = uid('block-title');
  const reasonId = uid('block-reason');
  const hintId = uid('block-hint');
  const error = el('p', { class: 'error', role: 'alert' });
  const reason = el('textarea', { id: reasonId, rows: 3, maxlength: 500, 'aria-describedby': hintId });
  const send = el('button', { type: 'submit', class: 'danger' }, 'Block and end chat');
  let busy = false;
  const dialog = el('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const form = el('form', { method: 'dialog' },
    el('h2', { id: titleId }, `Block ${visitorName || 'the visitor'}?`),
    el('p', { id: hintId }, 'Their address can no longer start chats with your organization, and this chat ends. Admins can unblock it in the Team view.'),
    el('p', {}, el('label', { for: reasonId }, 'Reason (optional, for your team)'), el('br'), reason),
    error,
    el('div', { class: 'dialog-actions' },
      el('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      send));
  dialog.append(form);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    send.setAttribute('aria-disabled', 'true');
    error.textContent = '';
    submit(reason.value.trim()).then(() => dialog.close(), (err: unknown) => {
      error.textContent = `Blocking failed: ${err instanceof Error ? err.message : String(err)}`;
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
  reason.focus();
}
