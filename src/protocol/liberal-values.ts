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

/** An integer, also from a numeric string; `undefined` when absent or unreadable. */
export function readInteger(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v)) return Number.parseInt(v, 10);
  return undefined;
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

/**
 * Salesforce ids come as 15 case-sensitive characters or 18 with a checksum
 * suffix; both name the same record, so ids compare on their first 15.
 */
export function canonicalId(id: string): string {
  return /^[a-zA-Z0-9]{18}$/.test(id) ? id.slice(0, 15) : id;
}
