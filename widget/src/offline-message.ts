/**
 * "Leave a message" while no one can chat (ADR 0063): whether the button takes one, from
 * the widget's own endpoint (GET /widget/v1/config; no Live Agent answer carries it), the
 * form's fields, and the POST that leaves it. The form is the pre-chat form's kind
 * (panel-view.ts renders it, prechat-answers.ts checks it).
 */
import type { PrechatField } from './button-status.js';
import type { Texts } from './texts.js';

/** The ids the widget was set up with. */
export interface ButtonIds {
  orgId: string;
  deploymentId: string;
  buttonId: string;
}

/** The server's limit on an offline message (OfflineMessageRequest, fixed): the textarea stops there. */
export const MAX_MESSAGE_LENGTH = 4000;

/** settings.maxMessageLength's default: the chat's limit when the server does not say its own. */
export const DEFAULT_CHAT_MESSAGE_LENGTH = 4000;

/** What GET /widget/v1/config says of the button (ADR 0063). */
export interface WidgetConfig {
  /** The button takes offline messages from this visitor. */
  offlineMessages: boolean;
  /** The longest chat message the server takes (settings.maxMessageLength). */
  maxMessageLength: number;
}

/** The widget's config; a server that cannot say (older, or another Live Agent server) takes no offline message and the default length. */
export async function fetchWidgetConfig(base: string, ids: ButtonIds): Promise<WidgetConfig> {
  const none = { offlineMessages: false, maxMessageLength: DEFAULT_CHAT_MESSAGE_LENGTH };
  try {
    const res = await fetch(`${base}/widget/v1/config?${new URLSearchParams({ ...ids }).toString()}`, { credentials: 'omit' });
    if (!res.ok) return none;
    const body = (await res.json()) as { offlineMessages?: unknown; maxMessageLength?: unknown };
    const max = body.maxMessageLength;
    return { offlineMessages: body.offlineMessages === true, maxMessageLength: typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : DEFAULT_CHAT_MESSAGE_LENGTH };
  } catch {
    return none;
  }
}

/** The form's fields, labelled in the widget's language; the order is the POST's (name, email, subject, message). */
export function messageFields(t: Texts): PrechatField[] {
  return [
    { name: 'name', label: t.yourName, type: 'text', required: true },
    { name: 'email', label: t.email, type: 'email', required: true },
    { name: 'subject', label: t.subject, type: 'text', required: false },
    { name: 'message', label: t.message, type: 'textarea', required: true },
  ];
}

/** What the visitor is told once the POST is answered: thanks, or why not. */
export async function leaveMessage(base: string, ids: ButtonIds, values: readonly string[], lang: string, t: Texts): Promise<{ sent: boolean; text: string }> {
  const [name = '', email = '', subject = '', message = ''] = values;
  try {
    const res = await fetch(`${base}/widget/v1/offline-messages`, {
      method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...ids, name, email, ...(subject ? { subject } : {}), message, language: lang }),
    });
    if (res.status === 201) return { sent: true, text: t.messageSent };
    return { sent: false, text: res.status === 429 ? t.tooManyMessages : t.messageNotSent };
  } catch {
    return { sent: false, text: t.messageNotSent };
  }
}
