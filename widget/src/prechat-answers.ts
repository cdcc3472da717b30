/** The pre-chat form's answers, once every field is valid. */
import type { PrechatField } from './button-status.js';
import type { PrechatDetail } from './sdk-client.js';
import type { Texts } from './texts.js';

/**
 * Checks the form's fields: each invalid one is marked (`aria-invalid`, tied to the error
 * message), the message says what is wrong with the first, which takes the focus, and the
 * result is null. Valid, the answers in the order of `fields`, trimmed.
 */
export function prechatAnswers(prechat: HTMLFormElement, fields: readonly PrechatField[], t: Texts): PrechatDetail[] | null {
  const controls = [...prechat.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input,textarea')];
  const err = prechat.querySelector<HTMLElement>('.err');
  const missing = controls.find((c) => !c.checkValidity());
  controls.forEach((c) => {
    const bad = !c.checkValidity();
    c.setAttribute('aria-invalid', String(bad));
    // The message is tied to the field it is about, so a screen reader reads it with the field.
    if (bad && err?.id) c.setAttribute('aria-describedby', err.id);
    else c.removeAttribute('aria-describedby');
  });
  if (missing) {
    if (err) err.textContent = missing.validity.valueMissing ? t.fillRequired : missing.validity.typeMismatch && missing.type === 'email' ? t.invalidEmail : t.checkField;
    missing.focus();
    return null;
  }
  if (err) err.textContent = '';
  return fields.map((f, i) => ({ label: f.label, value: controls[i]?.value.trim() ?? '' }));
}
