/**
 * IP ranges for visitor blocks (ADR 0055): one address or a CIDR range, IPv4 or IPv6,
 * parsed strictly and written in one canonical form. An IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`) is the IPv4 address it carries, both as a range and as a client's
 * address, so a block on 1.2.3.4 holds whichever way a dual-stack socket reports it.
 * Pure: no I/O.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A parsed range: its family, first address as a number, and prefix length. */
export interface IpRange {
  readonly family: 4 | 6;
  /** The network address (host bits zero). */
  readonly network: bigint;
  readonly prefix: number;
  /** The canonical text: `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32`, `::1`. */
  readonly text: string;
}

/** A range's text refused, with a short reason for a 400 or a config problem. */
export type ParsedRange = { ok: true; range: IpRange } | { ok: false; reason: string };

const V4_BITS = 32;
const V6_BITS = 128;

/** An address as its family and number; null when it is not a plain address (no zone, no prefix). */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | null {
  if (isIPv4(text)) return { family: 4, value: v4Value(text) };
  if (!isIPv6(text) || text.includes('%')) return null;
  const value = v6Value(text);
  // ::ffff:a.b.c.d is the IPv4 address a.b.c.d (a dual-stack socket reports IPv4 clients so).
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/**
 * Parses `address` or `address/prefix` strictly: a prefix is decimal digits without a
 * leading zero, at most 32 (IPv4) or 128 (IPv6); host bits past the prefix must be zero
 * (`10.0.0.1/8` is refused: it says two things). A mapped IPv6 range (`::ffff:0:0/96` and
 * longer) becomes the IPv4 range it covers.
 */
export function parseIpRange(input: string): ParsedRange {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  if (text.length > 64) return { ok: false, reason: 'too long for an address or CIDR range' };
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  if (addressText.includes('%')) return { ok: false, reason: `${addressText}: a zone index (%) is not allowed` };
  const isV4 = isIPv4(addressText);
  if (!isV4 && !isIPv6(addressText)) return { ok: false, reason: `${addressText} is not an IPv4 or IPv6 address` };
  let family: 4 | 6 = isV4 ? 4 : 6;
  let value = isV4 ? v4Value(addressText) : v6Value(addressText);
  const bits = family === 4 ? V4_BITS : V6_BITS;
  let prefix = bits;
  if (prefixText !== null) {
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return { ok: false, reason: `prefix /${prefixText} is not a number of bits` };
    prefix = Number(prefixText);
    if (prefix > bits) return { ok: false, reason: `prefix /${prefix} is longer than ${bits} bits` };
  }
  if (hostBits(value, bits, prefix) !== 0n) return { ok: false, reason: `${text} has bits set past its prefix (the network is ${formatRange(family, value & mask(bits, prefix), prefix, bits)})` };
  if (family === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
    family = 4;
    value &= 0xffffffffn;
    prefix -= 96;
  }
  const width = family === 4 ? V4_BITS : V6_BITS;
  return { ok: true, range: { family, network: value, prefix, text: formatRange(family, value, prefix, width) } };
}

/** True when `address` (as the server sees a client: IPv4, IPv6 or mapped) lies in `range`. */
export function rangeContains(range: IpRange, address: string): boolean {
  const a = parseAddress(address);
  return a !== null && rangeHolds(range, a);
}

/** rangeContains for an address parsed once (parseAddress) and checked against many ranges. */
export function rangeHolds(range: IpRange, a: { family: 4 | 6; value: bigint }): boolean {
  if (a.family !== range.family) return false;
  const bits = range.family === 4 ? V4_BITS : V6_BITS;
  return (a.value & mask(bits, range.prefix)) === range.network;
}

/** True for an address in 127.0.0.0/8 or ::1 (mapped ones too): this machine. */
export function isLoopbackAddress(address: string): boolean {
  const a = parseAddress(address);
  if (!a) return false;
  return a.family === 4 ? a.value >> 24n === 127n : a.value === 1n;
}

/** True when every address of `range` is a loopback one: a range made for loopback on purpose. */
export function isWithinLoopback(range: IpRange): boolean {
  return range.family === 4 ? range.prefix >= 8 && range.network >> 24n === 127n : range.prefix === V6_BITS && range.network === 1n;
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

function hostBits(value: bigint, bits: number, prefix: number): bigint {
  return value & ~mask(bits, prefix) & ((1n << BigInt(bits)) - 1n);
}

function v4Value(text: string): bigint {
  return text.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

/** An IPv6 address's 128 bits (isIPv6 has vouched for its shape, an IPv4 tail included). */
function v6Value(text: string): bigint {
  let t = text.toLowerCase();
  const lastColon = t.lastIndexOf(':');
  const tail = t.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v = Number(v4Value(tail));
    t = `${t.slice(0, lastColon + 1)}${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const [head, rest] = t.includes('::') ? t.split('::') as [string, string] : [t, null];
  const headParts = head ? head.split(':') : [];
  const restParts = rest === null ? [] : rest ? rest.split(':') : [];
  const zeros = rest === null ? 0 : 8 - headParts.length - restParts.length;
  const groups = [...headParts, ...Array<string>(zeros).fill('0'), ...restParts];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function formatRange(family: 4 | 6, value: bigint, prefix: number, bits: number): string {
  const address = family === 4 ? formatV4(value) : formatV6(value);
  return prefix === bits ? address : `${address}/${prefix}`;
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups as `::` (the first of equals). */
function formatV6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
