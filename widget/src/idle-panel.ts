/** The panel before a chat: the pre-chat form (or nothing to fill in), the offline note, or "cannot be reached". */
import type { PanelView } from './panel-view.js';

const OFFLINE_TEXT = 'Nobody is available to chat right now. Please try again later.';

/** `settingsLoaded` false: the button's settings were never read, so whether anyone is available is unknown. */
export function renderIdlePanel(v: PanelView, settingsLoaded: boolean, available: boolean): void {
  if (!settingsLoaded) {
    // Not "nobody is available": we do not know yet, and say so.
    v.showView('offline');
    v.offline.textContent = 'The chat service cannot be reached right now. Retrying…';
    v.chatControls('none');
    v.setTyping('');
    v.setStatus('Connecting to the chat service…', true);
    return;
  }
  v.offline.textContent = OFFLINE_TEXT;
  v.showView(available ? 'prechat' : 'offline');
  v.chatControls('none');
  v.setTyping('');
  v.setStatus(available ? 'We are online.' : 'We are offline.');
}
