/**
 * Readers for visitor request bodies. Liberal in what they accept (wire-compat.md):
 * unknown fields are kept, booleans may be strings, MultiNoun wrappers may say
 * `object` or `data`. Strict only where a wrong value would corrupt the chat.
 * Bodies come from the gate with every NUL already replaced by U+FFFD, and any
 * other control character as sent (client-json.ts, ADR 0033).
 */
import { parseClientJson } from './client-json.js';
import { fail } from './errors.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.js';
import { isObject, readBoolean, readInteger, readOptionalText, readString, type JsonObject } from './liberal-values.js';
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

/**
 * The longest text kept of each optional ChasitorInit field: longer text is cut,
 * never refused (docs/visitor-api.md). They bound what a chat request stores.
 */
export const INIT_TEXT_LIMITS = {
  sessionId: 256, agentId: 64, visitorName: 256, userAgent: 2048, language: 64, screenResolution: 64, trackingId: 256, visitorId: 256,
} as const;

/**
 * Reads a ChasitorInit body. Only the three ids it cannot do without are refused
 * (missing, empty, not text, over 64 characters): 400 BODY_INVALID. Every optional
 * field is read liberally and never refused (wire-compat.md): text is cut to
 * INIT_TEXT_LIMITS, numbers and booleans become text, a value of the wrong shape
 * is ignored, and a list entry of the wrong shape is skipped.
 */
export function parseChasitorInit(body: JsonObject): ChasitorInit {
  const extra: JsonObject = {};
  for (const [k, v] of Object.entries(body)) if (!INIT_FIELDS.has(k)) extra[k] = v;
  const text = (field: keyof typeof INIT_TEXT_LIMITS) => readOptionalText(body, field, INIT_TEXT_LIMITS[field]);
  return {
    organizationId: readString(body, 'organizationId', { required: true, maxLength: 64 }),
    deploymentId: readString(body, 'deploymentId', { required: true, maxLength: 64 }),
    buttonId: readString(body, 'buttonId', { required: true, maxLength: 64 }),
    sessionId: text('sessionId'),
    agentId: emptyToUndefined(text('agentId')),
    doFallback: readBoolean(body.doFallback, false),
    visitorName: text('visitorName') ?? '',
    userAgent: text('userAgent') ?? '',
    language: text('language') ?? '',
    screenResolution: text('screenResolution') ?? '',
    prechatDetails: readPrechatDetails(body.prechatDetails),
    prechatEntities: objectsOf(body.prechatEntities),
    buttonOverrides: readButtonOverrides(body.buttonOverrides),
    receiveQueueUpdates: readBoolean(body.receiveQueueUpdates, false),
    isPost: readBoolean(body.isPost, true),
    trackingId: text('trackingId'),
    visitorId: emptyToUndefined(text('visitorId')),
    extra,
  };
}

function emptyToUndefined(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/** The object entries of a list; anything but an array is no list, and entries of another shape are skipped. */
function objectsOf(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function readPrechatDetails(v: unknown): CustomDetail[] {
  return objectsOf(v).map((d) => {
    const value = d.value;
    return {
      ...d,
      label: typeof d.label === 'string' ? d.label : '',
      value: typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value),
      transcriptFields: readFieldNames(d.transcriptFields),
      displayToAgent: readBoolean(d.displayToAgent, true),
    };
  });
}

/**
 * `transcriptFields` as an array, one name or a comma string (clients that build it from a
 * form attribute send `"Email__c"` or `"Email__c,Name__c"`): they are Salesforce field API names
 * (letters, digits, underscores), which hold no comma, so splitting cannot cut one. Names are
 * trimmed; empty ones and entries that are not strings are skipped. Anything else is no list.
 */
function readFieldNames(v: unknown): string[] {
  const names = Array.isArray(v) ? v.filter((f): f is string => typeof f === 'string') : typeof v === 'string' ? v.split(',') : [];
  return names.map((f) => f.trim()).filter(Boolean);
}

/** Button ids as an array, a comma string or one id; numbers are ids too, anything else is skipped. */
function readButtonOverrides(v: unknown): string[] {
  const asText = (x: unknown): string | undefined => (typeof x === 'string' ? x : typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined);
  if (Array.isArray(v)) return v.map(asText).filter((s): s is string => s !== undefined && s.trim() !== '').map((s) => s.trim());
  const one = asText(v);
  return one === undefined ? [] : one.split(',').map((s) => s.trim()).filter(Boolean);
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

/**
 * A Breadcrumb without a location (an empty body is `{}`) is accepted and records nothing:
 * wire-compat.md lists Breadcrumb among the POSTs answered `200 OK`, and a breadcrumb is a hint
 * nobody waits for. A location of the wrong type is still refused.
 */
export function parseBreadcrumb(body: JsonObject): { location: string | undefined } {
  const location = readString(body, 'location', { maxLength: 4096 });
  return { location: location?.trim() ? location : undefined };
}

export interface NounCall {
  prefix: string;
  noun: string;
  body: JsonObject;
}

/**
 * MultiNoun: `{nouns:[{prefix, noun, object|data}]}`; `data` may be a JSON string. No `nouns` at
 * all (an empty body is `{}`) is an empty batch, answered `200 OK` like any MultiNoun
 * (wire-compat.md); `nouns` that is not an array is refused.
 */
export function parseMultiNoun(body: JsonObject): NounCall[] {
  const nouns = body.nouns ?? [];
  if (!Array.isArray(nouns)) fail('BODY_INVALID', 'nouns must be an array');
  if (nouns.length > 50) fail('BODY_INVALID', 'nouns has more than 50 entries');
  return nouns.map((n, i) => {
    if (!isObject(n)) return fail('BODY_INVALID', `nouns[${i}] must be an object`);
    const prefix = readString(n, 'prefix') ?? 'Chasitor';
    const noun = readString(n, 'noun', { required: true });
    let payload: unknown = n.object ?? n.data ?? {};
    if (typeof payload === 'string') {
      try {
        // Read as the request's own body is (ADR 0033): its NULs are replaced too.
        payload = payload.trim() === '' ? {} : parseClientJson(payload);
      } catch {
        return fail('BODY_INVALID', `nouns[${i}].data is not JSON`);
      }
      // The gate checked the request's nesting, but this JSON was a string then: unchecked, a deep
      // part kept in the session would fail every group commit after it (json-depth.ts).
      if (nestedDeeperThan(payload)) fail('BODY_INVALID', `nouns[${i}].data: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    if (!isObject(payload)) return fail('BODY_INVALID', `nouns[${i}].object must be an object`);
    return { prefix, noun, body: payload };
  });
}
