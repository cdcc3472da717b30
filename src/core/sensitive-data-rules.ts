/**
 * Sensitive data rules (ADR 0052): patterns, such as card numbers, that are masked in
 * chat text before it is appended to the chat's log. This file compiles a rule of the
 * config file and says what is wrong with one; sensitive-data-masker.ts applies them.
 *
 * A rule's pattern is the operator's regular expression, run on every message: one that
 * backtracks catastrophically would hold the event loop (every chat of the node) on a
 * message crafted for it. The loader therefore refuses, besides a pattern that does not
 * compile or that can match the empty string, one that is slow on probe texts as long as
 * the longest message (settings.maxMessageLength): see probeProblem.
 */
import type { SensitiveDataRuleConfig } from '../config/config-schema.js';

/** Who wrote a text, for a rule's `appliesTo`. */
export type TextAuthor = 'visitor' | 'agent';

/** A rule ready to run: its regular expression always has the `g` flag. */
export interface CompiledRule {
  name: string;
  /** The pattern and flags as the config file wrote them (a RegExp's `source` escapes `/`). */
  pattern: string;
  flags: string;
  regex: RegExp;
  appliesTo: SensitiveDataRuleConfig['appliesTo'];
  /** Text in place of a match: the mask character repeated to the match's length, or the fixed replacement. */
  replace: (match: string) => string;
}

/** The mask character when a rule gives neither `mask` nor `replacement`. */
export const DEFAULT_MASK = '*';

/**
 * The longest one probe run may take at load. A rule that runs this long on a text no
 * longer than a message would take as long on every such message a visitor sends.
 * Real-world patterns (a card number, an IBAN) take microseconds on 4000 characters, so
 * the margin for a busy machine is wide.
 */
export const PROBE_BUDGET_MS = 50;

/** Whether a rule covers text by this author. */
export function appliesToAuthor(rule: Pick<CompiledRule, 'appliesTo'>, author: TextAuthor): boolean {
  return rule.appliesTo === 'both' || rule.appliesTo === author;
}

/**
 * Compiles one rule, or says what is wrong with it (a sentence without the rule's path).
 * Does not probe for slowness: ruleProblems does.
 */
export function compileRule(rule: SensitiveDataRuleConfig): CompiledRule | string {
  if (rule.mask !== undefined && rule.replacement !== undefined) return 'give either mask (one character, repeated to the length of each match) or replacement (a fixed text in place of each match), not both';
  if (rule.mask !== undefined && rule.mask.length !== 1) return `mask must be one character (it is repeated to the length of each match, so the masked text keeps its length), this one has ${rule.mask.length}`;
  let regex: RegExp;
  try {
    regex = new RegExp(rule.pattern, `${rule.flags}g`);
  } catch (err) {
    return `pattern is not a valid JavaScript regular expression with flags "${rule.flags}": ${(err as Error).message}`;
  }
  const { replacement } = rule;
  const mask = rule.mask ?? DEFAULT_MASK;
  // A function, never a replacement string: `$&` or `$1` in the config is text, not a back-reference.
  const replace = replacement !== undefined ? () => replacement : (match: string) => mask.repeat(match.length);
  return { name: rule.name, pattern: rule.pattern, flags: rule.flags, regex, appliesTo: rule.appliesTo, replace };
}

/**
 * What is wrong with an org's rules, each at its path: a name used twice (the metric
 * counts by name), a rule that does not compile, one that can match the empty string
 * (it would mask nothing, or put a mask between every two characters with a fixed
 * replacement), and one too slow on texts up to `maxMessageLength` characters.
 */
export function sensitiveDataRuleProblems(rules: readonly SensitiveDataRuleConfig[], path: string, maxMessageLength: number): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const prior = seen.get(rule.name);
    if (prior !== undefined) problems.push(`${path}/${i}/name: rule name ${rule.name} is already used at ${path}/${prior}/name`);
    else seen.set(rule.name, i);
    if (rule.pattern.trim() === '') {
      problems.push(`${path}/${i}/pattern: is empty (only spaces)`);
      return;
    }
    const compiled = compileRule(rule);
    if (typeof compiled === 'string') {
      problems.push(`${path}/${i}: ${compiled}`);
      return;
    }
    const slow = probeProblem(compiled.regex, rule.pattern, maxMessageLength);
    if (slow) problems.push(`${path}/${i}/pattern: ${slow}`);
  });
  return problems;
}

