/** What a ChatWidget is built with (read from the script tag's data attributes, index.ts). */
import type { Texts } from './texts.js';

export interface WidgetOptions {
  /** Origin of the Switchboard server (the script's own origin). */
  baseUrl: string;
  organizationId: string;
  deploymentId: string;
  buttonId: string;
  title: string;
  visitorName?: string;
  /** When the button is unavailable: show the launcher with an offline note, or hide it. */
  offline: 'message' | 'hide';
  /** The language of `texts` (a BCP 47 tag), set as `lang` on the widget (ADR 0053). */
  lang: string;
  /** Every word the widget shows or says (texts.ts). */
  texts: Texts;
}
