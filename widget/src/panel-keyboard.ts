/** The panel's keyboard: Escape closes it, Tab stays inside it where it covers the page, and its keys stay its own. */
import type { PanelView } from './panel-view.js';

/** When the panel covers the viewport (widget/src/styles.ts): it is modal there. */
const FULL_SCREEN_QUERY = '(max-width: 480px)';

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
