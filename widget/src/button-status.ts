/**
 * The two read-only Live Agent resources the launcher needs before any chat:
 * Visitor/Settings (the button's pre-chat form) and Visitor/Availability
 * (whether someone can answer now). Neither needs a session.
 */

/** One field of a button's pre-chat form, as the server's config defines it. */
export interface PrechatField {
  label: string;
  /** The label in other languages (language tag → label), from the button's config; the widget picks its own (language.ts). */
  labels?: Record<string, string>;
  name: string;
  type: 'text' | 'email' | 'textarea';
  required: boolean;
}

export interface ButtonStatus {
  available: boolean;
  /** Seconds, or undefined when the server has no estimate yet. */
  estimatedWaitTime?: number;
}

const API_VERSION = '34';

async function getWrapped(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION }, credentials: 'omit' });
  if (!res.ok) throw new Error(`${res.status} ${url}`);
  const body = (await res.json()) as { messages?: { message?: Record<string, unknown> }[] };
  return body.messages?.[0]?.message ?? {};
}

/** The string entries of `raw` (an object from the server), or undefined when there are none. */
function asLabels(raw: unknown): Record<string, string> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function asFields(raw: unknown): PrechatField[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((f): f is Record<string, unknown> => typeof f === 'object' && f !== null && typeof f.name === 'string')
    .map((f) => {
      const labels = asLabels(f.labels);
      return {
        name: String(f.name),
        label: typeof f.label === 'string' ? f.label : String(f.name),
        type: f.type === 'email' || f.type === 'textarea' ? f.type : 'text',
        required: f.required === true,
        ...(labels && { labels }),
      };
    });
}

/** Reads the button's pre-chat form and availability from Visitor/Settings. */
export async function fetchSettings(base: string, org: string, deployment: string, button: string): Promise<{ form: PrechatField[]; available: boolean }> {
  const q = new URLSearchParams({ org_id: org, deployment_id: deployment, 'Settings.buttonIds': button });
  const msg = await getWrapped(`${base}/chat/rest/Visitor/Settings?${q.toString()}`);
  const buttons = Array.isArray(msg.buttons) ? (msg.buttons as Record<string, unknown>[]) : [];
  const mine = buttons.find((b) => String(b.id).slice(0, 15) === button.slice(0, 15));
  return { form: asFields(mine?.prechatForm), available: mine?.isAvailable === true };
}

/** Reads Visitor/Availability for the button, with the estimated wait. */
export async function fetchAvailability(base: string, org: string, deployment: string, button: string): Promise<ButtonStatus> {
  const q = new URLSearchParams({ org_id: org, deployment_id: deployment, 'Availability.ids': button, 'Availability.needEstimatedWaitTime': '1' });
  const msg = await getWrapped(`${base}/chat/rest/Visitor/Availability?${q.toString()}`);
  const results = Array.isArray(msg.results) ? (msg.results as Record<string, unknown>[]) : [];
  const mine = results.find((r) => String(r.id).slice(0, 15) === button.slice(0, 15));
  const wait = typeof mine?.estimatedWaitTime === 'number' && mine.estimatedWaitTime >= 0 ? mine.estimatedWaitTime : undefined;
  return { available: mine?.isAvailable === true, ...(wait === undefined ? {} : { estimatedWaitTime: wait }) };
}
