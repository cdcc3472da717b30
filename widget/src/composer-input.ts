/** The message box: Enter sends (Shift+Enter and an IME's Enter do not), and it grows with its text. */
import type { PanelView } from './panel-view.js';

/** `send` takes what is in the box; `typed` is told its text after every change. */
export function bindComposer(v: PanelView, send: () => void, typed: (text: string) => void): void {
  v.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  v.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  v.input.addEventListener('input', () => {
    v.input.style.height = 'auto';
    v.input.style.height = `${v.input.scrollHeight + 2}px`;
    typed(v.input.value);
  });
}
