/**
 * JSON text from visitor clients, read liberally (wire-compat.md): a control
 * character in free text is never a reason to refuse a request (ADR 0033). The
 * agent API reads its bodies strictly but replaces NUL the same way (ADR 0035).
 * Pure functions, no I/O.
 */

/** What a NUL character in client text becomes: the Unicode replacement character. */
export const NUL_REPLACEMENT = '\uFFFD';
const NUL = '\u0000';
/** How JSON text spells a NUL: the six characters `\u0000`. */
export const NUL_ESCAPE = '\\u0000';

/**
 * Parses a client's JSON text. Two liberties over JSON.parse:
 *
 * - Control characters sent raw inside a string (a line feed in a message from a
 *   client that builds its JSON by hand; RFC 8259 wants them escaped) are read as
 *   if escaped. Outside strings they are still malformed JSON.
 * - Every NUL, in any string or object key, becomes U+FFFD: PostgreSQL stores no
 *   NUL in text and processes no `\u0000` in JSON, and a value a store refuses
 *   would fail its group commit again and again (ADR 0016).
 *
 * Throws JSON.parse's SyntaxError (for the text as sent) when the text is not JSON either way.
 */
export function parseClientJson(text: string): unknown {
  let source = text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    const escaped = escapeRawControlsInStrings(text);
    if (escaped === undefined) throw err;
    try {
      value = JSON.parse(escaped);
    } catch {
      throw err;
    }
    source = escaped;
  }
  return withoutNulParsedFrom(source, value);
}

/**
 * True when JSON text may hold a NUL: as the escape `\u0000`, or raw (JSON.parse
 * refuses a raw one in a string; a liberal reader escapes it first). Text with an
 * escaped backslash before `u0000` (`\\u0000`, no NUL) answers true too: a walk
 * that finds nothing, never a NUL missed. Two scans of the text, no allocation:
 * what every agent stream frame pays.
 */
export function mayHoldNul(text: string): boolean {
  return text.includes(NUL_ESCAPE) || text.includes(NUL);
}

/**
 * `value`, just parsed from the JSON text `text`, with every NUL replaced
 * (replaceNul), walked only when the text may hold one: the usual body is not walked.
 */
export function withoutNulParsedFrom<T>(text: string, value: T): T {
  return mayHoldNul(text) ? replaceNul(value) : value;
}

/**
 * `text` with each control character (U+0000–U+001F) that stands raw inside a JSON
 * string written as its `\u00XX` escape; undefined when there is none. A string is
 * what follows an unescaped `"`; the scan follows JSON's escapes, so an escaped quote
 * does not end one.
 */
export function escapeRawControlsInStrings(text: string): string | undefined {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!inString) {
      if (c === 0x22) inString = true;
    } else if (c === 0x5c) {
      i++; // the escaped character, whatever it is, does not end the string
    } else if (c === 0x22) {
      inString = false;
    } else if (c < 0x20) {
      out += `${text.slice(from, i)}\\u${c.toString(16).padStart(4, '0')}`;
      from = i + 1;
    }
  }
  return from === 0 ? undefined : out + text.slice(from);
}

/**
 * `value` with every NUL in its strings and object keys replaced by U+FFFD, in
 * place (a value just parsed, no one else's). Iterative: a value may nest deeper
 * than the stack allows before its depth is checked.
 */
export function replaceNul<T>(value: T): T {
  if (typeof value === 'string') return withoutNul(value) as T;
  if (value === null || typeof value !== 'object') return value;
  const stack: object[] = [value];
  while (stack.length) {
    const v = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') v[i] = withoutNul(x);
        else if (x !== null && typeof x === 'object') stack.push(x);
      }
      continue;
    }
    const obj = v as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const x = obj[key];
      if (typeof x === 'string' && x.includes(NUL)) obj[key] = withoutNul(x);
      else if (x !== null && typeof x === 'object') stack.push(x);
      if (key.includes(NUL)) {
        // The new key holds U+FFFD, so it is no special name such as `__proto__`.
        obj[withoutNul(key)] = obj[key];
        delete obj[key];
      }
    }
  }
  return value;
}

/** `s` with each NUL replaced by U+FFFD (the same length: limits counted before still hold). */
export function withoutNul(s: string): string {
  return s.includes(NUL) ? s.replaceAll(NUL, NUL_REPLACEMENT) : s;
}
