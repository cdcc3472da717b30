/**
 * Entry point of the agent console: login (or the login this tab had before a
 * reload, session-memory.ts), then the console for that user.
 */
import './styles.css';
import { unlockAudio } from './attention.ts';
import { ConsoleApp, type RestoredState } from './console-app.ts';
import { loginView } from './login-view.ts';
import { sdkAgentPort } from './sdk-adapter.ts';
import { clearSession, loadSession, saveSession } from './session-memory.ts';
import type { PublicUser } from './wire-types.ts';

const root = document.getElementById('app')!;
const client = sdkAgentPort(location.origin);
/** Puts away the console on screen (undefined while the login form shows). */
let putAway: (() => void) | undefined;

// The server no longer takes this login (a logout in another tab revokes every token of the user,
// so does a new password): the console would sit there "Disconnected". Back to the login form.
client.onSignedOut(() => {
  putAway?.();
  putAway = undefined;
  showLogin('You were signed out (logged out in another window, or your password changed). Log in again to go on.');
});

function run(me: PublicUser, restore?: RestoredState): ConsoleApp {
  // Before the app: it keeps the title it finds, to put the unread count before it.
  document.title = `${me.name} — Switchboard console`;
  const app = new ConsoleApp(client, me);
  root.replaceChildren(app.element);
  let loggedOut = false;
  const remember = (): void => {
    const refreshToken = client.refreshToken();
    if (!loggedOut && refreshToken) saveSession({ refreshToken, ...app.presenceState, chats: app.openChats, monitors: app.openMonitors, view: app.view, unread: app.unreadCount, drafts: app.drafts });
  };
  app.onLogout = () => {
    loggedOut = true;
    clearSession();
  };
  putAway = () => {
    app.onLogout(); // the saved login is dead: a reload must show the form too
    app.stop();
    window.removeEventListener('pagehide', remember);
  };
  // Saved when the page goes away, so the newest refresh token, presence and chats are kept.
  window.addEventListener('pagehide', remember);
  // After start(): the chats of the page before are on screen again, so a save now keeps them.
  app.start(restore);
  remember();
  return app;
}

function showLogin(notice?: string): void {
  document.title = 'Switchboard agent console';
  root.replaceChildren(loginView(async (username, password) => {
    unlockAudio();
    const me = await client.login(username, password);
    run(me);
    document.getElementById('presence-online')?.focus();
  }, notice));
}

const saved = loadSession();
if (saved) {
  const pending = document.createElement('p');
  pending.setAttribute('role', 'status');
  pending.textContent = 'Signing in…';
  root.replaceChildren(pending);
  client.resumeSession(saved.refreshToken).then(
    (me) => run(me, { presence: saved.presence, capacity: saved.capacity, chats: saved.chats, monitors: saved.monitors, view: saved.view, unread: saved.unread, drafts: saved.drafts }),
    () => {
      // Expired or revoked (a logout elsewhere): log in again.
      clearSession();
      showLogin();
    },
  );
} else {
  showLogin();
}
