/**
 * The console's small modal dialogs (block visitor, raise flag, invite to conference, transfer)
 * share one shape and one behaviour, kept here: a <dialog> named by its heading, a form whose
 * submit button is the dialog's one action, an error line (role alert) for a refusal, Cancel and
 * Escape close it, focus stays inside while open (showModal) and goes back to the button that
 * opened it. While an action runs a second submit is ignored and the button says aria-disabled
 * (not `disabled`: the keyboard keeps its place on it).
 */
import { el, uid, type Child } from './dom-builder.ts';

export interface ModalDialogSpec {
  /** The prefix of the heading's id (`block` gives `block-title-<n>`). */
  name: string;
  /** The heading, which names the dialog. */
  title: string;
  /** What stands between the heading and the error line. */
  body: Child[];
  /** What follows the error line (a progress line). */
  afterError?: Child[];
  /** The submit button; null when there is nothing to submit (only Cancel is shown). */
  submit: HTMLButtonElement | null;
  /** Gets the focus when the dialog opens; null: the first button (Cancel). */
  focus: HTMLElement | null;
  /** Gets the focus back when the dialog closes. */
  opener: HTMLElement;
  /**
   * Gets the focus when `opener` is gone by then (made focusable for it when it is not): an
   * element, or a function that finds it at close (an action re-rendered the opener's controls).
   */
  fallback?: HTMLElement | (() => HTMLElement | null | undefined);
  /** The error line's words before a rejection's message ("Blocking failed"). */
  failure: string;
  /**
   * The action of a submit: its promise closes the dialog when it resolves and shows its
   * rejection's message in the error line. `undefined`: nothing to send (say why with `showError`).
   */
  run(showError: (text: string) => void): Promise<unknown> | undefined;
}

/** What the opener keeps of an open dialog. */
export interface ModalDialog {
  readonly dialog: HTMLDialogElement;
  /** Closes the dialog if it is still open. */
  close(): void;
}

/** Builds the dialog, shows it modal and focuses `spec.focus`. */
export function openModalDialog(spec: ModalDialogSpec): ModalDialog {
  const titleId = uid(`${spec.name}-title`);
  const error = el('p', { class: 'error', role: 'alert' });
  const send = spec.submit;
  let busy = false;
  const dialog = el('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const form = el('form', { method: 'dialog' },
    el('h2', { id: titleId }, spec.title),
    ...spec.body,
    error,
    ...(spec.afterError ?? []),
    el('div', { class: 'dialog-actions' },
      el('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      send));
  dialog.append(form);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    // One action at a time: a second click while the first has no answer yet would send it twice.
    if (busy) return;
    const work = spec.run((text) => { error.textContent = text; });
    if (!work) return;
    busy = true;
    send?.setAttribute('aria-disabled', 'true');
    error.textContent = '';
    work.then(() => dialog.close(), (err: unknown) => {
      error.textContent = `${spec.failure}: ${err instanceof Error ? err.message : String(err)}`;
    }).finally(() => {
      busy = false;
      send?.removeAttribute('aria-disabled');
    });
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (spec.opener.isConnected) spec.opener.focus();
    else {
      const fallback = typeof spec.fallback === 'function' ? spec.fallback() : spec.fallback;
      if (!fallback) return;
      if (fallback.tabIndex < 0 && !fallback.hasAttribute('tabindex')) fallback.setAttribute('tabindex', '-1');
      fallback.focus();
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  (spec.focus ?? dialog.querySelector('button'))?.focus();
  return { dialog, close: () => { if (dialog.open) dialog.close(); } };
}
