/**
 * Entry point of widget.js. A site adds:
 *
 *   <script src="https://HOST/widget.js" data-org="00D…" data-deployment="572…" data-button="573…"></script>
 *
 * Optional: data-title (launcher and panel title), data-visitor-name,
 * data-offline="hide" (hide the launcher while nobody is available; the default
 * shows it with an offline note). The server is the script's own origin.
 */
import { ChatWidget } from './chat-widget.js';

function boot(script: HTMLScriptElement): void {
  const d = script.dataset;
  if (!d.org || !d.deployment || !d.button) {
    console.error('[switchboard] widget.js needs data-org, data-deployment and data-button');
    return;
  }
  if (document.querySelector('switchboard-chat')) return; // included twice: one widget is enough
  const host = document.createElement('switchboard-chat');
  const root = host.attachShadow({ mode: 'open' });
  document.body.appendChild(host);
  const widget = new ChatWidget(root, {
    baseUrl: new URL(script.src, location.href).origin,
    organizationId: d.org,
    deploymentId: d.deployment,
    buttonId: d.button,
    title: d.title || 'Chat with us',
    ...(d.visitorName ? { visitorName: d.visitorName } : {}),
    offline: d.offline === 'hide' ? 'hide' : 'message',
  });
  void widget.init();
}

// currentScript is only set while the script first runs, so read it now.
const current = document.currentScript;
if (current instanceof HTMLScriptElement) {
  if (document.body) boot(current);
  else document.addEventListener('DOMContentLoaded', () => boot(current), { once: true });
}
