/**
 * Liberal readers for values real clients send in odd shapes: booleans as
 * strings, numbers as strings, ids in three list syntaxes. Pure functions.
 */
import { fail } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `true`, `"true"`, `1`, `"1"`, `"yes"` are true; anything else false. */
export function readBoolean(v: unknown, fallback = false): boolean {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase());
  return fallback;
}

/** A string field; numbers are accepted and turned into text. */
export function readString(obj: JsonObject, field: string, opts: { required: true; maxLength?: number }): string;
export function readString(obj: JsonObject, field: string, opts?: { required?: false; maxLength?: number }): string | undefined;
export function readString(obj: JsonObject, field: string, opts: { required?: boolean; maxLength?: number } = {}): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) {
    if (opts.required) fail('BODY_INVALID', `${field} is required`);
    return undefined;
  }
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
  else return fail('BODY_INVALID', `${field} must be a string`);
  if (opts.required && s.trim() === '') fail('BODY_INVALID', `${field} must not be empty`);
  if (opts.maxLength !== undefined && s.length > opts.maxLength) fail('BODY_INVALID', `${field} is longer than ${opts.maxLength} characters`);
  return s;
}

/**
 * An optional text field read the way ChasitorInit reads its optional fields
 * (wire-compat.md: accept every field real clients send, never an error): a
 * number or a boolean becomes its text, a value of another shape (object,
 * array) counts as absent, and text over `maxLength` is cut to it (cutText).
 * The limit bounds what is stored, not what a client may send.
 */
export function readOptionalText(obj: JsonObject, field: string, maxLength: number): string | undefined {
  const v = obj[field];
  if (typeof v === 'string') return cutText(v, maxLength);
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return cutText(String(v), maxLength);
  return undefined;
}

/**
 * `s` cut to at most `maxLength` UTF-16 units, never between the two halves of a
 * surrogate pair: a lone half is not valid Unicode, and a store that encodes
 * text as UTF-8 would write U+FFFD in its place.
 */
export function cutText(s: string, maxLength: number): string {
  if (s.length <= maxLength) return s;
  const last = s.charCodeAt(maxLength - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? maxLength - 1 : maxLength);
}

/** An integer, also from a numeric string (a whole number written `2.0` too: clients that keep counters as floats); `undefined` when absent or unreadable. */
export function readInteger(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d{1,15}(?:\.0+)?\s*$/.test(v)) return Number.parseInt(v, 10);
  return undefined;
}

/**
 * A parsed query string as the visitor nouns read it: a parameter sent more than
 * once (`?org_id=a&org_id=b`, `ack=3&ack=4`) counts by its first occurrence, as a
 * Live Agent header sent twice does; the `lists` parameters (`Availability.ids`),
 * also in their `name[]` and `name[0]` spellings (listOccurrences), keep every occurrence.
 * `query` itself is returned when nothing is repeated, the usual case, so the poll makes no copy.
 */
export function firstOccurrences(query: unknown, lists: readonly string[] = NO_LISTS): JsonObject {
  if (!isObject(query)) return {};
  let out: JsonObject | undefined;
  // for-in, not Object.keys: no array per poll (query objects have no prototype, or Object's, with nothing enumerable).
  for (const key in query) {
    const v = query[key];
    if (!Array.isArray(v) || isListName(key, lists)) continue;
    // No prototype, as the query parsers' own objects: a parameter named __proto__ stays a parameter.
    out ??= Object.assign(Object.create(null) as JsonObject, query);
    out[key] = v[0] as unknown;
  }
  return out ?? query;
}
const NO_LISTS: readonly string[] = [];

/** True for a list parameter's name, or its `name[]` or `name[0]` spelling. */
function isListName(key: string, lists: readonly string[]): boolean {
  if (lists.length === 0) return false;
  if (lists.includes(key)) return true;
  const open = key.lastIndexOf('[');
  return open > 0 && lists.includes(key.slice(0, open)) && (key.endsWith(BRACKETS) || indexOf(key, open) !== undefined);
}
const BRACKETS = '[]';

