/**
 * Readers for visitor request bodies. Liberal in what they accept (wire-compat.md):
 * unknown fields are kept, booleans may be strings, MultiNoun wrappers may say
 * `object` or `data`. Strict only where a wrong value would corrupt the chat.
 */
import { fail } from './errors.js';
import { isObject, readBoolean, readInteger, readString, type JsonObject } from './liberal-values.js';
import type { CustomDetail } from './visitor-messages.js';

export interface ChasitorInit {
  organizationId: string;
  deploymentId: string;
  buttonId: string;
  sessionId?: string | undefined;
  agentId?: string | undefined;
  doFallback: boolean;
  visitorName: string;
  userAgent: string;
  language: string;
  screenResolution: string;
  prechatDetails: CustomDetail[];
  prechatEntities: unknown[];
  buttonOverrides: string[];
  receiveQueueUpdates: boolean;
  isPost: boolean;
  trackingId?: string | undefined;
  visitorId?: string | undefined;
  /** Everything else the client sent, kept for the agent and the transcript. */
  extra: JsonObject;
}

const INIT_FIELDS = new Set([
  'organizationId', 'deploymentId', 'buttonId', 'sessionId', 'agentId', 'doFallback', 'visitorName', 'userAgent',
  'language', 'screenResolution', 'prechatDetails', 'prechatEntities', 'buttonOverrides', 'receiveQueueUpdates',
  'isPost', 'trackingId', 'visitorId',
]);

export function parseChasitorInit(body: JsonObject): ChasitorInit {
  const extra: JsonObject = {};
  for (const [k, v] of Object.entries(body)) if (!INIT_FIELDS.has(k)) extra[k] = v;
  return {
    organizationId: readString(body, 'organizationId', { required: true, maxLength: 64 }),
    deploymentId: readString(body, 'deploymentId', { required: true, maxLength: 64 }),
    buttonId: readString(body, 'buttonId', { required: true, maxLength: 64 }),
    sessionId: readString(body, 'sessionId', { maxLength: 256 }),
    agentId: emptyToUndefined(readString(body, 'agentId', { maxLength: 64 })),
    doFallback: readBoolean(body.doFallback, false),
    visitorName: readString(body, 'visitorName', { maxLength: 256 }) ?? '',
    userAgent: readString(body, 'userAgent', { maxLength: 2048 }) ?? '',
    language: readString(body, 'language', { maxLength: 64 }) ?? '',
    screenResolution: readString(body, 'screenResolution', { maxLength: 64 }) ?? '',
    prechatDetails: readPrechatDetails(body.prechatDetails),
    prechatEntities: readArray(body.prechatEntities, 'prechatEntities'),
    buttonOverrides: readButtonOverrides(body.buttonOverrides),
    receiveQueueUpdates: readBoolean(body.receiveQueueUpdates, false),
    isPost: readBoolean(body.isPost, true),
    trackingId: readString(body, 'trackingId', { maxLength: 256 }),
    visitorId: withoutNul(emptyToUndefined(readString(body, 'visitorId', { maxLength: 256 })), 'visitorId'),
    extra,
  };
}

function emptyToUndefined(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function readArray(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail('BODY_INVALID', `${field} must be an array`);
  return v;
}

function readPrechatDetails(v: unknown): CustomDetail[] {
  return readArray(v, 'prechatDetails').map((d, i) => {
    if (!isObject(d)) return fail('BODY_INVALID', `prechatDetails[${i}] must be an object`);
    const value = d.value;
    return {
      ...d,
      label: typeof d.label === 'string' ? d.label : '',
      value: typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value),
      transcriptFields: Array.isArray(d.transcriptFields) ? d.transcriptFields.filter((f): f is string => typeof f === 'string') : [],
      displayToAgent: readBoolean(d.displayToAgent, true),
    };
  });
}

function readButtonOverrides(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(v)) fail('BODY_INVALID', 'buttonOverrides must be an array');
  return v.filter((s): s is string => typeof s === 'string' && s.trim() !== '').map((s) => s.trim());
}

export function parseChatMessage(body: JsonObject, maxLength: number): { text: string } {
  const text = readString(body, 'text', { required: false });
  if (text === undefined) fail('BODY_INVALID', 'text is required');
  if (text.length > maxLength) fail('MESSAGE_TOO_LONG', `${text.length} > ${maxLength}`);
  return { text };
}

export function parseSneakPeek(body: JsonObject, maxLength: number): { position: number; text: string } {
  const text = readString(body, 'text') ?? '';
  if (text.length > maxLength) fail('MESSAGE_TOO_LONG', `${text.length} > ${maxLength}`);
  const position = readInteger(body.position) ?? text.length;
  return { position, text };
}

export function parseCustomEvent(body: JsonObject, maxLength: number): { type: string; data: string } {
  const type = readString(body, 'type', { required: true, maxLength: 256 });
  const raw = body.data;
  const data = raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (data.length > maxLength) fail('MESSAGE_TOO_LONG', `data ${data.length} > ${maxLength}`);
  return { type, data };
}

/**
 * ChatEnd bodies vary (`{"reason":"client"}`, `{"ChatEndReason":{"reason":"client"}}`,
 * `{"ack":-1}`, `{}` …). All mean the visitor ended the chat; the reason text is kept.
 */
export function parseChatEnd(body: JsonObject): { reason: string } {
  const nested = isObject(body.ChatEndReason) ? body.ChatEndReason : undefined;
  const reason = (nested && typeof nested.reason === 'string' && nested.reason) || (typeof body.reason === 'string' && body.reason) || 'client';
  return { reason: reason.slice(0, 256) };
}

export function parseBreadcrumb(body: JsonObject): { location: string } {
  return { location: withoutNul(readString(body, 'location', { required: true, maxLength: 4096 }), 'location') };
}

/**
 * A URL or an id never holds a NUL character, and PostgreSQL's text columns
 * cannot store one: refused here rather than failing the group commit it
 * would ride in.
 */
function withoutNul<T extends string | undefined>(value: T, field: string): T {
  if (value !== undefined && value.includes('\u0000')) fail('BODY_INVALID', `${field} must not contain NUL characters`);
  return value;
}

export interface NounCall {
  prefix: string;
  noun: string;
  body: JsonObject;
}

/** MultiNoun: `{nouns:[{prefix, noun, object|data}]}`; `data` may be a JSON string. */
export function parseMultiNoun(body: JsonObject): NounCall[] {
  const nouns = body.nouns;
  if (!Array.isArray(nouns)) fail('BODY_INVALID', 'nouns must be an array');
  if (nouns.length > 50) fail('BODY_INVALID', 'nouns has more than 50 entries');
  return nouns.map((n, i) => {
    if (!isObject(n)) return fail('BODY_INVALID', `nouns[${i}] must be an object`);
    const prefix = readString(n, 'prefix') ?? 'Chasitor';
    const noun = readString(n, 'noun', { required: true });
    let payload: unknown = n.object ?? n.data ?? {};
    if (typeof payload === 'string') {
      try {
        payload = payload.trim() === '' ? {} : JSON.parse(payload);
      } catch {
        return fail('BODY_INVALID', `nouns[${i}].data is not JSON`);
      }
    }
    if (!isObject(payload)) return fail('BODY_INVALID', `nouns[${i}].object must be an object`);
    return { prefix, noun, body: payload };
  });
}
