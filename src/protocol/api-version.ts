import { fail } from './errors.js';

/**
 * Reads X-LIVEAGENT-API-VERSION: `34`, `"34"`, `42.0` are all fine (wire-compat.md).
 * Returns the numeric version; throws a catalogue error otherwise.
 */
export function parseApiVersion(raw: string | string[] | undefined, min: number, max: number): number {
  // A header sent twice arrives joined (`34, 34`): the first value counts.
  const joined = Array.isArray(raw) ? raw[0] : raw;
  const value = joined?.includes(',') ? joined.slice(0, joined.indexOf(',')) : joined;
  if (value === undefined || value.trim() === '') fail('VERSION_MISSING');
  const cleaned = value.trim().replace(/^"(.*)"$/, '$1').trim();
  if (!/^\d{1,3}(\.\d{1,3})?$/.test(cleaned)) fail('VERSION_INVALID', cleaned.slice(0, 32));
  const version = Number.parseFloat(cleaned);
  if (version < min || version > max) fail('VERSION_UNSUPPORTED', `${cleaned} (supported ${min} to ${max})`);
  return version;
}
