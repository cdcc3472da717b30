/**
 * The login form. Errors are announced (role=alert) and focus stays in the form; refused
 * credentials also mark both fields invalid, described by the error, until the next attempt.
 */
import { el } from './dom-builder.ts';
import { loginError, refusedCredentials } from './login-error.ts';

/** `notice`: why the form is shown again (the server signed this tab out), above the fields. */
export function loginView(submit: (username: string, password: string) => Promise<void>, notice?: string): HTMLElement {
  const user = el('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const pass = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = el('p', { id: 'login-error', class: 'error', role: 'alert' });
  // Described by the error line always (empty, it adds nothing); invalid only when the server refused them.
  for (const input of [user, pass]) input.setAttribute('aria-describedby', error.id);
  const markInvalid = (invalid: boolean): void => {
    for (const input of [user, pass]) {
      if (invalid) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  };
  const progress = el('p', { class: 'muted', role: 'status' });
  const button = el('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = el('form', { class: 'login-form', 'aria-labelledby': 'login-title' },
    el('h1', { id: 'login-title' }, 'Switchboard agent console'),
    notice ? el('p', { class: 'notice', role: 'alert' }, notice) : null,
    el('p', { class: 'muted' }, 'Log in with your agent or supervisor account.'),
    el('label', { for: 'login-username' }, 'Username'), user,
    el('label', { for: 'login-password' }, 'Password'), pass,
    error, progress, button);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.textContent = '';
    markInvalid(false);
    button.disabled = true;
    progress.textContent = 'Signing in…';
    // The SDK retries while the server cannot be reached: say so instead of a silent wait.
    const slow = setTimeout(() => { progress.textContent = 'Cannot reach the server yet — still trying…'; }, 3000);
    submit(user.value.trim(), pass.value).catch((err: unknown) => {
      error.textContent = loginError(err);
      markInvalid(refusedCredentials(err));
      pass.select();
    }).finally(() => {
      clearTimeout(slow);
      progress.textContent = '';
      button.disabled = false;
    });
  });
  queueMicrotask(() => user.focus());
  return el('main', { class: 'login' }, form);
}
