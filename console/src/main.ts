/** Entry point of the agent console: login, then the console for that user. */
import './styles.css';
import { unlockAudio } from './attention.ts';
import { ConsoleApp } from './console-app.ts';
import { loginView } from './login-view.ts';
import { sdkAgentPort } from './sdk-adapter.ts';

const root = document.getElementById('app')!;
const client = sdkAgentPort(location.origin);

root.replaceChildren(loginView(async (username, password) => {
  unlockAudio();
  const me = await client.login(username, password);
  const app = new ConsoleApp(client, me);
  root.replaceChildren(app.element);
  document.title = `${me.name} — Switchboard console`;
  app.start();
  document.getElementById('presence-online')?.focus();
}));
