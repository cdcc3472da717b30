/**
 * A labelled form control with an optional hint and its own error line, both
 * tied to the control (aria-describedby), the error also marked aria-invalid:
 * a screen reader reads what a field is for and what is wrong with it.
 */
import { el, uid } from './dom-builder.ts';

export interface FormField<T extends HTMLElement> {
  readonly element: HTMLElement;
  readonly input: T;
  /** Shows a message under the control (none clears it). */
  setError(message: string | undefined): void;
}

export function formField<T extends HTMLInputElement | HTMLSelectElement>(label: string, input: T, hint?: string): FormField<T> {
  if (!input.id) input.id = uid('field');
  const hintEl = hint ? el('p', { class: 'hint muted', id: uid('hint') }, hint) : null;
  const error = el('p', { class: 'error field-error', id: uid('error') });
  input.setAttribute('aria-describedby', [hintEl?.id, error.id].filter(Boolean).join(' '));
  return {
    element: el('div', { class: 'field' }, el('label', { for: input.id }, label), input, hintEl, error),
    input,
    setError(message) {
      error.textContent = message ?? '';
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}

/** A role picker (agent, supervisor, admin) with `selected` chosen. */
export function roleSelect(roles: readonly string[], selected: string): HTMLSelectElement {
  return el('select', {}, ...roles.map((r) => el('option', { value: r, selected: r === selected }, r[0]!.toUpperCase() + r.slice(1))));
}

/**
 * Runs `work` with `button` disabled (no second submit meanwhile). A disabled button loses the
 * focus to the page: if nothing else took it by the end, it goes back to the button, so a
 * keyboard user stays where they were.
 */
export async function whileBusy<T>(button: HTMLButtonElement, work: () => Promise<T>): Promise<T> {
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (hadFocus && lost && button.isConnected) button.focus();
  }
}
