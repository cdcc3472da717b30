/**
 * The "Block visitor…" dialog of a chat (ADR 0055): a confirmation with an optional reason.
 * Blocking refuses the visitor's address for the org and ends this chat. A modal <dialog>
 * (modal-dialog.ts): focus stays inside while open, Escape cancels, focus goes back to the
 * button that opened it.
 */
import { el, uid } from './dom-builder.ts';
import { openModalDialog } from './modal-dialog.ts';

/** Blocks with the reason given; a rejection's message is shown in the dialog, a success closes it. */
export type BlockSubmit = (reason: string) => Promise<void>;

/**
 * Opens the dialog. Focus returns to `opener` on close, or to what `fallback` finds when the
 * opener is gone (blocking ends the chat, which removes the chat's buttons).
 */
export function openBlockVisitorDialog(visitorName: string, opener: HTMLElement, fallback: () => HTMLElement | null, submit: BlockSubmit): void {
  const reasonId = uid('block-reason');
  const hintId = uid('block-hint');
  const reason = el('textarea', { id: reasonId, rows: 3, maxlength: 500, 'aria-describedby': hintId });
  openModalDialog({
    name: 'block',
    title: `Block ${visitorName || 'the visitor'}?`,
    body: [
      el('p', { id: hintId }, 'Their address can no longer start chats with your organization, and this chat ends. Admins can unblock it in the Team view.'),
      el('p', {}, el('label', { for: reasonId }, 'Reason (optional, for your team)'), el('br'), reason),
    ],
    submit: el('button', { type: 'submit', class: 'danger' }, 'Block and end chat'),
    focus: reason,
    opener,
    fallback,
    failure: 'Blocking failed',
    run: () => submit(reason.value.trim()),
  });
}
