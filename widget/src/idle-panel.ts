/** The panel before a chat: the pre-chat form (or nothing to fill in), the offline note, or "cannot be reached". */
import type { PanelView } from './panel-view.js';
import type { Texts } from './texts.js';

/**
 * `settingsLoaded` false: the button's settings were never read, so whether anyone is available is unknown.
 * `takesMessages`: while nobody is available, the form to leave a message shows instead of the note (ADR 0063).
 */
export function renderIdlePanel(v: PanelView, t: Texts, settingsLoaded: boolean, available: boolean, takesMessages = false): void {
  if (!settingsLoaded) {
    // Not "nobody is available": we do not know yet, and say so.
    v.showView('offline');
    v.offline.textContent = t.unreachable;
    v.chatControls('none');
    v.setTyping('');
    v.setStatus(t.connectingService, true);
    return;
  }
  v.offline.textContent = t.offline;
  v.showView(available ? 'prechat' : takesMessages ? 'leave' : 'offline');
  v.chatControls('none');
  v.setTyping('');
  v.setStatus(available ? t.online : t.offlineStatus);
}
