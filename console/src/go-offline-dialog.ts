/**
 * "Go offline?": asked when the agent picks Offline while holding chats. Offline hands every
 * chat the agent holds back to the queue at once (docs/agent-api.md, "Presence"), which one
 * click on the presence switch should not do unasked; Away keeps them. A modal <dialog>
 * (modal-dialog.ts): the keyboard starts on Cancel, Escape cancels, focus goes back to the switch.
 */
import { el } from './dom-builder.ts';
import { openModalDialog } from './modal-dialog.ts';

/** The dialog's words for `held` chats (one or more). */
export function goOfflineText(held: number): { title: string; body: string } {
  const chats = held === 1 ? '1 chat' : `${held} chats`;
  return {
    title: 'Go offline?',
    body: `Going offline returns ${chats} to the queue: ${held === 1 ? 'its visitor waits' : 'their visitors wait'} for another agent. To keep your chats and take no new ones, choose Away.`,
  };
}

/**
 * Opens the dialog. `goOffline` runs on "Go offline" (its rejection is shown in the dialog);
 * `cancelled` when the dialog closes without it (Cancel, Escape), after the keyboard went back to
 * `opener`: it puts the switch back as it was and may move the keyboard to the presence kept.
 */
export function openGoOfflineDialog(held: number, opener: HTMLElement, goOffline: () => Promise<void>, cancelled: () => void): void {
  const text = goOfflineText(held);
  let done = false;
  const { dialog } = openModalDialog({
    name: 'go-offline',
    title: text.title,
    body: [el('p', {}, text.body)],
    submit: el('button', { type: 'submit', class: 'danger' }, 'Go offline'),
    focus: null,
    opener,
    failure: 'Going offline failed',
    run: () => goOffline().then(() => { done = true; }),
  });
  // Registered after the dialog's own close handler (which focuses the opener), so it runs after it.
  dialog.addEventListener('close', () => { if (!done) cancelled(); }, { once: true });
}
