/**
 * Keys of a config file the schema does not know. A misspelled setting would
 * otherwise be ignored without a word: `check-config` fails on every one,
 * `serve` logs them as warnings and starts, except for one that stands for a
 * secret (ADR 0041): the server would run without the secret the operator
 * meant to give (/metrics open to anyone, a password not used), so it stops.
 */
import { SECRET_FIELD, SwitchboardConfig } from './config-schema.js';

/** One unknown key: `text` says so; `secret` when it stands for a secret setting. */
export interface UnknownSetting {
  text: string;
  secret: boolean;
}

/** The parts of a JSON schema these walks read. */
interface Node { type?: unknown; properties?: Record<string, Node>; items?: Node; [SECRET_FIELD]?: unknown }

const ROOT = SwitchboardConfig as unknown as Node;

/** The secret settings by path (`server.metricsToken`), found by the schema's mark. */
const SECRET_SETTINGS: { path: string; name: string }[] = (() => {
  const out: { path: string; name: string }[] = [];
  const walk = (schema: Node, path: string): void => {
    for (const [k, sub] of Object.entries(schema.properties ?? {})) {
      const at = path ? `${path}.${k}` : k;
      if (sub[SECRET_FIELD] === true) out.push({ path: at, name: k });
      else if (sub.type === 'object') walk(sub, at);
    }
  };
  walk(ROOT, '');
  return out;
})();

/** Words that make a key name a secret whatever it is close to (`authToken`, `password`, `pgSecret`). */
const NAMES_A_SECRET = /token|pass|secret|credential/;

/**
 * Every unknown key with its path (`settings.pollHoldSecs`) and the known key it
 * most likely meant. One that is close to a secret setting, anywhere in the file
 * (`metricToken`, `metrics_token`, `metricsTokenFile`, `metricsToken` at the top
 * level), or that names a secret in the server-wide sections (`storage.password`),
 * is marked `secret`. (A misspelled agent `password` is not: that agent cannot log
 * in, which leaves nothing open, and the warning says why.)
 */
export function unknownSettingProblems(raw: unknown): UnknownSetting[] {
  const out: UnknownSetting[] = [];
  const walk = (value: unknown, schema: Node, path: string): void => {
    if (schema.type === 'object' && schema.properties && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const props = schema.properties;
      for (const [k, v] of Object.entries(value)) {
        const at = path ? `${path}.${k}` : k;
        // Own keys only: `constructor` or `__proto__` would find Object.prototype's and pass as known.
        const sub = Object.hasOwn(props, k) ? props[k] : undefined;
        if (sub) walk(v, sub, at);
        else out.push(describe(k, at, Object.keys(props), !path.includes('[')));
      }
    } else if (schema.type === 'array' && schema.items && Array.isArray(value)) {
      const items = schema.items;
      value.forEach((item, i) => walk(item, items, `${path}[${i}]`));
    }
  };
  walk(raw, ROOT, '');
  return out;
}

/** The unknown keys as `check-config` prints them and `serve` logs them. */
export function unknownSettings(raw: unknown): string[] {
  return unknownSettingProblems(raw).map((u) => u.text);
}

/** The words for one unknown key `key` at `path`, whose known siblings are `known`. */
function describe(key: string, path: string, known: string[], serverWide: boolean): UnknownSetting {
  const meant = SECRET_SETTINGS.find((s) => near(key, s.name));
  const stop = 'a secret there would be ignored, so the server does not start';
  if (meant) return { text: `${path}: unknown setting (did you mean ${meant.path}?): ${stop}`, secret: true };
  if (serverWide && NAMES_A_SECRET.test(normalized(key))) {
    return { text: `${path}: unknown setting that names a secret: ${stop} (the secret settings are ${SECRET_SETTINGS.map((s) => s.path).join(', ')})`, secret: true };
  }
  return { text: `${path}: unknown setting${suggest(key, known)}`, secret: false };
}

function suggest(key: string, known: string[]): string {
  const k = key.toLowerCase();
  const nearest = known.find((n) => n.toLowerCase() === k)
    ?? known.find((n) => n.toLowerCase().startsWith(k.slice(0, Math.max(4, k.length - 3))))
    ?? known.find((n) => near(key, n));
  return nearest ? ` (did you mean ${nearest}?)` : '';
}

/**
 * Whether `key` is likely a slip for `name`: the same but for case and `_`/`-`,
 * at most two letters wrong, missing, extra or swapped (one in a name shorter
 * than six), or `name` with something
 * after it (`metricsTokenFile`: ADR 0032 has no `…File` keys; `_FILE` variables
 * are where such a path goes).
 */
export function near(key: string, name: string): boolean {
  const k = normalized(key);
  const n = normalized(name);
  return k === n || k.startsWith(n) || editDistance(k, n) <= (n.length >= 6 ? 2 : 1);
}

function normalized(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