/** Characters most patterns for sensitive data are made of, and their separators. */
const PROBE_CHARACTERS = ['0', '9', 'a', 'Z', ' ', '-', '.', '_', '@', '/', '+', ':', '\n', 'é'];
/** The pairs a repeated group such as `(\d[ -]?)+` is probed with: digits and separators, letters. */
const PAIR_CHARACTERS = ['0', 'a', ' ', '-', '.'];
/** Ends that make a repeated run fail to match at its end, which is where backtracking explodes. */
const PROBE_ENDS = ['', '!', '\u0000'];

/**
 * Runs the rule on probe texts and says why it is refused, or null.
 *
 * Refused: a match of no characters on any probe (or on the empty text), and a run on a
 * probe longer than PROBE_BUDGET_MS. Probes are runs of one character, of a pair of
 * characters, and of the pattern's own literal characters, each alone and followed by a
 * character that ends the run, at lengths that grow by one up to 8 and then by an eighth up to
 * `maxLength` (probeLengths): the time of a pattern that backtracks exponentially grows by a
 * constant factor with each added character, so it goes over the budget at most ~8× over it,
 * and never hangs the load. This is a heuristic, not a proof: a pattern slow only on some text no probe
 * resembles passes. Messages are never longer than `maxLength` (settings.maxMessageLength),
 * so a pattern that is merely polynomial is bounded by that. A run over the budget is run twice
 * more and the fastest counts, so a pause of the host alone does not refuse a good rule.
 */
export function probeProblem(regex: RegExp, pattern: string, maxLength: number): string | null {
  const re = new RegExp(regex.source, regex.flags);
  if (matchesEmpty(re, '')) return 'matches the empty string: a rule must match at least one character (use + rather than *, or {1,} rather than {0,})';
  const literals = [...new Set(pattern.replace(/\\./g, '').replace(/[\\^$.*+?()[\]{}|]/g, ''))].slice(0, 8);
  const singles = [...new Set([...PROBE_CHARACTERS, ...literals])];
  const pairs = PAIR_CHARACTERS.flatMap((a) => PAIR_CHARACTERS.filter((b) => b !== a).map((b) => a + b));
  const lengths = probeLengths(maxLength);
  for (const unit of [...singles, ...pairs]) {
    for (const end of PROBE_ENDS) {
      for (const n of lengths) {
        const body = unit.repeat(Math.ceil(n / unit.length)).slice(0, Math.max(0, n - end.length));
        const text = body + end;
        // Real time, not the Clock port: this measures the CPU a rule costs, at load.
        let started = performance.now();
        const empty = matchesEmpty(re, text);
        let took = performance.now() - started;
        // One slow run can be the host (a GC, a busy core), not the rule: a good rule must not be refused
        // at start on a loaded machine. The fastest of three decides; a backtracking rule is slow every time.
        for (let again = 0; again < 2 && took > PROBE_BUDGET_MS && took < 4 * PROBE_BUDGET_MS; again++) {
          started = performance.now();
          matchesEmpty(re, text);
          took = Math.min(took, performance.now() - started);
        }
        if (empty) return `matches the empty string (within ${JSON.stringify(text.slice(0, 20))}…): a rule must match at least one character`;
        if (took > PROBE_BUDGET_MS) {
          return `took ${Math.round(took)} ms on a ${text.length}-character text (a run of ${JSON.stringify(unit)}${end ? ` then ${JSON.stringify(end)}` : ''}), over the ${PROBE_BUDGET_MS} ms budget: it backtracks too much, and every message would pay for it; rewrite it without nested or overlapping repetition such as (\\d+)+ or (\\d|\\d)*`;
        }
      }
    }
  }
  return null;
}

/**
 * The probe lengths: by one up to 8, then each an eighth longer, up to `maxLength`. Doubling (as this
 * once did after 24) hangs the load on an exponential pattern that is just under the budget at the
 * last length before the jump (2^24 steps fit in 50 ms on a fast core; 2^48 never end). Growing by
 * n/8 bounds the overshoot whatever the pattern's base b: at the first length n over the budget,
 * b^(n/8) = (b^n)^(1/8), the eighth root of the steps that fit in the budget — about 8× the budget.
 */
export function probeLengths(maxLength: number): number[] {
  const lengths: number[] = [];
  for (let n = 1; n <= maxLength; n += Math.max(1, Math.floor(n / 8))) lengths.push(n);
  if (lengths.at(-1) !== maxLength && maxLength > 0) lengths.push(maxLength);
  return lengths;
}

/** Runs the global `re` over `text` as masking does; true when a match had no characters. */
function matchesEmpty(re: RegExp, text: string): boolean {
  let empty = false;
  re.lastIndex = 0;
  text.replace(re, (m: string) => {
    if (m.length === 0) empty = true;
    return m;
  });
  return empty;
}
