/** The panel's keyboard: Escape closes it, Tab stays inside it where it covers the page, and its keys stay its own. */
import type { PanelView } from './panel-view.js';
import { FULL_SCREEN_QUERY } from './styles.js';

/**
 * Where the panel covers the viewport (a phone, a small or zoomed window: FULL_SCREEN_QUERY in
 * styles.ts) it is a modal dialog for screen readers too, as it is for Tab below: `aria-modal`, and
 * the page behind it is `inert` while it shows, since Chromium does not leave the rest of the page
 * out of the accessibility tree for `aria-modal` alone (the page's elements beside the widget's, up
 * to <body>; only those it was not already, and given back as they were when the panel closes, the
 * screen widens, or the widget goes). Kept in step with the viewport (a phone turned, a window
 * resized, a zoom) until `signal` aborts.
 */
export class FullScreenModal {
  private readonly query = window.matchMedia(FULL_SCREEN_QUERY);
  /** The page's elements this made inert (and only those), to give back. */
  private madeInert: HTMLElement[] = [];

  constructor(private readonly v: PanelView, private readonly host: Element, signal: AbortSignal) {
    this.query.addEventListener('change', () => this.sync(), { signal });
    signal.addEventListener('abort', () => this.release());
  }

  /** Applies the modal state for the panel as it is now (open or not) and the viewport. */
  sync(): void {
    const modal = this.query.matches && !this.v.panel.hidden;
    if (this.query.matches) this.v.panel.setAttribute('aria-modal', 'true');
    else this.v.panel.removeAttribute('aria-modal');
    if (!modal) return this.release();
    if (this.madeInert.length > 0) return;
    for (let el: Element | null = this.host; el && el !== document.body && el.parentElement; el = el.parentElement) {
      for (const sibling of el.parentElement.children) {
        if (sibling !== el && sibling instanceof HTMLElement && !sibling.inert && !['SCRIPT', 'STYLE'].includes(sibling.tagName)) {
          sibling.inert = true;
          this.madeInert.push(sibling);
        }
      }
    }
  }

  private release(): void {
    for (const el of this.madeInert.splice(0)) el.inert = false;
  }
}

/** Binds the panel's keys; `close` minimizes the panel. */
export function bindPanelKeyboard(v: PanelView, close: () => void): void {
  v.panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
    // On a narrow screen the panel covers the whole page: Tab must not move focus to
    // controls hidden behind it, so it cycles within the panel there (a modal dialog).
    if (e.key === 'Tab' && window.matchMedia(FULL_SCREEN_QUERY).matches) {
      const focusable = [...v.panel.querySelectorAll<HTMLElement>('button,input,textarea,select,a[href],[tabindex="0"]')].filter((el) => !el.closest('[hidden]') && !(el as HTMLButtonElement).disabled);
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const active = v.root.activeElement;
      if (first && last && e.shiftKey && active === first) {
        e.preventDefault();
        last.focus();
      } else if (first && last && !e.shiftKey && active === last) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  // Keys typed in the widget are the widget's: out of the shadow root they are retargeted to
  // the host element, so a host page's shortcut ("/" to search, checking activeElement) would
  // fire while the visitor types. Stopped at the panel (the launcher's own keys go on).
  for (const type of ['keydown', 'keypress', 'keyup'] as const) v.panel.addEventListener(type, (e) => e.stopPropagation());
}
