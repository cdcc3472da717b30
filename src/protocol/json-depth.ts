/**
 * How deep a client's JSON may nest. V8 parses far deeper JSON than it can write
 * back: JSON.stringify runs out of stack near 5,000 levels, and a 64 KB body nests
 * 32,000. Bodies are kept (ChasitorResyncState, unknown ChasitorInit fields, custom
 * event data) and written with the session at the group commit, where such a value
 * would fail every later commit, or end the process. No real client nests more than
 * a few levels; 64 leaves room for any of them.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests arrays/objects more than `max` levels deep. Iterative: a deep value must not overflow this check either. */
export function nestedDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
