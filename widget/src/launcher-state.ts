/** The launcher button: its text, unread count, offline mark, and whether it shows at all. */
import type { PanelView } from './panel-view.js';
import type { Texts } from './texts.js';

export interface LauncherState {
  title: string;
  unread: number;
  /** The button is available (as last known). */
  available: boolean;
  /** A chat is being requested or runs: the launcher is never offline then. */
  busy: boolean;
  /** The widget's `offline` option: an offline launcher is hidden with `hide` (unless its panel is open). */
  offlineMode: 'message' | 'hide';
}

export function renderLauncher(v: PanelView, t: Texts, s: LauncherState): void {
  const offline = !s.available && !s.busy;
  v.launcherText.textContent = offline ? t.launcherOffline({ title: s.title }) : s.title;
  v.setUnread(s.unread);
  if (offline) v.launcher.dataset.offline = '';
  else delete v.launcher.dataset.offline;
  v.launcher.hidden = offline && s.offlineMode === 'hide' && v.panel.hidden;
}
