/** The login form. Errors are announced (role=alert) and focus stays in the form. */
import { el } from './dom-builder.ts';

export function loginView(submit: (username: string, password: string) => Promise<void>): HTMLElement {
  const user = el('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const pass = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = el('p', { class: 'error', role: 'alert' });
  const button = el('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = el('form', { class: 'login-form', 'aria-labelledby': 'login-title' },
    el('h1', { id: 'login-title' }, 'Switchboard agent console'),
    el('p', { class: 'muted' }, 'Log in with your agent or supervisor account.'),
    el('label', { for: 'login-username' }, 'Username'), user,
    el('label', { for: 'login-password' }, 'Password'), pass,
    error, button);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.textContent = '';
    button.disabled = true;
    submit(user.value.trim(), pass.value).catch((err: unknown) => {
      error.textContent = `Login failed: ${err instanceof Error ? err.message : String(err)}`;
      pass.select();
    }).finally(() => { button.disabled = false; });
  });
  queueMicrotask(() => user.focus());
  return el('main', { class: 'login' }, form);
}