/**
 * The index of `name[digits]` (the `[` at `open`), as digits without leading zeros;
 * undefined for any other key. Text, not a number: any length compares right (byIndex).
 */
function indexOf(key: string, open: number): string | undefined {
  if (key.length < open + 3 || !key.endsWith(']')) return undefined;
  const digits = key.slice(open + 1, -1);
  return /^\d+$/.test(digits) ? digits.replace(/^0+(?=\d)/, '') : undefined;
}

/** Numeric order of two indexes as indexOf gives them: the shorter is smaller, else by digits. */
function byIndex(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Every occurrence of a list parameter, for readIdList: those of `name`, then those of
 * `name[]`, the spelling jQuery's `$.param` and PHP-style clients send
 * (`Availability.ids[]=a&Availability.ids[]=b`), then those of `name[0]`, `name[1]`, …
 * in index order, the spelling of form serialisers that number a list's entries
 * (`Availability.ids[0]=a&Availability.ids[1]=b`). All spellings are one list (ADR 0020).
 * The query parsers keep each key's values in order, not the order between keys: the
 * indexes give the order of the numbered ones, whatever order they were sent in.
 */
export function listOccurrences(query: JsonObject, name: string): unknown[] {
  const out: unknown[] = [];
  const add = (v: unknown) => {
    if (Array.isArray(v)) out.push(...(v as unknown[]));
    else if (v !== undefined) out.push(v);
  };
  add(query[name]);
  add(query[name + BRACKETS]);
  const numbered: [index: string, key: string][] = [];
  for (const key in query) {
    if (key.length > name.length && key.startsWith(name) && key[name.length] === '[') {
      const index = indexOf(key, name.length);
      if (index !== undefined) numbered.push([index, key]);
    }
  }
  // A stable sort: `[1]` and `[01]`, one index, keep the order the parser gave them.
  for (const [, key] of numbered.sort((a, b) => byIndex(a[0], b[0]))) add(query[key]);
  return out;
}

/**
 * Id lists arrive as one id, a comma list, `[a,b]`, or repeated parameters.
 * Returns unique, trimmed, non-empty ids in the order given.
 */
export function readIdList(v: unknown): string[] {
  const parts: string[] = [];
  const add = (s: string) => {
    for (const p of s.replace(/^\s*\[/, '').replace(/\]\s*$/, '').split(',')) {
      const id = p.trim().replace(/^["']|["']$/g, '');
      if (id && !parts.includes(id)) parts.push(id);
    }
  };
  if (typeof v === 'string') add(v);
  else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') add(x);
  return parts;
}

/** The 18-character form's suffix alphabet: each character encodes 5 upper-case flags. */
const CASE_SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * Salesforce ids come as 15 case-sensitive characters or 18 with a suffix that
 * encodes the case of the first 15 — the form that survives systems which ignore
 * case. Both name the same record, so ids compare on their 15-character form,
 * with the case the suffix restores (`00d000000000001eaa` is `00D000000000001`).
 * An 18-character id whose suffix does not fit its first 15 is not a Salesforce
 * id of that record and is compared as it is.
 */
export function canonicalId(id: string): string {
  if (!/^[a-zA-Z0-9]{18}$/.test(id)) return id;
  const suffix = id.slice(15).toUpperCase();
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const flags = CASE_SUFFIX.indexOf(suffix[chunk]!);
    if (flags < 0) return id;
    for (let i = 0; i < 5; i++) {
      const c = id[chunk * 5 + i]!;
      const upper = ((flags >> i) & 1) === 1;
      if (/[a-zA-Z]/.test(c)) out += upper ? c.toUpperCase() : c.toLowerCase();
      else if (upper) return id; // a digit flagged upper-case: the suffix is not this id's
      else out += c;
    }
  }
  return out;
}
