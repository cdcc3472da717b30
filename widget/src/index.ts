/**
 * Entry point of widget.js. A site adds:
 *
 *   <script src="https://HOST/widget.js" data-org="00D…" data-deployment="572…" data-button="573…"></script>
 *
 * Optional: data-title (launcher and panel title), data-visitor-name,
 * data-offline="hide" (hide the launcher while nobody is available; the default
 * shows it with an offline note), data-lang (the widget's language; else the
 * page's <html lang>, else the browser's) and data-texts (JSON {key: text} of
 * texts to replace, texts.ts; ADR 0053). The server is the script's own origin.
 *
 * The page takes the widget out with `SwitchboardWidget.destroy()`, or by
 * removing `<switchboard-chat>` from the document (a single-page app that
 * re-renders its body): either ends it for good (ChatWidget.destroy()). The
 * script added again brings a new one, which continues a chat that was running.
 */
import { ChatWidget } from './chat-widget.js';
import { textDirection } from './direction.js';
import { widgetLanguage } from './language.js';
import { buildTexts, parseTextOverrides } from './texts.js';
import { TRANSLATIONS } from './translations.js';

const TAG = 'switchboard-chat';

/** The widget's element: taken out of the page, not just moved, it ends its widget. */
class ChatHost extends HTMLElement {
  /** Set when the widget is made. A property, not a closure over this script's state: a second copy of the script reuses the class the first one defined. */
  onRemoved: (() => void) | undefined;

  disconnectedCallback(): void {
    // A move (out and back in before the microtask) is not a removal.
    queueMicrotask(() => {
      if (!this.isConnected) this.onRemoved?.();
    });
  }
}

let mounted: { host: HTMLElement; widget: ChatWidget } | undefined;

function boot(script: HTMLScriptElement): void {
  const d = script.dataset;
  if (!d.org || !d.deployment || !d.button) {
    console.error('[switchboard] widget.js needs data-org, data-deployment and data-button');
    return;
  }
  if (document.querySelector(TAG)) return; // included twice: one widget is enough
  if (!customElements.get(TAG)) customElements.define(TAG, ChatHost);
  const own = parseTextOverrides(d.texts);
  const { lang, table } = widgetLanguage(d.lang, document.documentElement.lang, navigator.languages ?? [], ['en', ...Object.keys(TRANSLATIONS)], Object.keys(own).length > 0);
  const texts = buildTexts(lang, TRANSLATIONS[table] ?? {}, own);
  const host = document.createElement(TAG) as ChatHost;
  host.lang = lang;
  // Always set, both ways: an English widget on a right-to-left page stays left-to-right, and an
  // Arabic one on an English page is right-to-left. Only our element gets it, never the page's.
  host.dir = textDirection(lang);
  const root = host.attachShadow({ mode: 'open' });
  document.body.appendChild(host);
  const widget = new ChatWidget(root, {
    baseUrl: new URL(script.src, location.href).origin,
    organizationId: d.org,
    deploymentId: d.deployment,
    buttonId: d.button,
    title: d.title || texts.title,
    ...(d.visitorName ? { visitorName: d.visitorName } : {}),
    offline: d.offline === 'hide' ? 'hide' : 'message',
    lang,
    texts,
  });
  host.onRemoved = () => {
    if (mounted?.widget === widget) mounted = undefined;
    widget.destroy();
  };
  mounted = { host, widget };
  void widget.init();
}

/**
 * Takes the widget out of the page for good: its element, listeners and timers go, and it
 * sends no request again. A running chat is not ended; the script added again continues it.
 */
export function destroy(): void {
  if (!mounted) return;
  const { host, widget } = mounted;
  mounted = undefined;
  widget.destroy();
  host.remove();
}

// currentScript is only set while the script first runs, so read it now.
const current = document.currentScript;
if (current instanceof HTMLScriptElement) {
  if (document.body) boot(current);
  else document.addEventListener('DOMContentLoaded', () => boot(current), { once: true });
}
