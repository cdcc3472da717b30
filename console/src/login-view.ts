/** The login form. Errors are announced (role=alert) and focus stays in the form. */
import { el } from './dom-builder.ts';

/** `notice`: why the form is shown again (the server signed this tab out), above the fields. */
export function loginView(submit: (username: string, password: string) => Promise<void>, notice?: string): HTMLElement {
  const user = el('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const pass = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = el('p', { class: 'error', role: 'alert' });
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
    button.disabled = true;
    progress.textContent = 'Signing in…';
    // The SDK retries while the server cannot be reached: say so instead of a silent wait.
    const slow = setTimeout(() => { progress.textContent = 'Cannot reach the server yet — still trying…'; }, 3000);
    submit(user.value.trim(), pass.value).catch((err: unknown) => {
      error.textContent = loginError(err);
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

/** What went wrong, in words an agent can act on (the HTTP details are for the log). */
function loginError(err: unknown): string {
  const status = (err as { status?: unknown } | null)?.status;
  if (status === 401) return 'Wrong username or password.';
  if (status === 429) return 'Too many failed attempts from here. Wait a minute and try again.';
  if (typeof status === 'number' && status >= 500) return 'The server had a problem. Try again in a moment.';
  if (typeof status === 'number') return `Login failed (${status}).`;
  console.warn('[console] login failed', err);
  return 'Cannot reach the server. Check your connection and try again.';
}
