/**
 * Sensitive data rules (ADR 0052): the compiler, the loader's refusals (each at its
 * path), and the probe that refuses a pattern that backtracks catastrophically.
 */
import { describe, expect, it } from 'vitest';
import type { SensitiveDataRuleConfig } from '../config/config-schema.js';
import { ConfigError, validateConfig } from '../config/load-config.js';
import { CARD_BUT_LAST_FOUR_RULE, CARD_RULE, CVC_RULE } from './sensitive-data-rules.test-support.js';
import { PROBE_BUDGET_MS, compileRule, probeLengths, probeProblem, sensitiveDataRuleProblems, type CompiledRule } from './sensitive-data-rules.js';


const rule = (patch: Partial<SensitiveDataRuleConfig>): SensitiveDataRuleConfig => ({ ...CARD_RULE, ...patch });

function compiled(r: SensitiveDataRuleConfig): CompiledRule {
  const c = compileRule(r);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

const maskWith = (r: SensitiveDataRuleConfig, text: string) => {
  const c = compiled(r);
  return text.replace(c.regex, c.replace);
};

/** The problems a config with these rules is refused with (fails the test when it is accepted). */
function refused(rules: unknown[], settings: Record<string, unknown> = {}): string[] {
  try {
    validateConfig({ settings, orgs: [{ id: '00D000000000009', sensitiveDataRules: rules }] }, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

describe('the documented card number rule', () => {
  it('masks 13 to 19 digits, with spaces or dashes between them, character for character', () => {
    expect(maskWith(CARD_RULE, 'my card is 4111 1111 1111 1111, exp 12/29')).toBe('my card is *******************, exp 12/29');
    expect(maskWith(CARD_RULE, '4111-1111-1111-1111')).toBe('*'.repeat(19));
    expect(maskWith(CARD_RULE, '378282246310005')).toBe('*'.repeat(15));
    expect(maskWith(CARD_RULE, '3782 822463 10005')).toBe('*'.repeat(17));
    expect(maskWith(CARD_RULE, '4222222222222')).toBe('*'.repeat(13));
    expect(maskWith(CARD_RULE, '6011 0009 9013 9424 123')).toBe('*'.repeat(23));
  });

  it('masks any 13 to 19 digits, not only card numbers: an international phone number too (the safe side, ADR 0052)', () => {
    expect(maskWith(CARD_RULE, 'call 0049 30 1234567')).toBe('call ***************');
  });

  it('leaves shorter numbers, and a run of 20 digits or more, as they are', () => {
    for (const text of ['order 123456789012', 'call 030 1234567', 'id 12345678901234567890', '12/29 cvc 123']) expect(maskWith(CARD_RULE, text)).toBe(text);
  });

  it('passes the load-time probe well within its budget, and masks a longest message of digits and separators quickly', () => {
    const started = performance.now();
    expect(probeProblem(compiled(CARD_RULE).regex, CARD_RULE.pattern, 4000)).toBeNull();
    expect(performance.now() - started).toBeLessThan(2000);
    const c = compiled(CARD_RULE);
    for (const text of ['1 '.repeat(2000), '1-'.repeat(1999) + '!', '9'.repeat(4000)]) {
      const t0 = performance.now();
      text.replace(c.regex, c.replace);
      expect(performance.now() - t0).toBeLessThan(PROBE_BUDGET_MS);
    }
  });
});

describe('the other examples of docs/configuration.md', () => {
  it('the security code rule replaces the code and its keyword', () => {
    expect(maskWith(CVC_RULE, 'exp 12/29 CVC 123, ok?')).toBe('exp 12/29 [security code removed], ok?');
    expect(maskWith(CVC_RULE, 'cvv: 1234')).toBe('[security code removed]');
    expect(maskWith(CVC_RULE, 'order 123')).toBe('order 123');
  });

  it('the card rule that keeps the last four digits', () => {
    expect(maskWith(CARD_BUT_LAST_FOUR_RULE, 'card 4111 1111 1111 1234.')).toBe('card ***************1234.');
    expect(maskWith(CARD_BUT_LAST_FOUR_RULE, '3782 822463 10005')).toBe(`${'*'.repeat(13)}0005`);
    expect(maskWith(CARD_BUT_LAST_FOUR_RULE, 'order 123456789012')).toBe('order 123456789012');
  });

  it('both pass the load-time checks', () => {
    expect(sensitiveDataRuleProblems([CVC_RULE, CARD_BUT_LAST_FOUR_RULE], '/x', 4000)).toEqual([]);
  });
});

describe('compileRule', () => {
  it('repeats the mask character to the match\'s length, or puts the fixed replacement in, taken literally', () => {
    expect(maskWith(rule({ pattern: '\\d{4}', mask: '#' }), 'pin 1234.')).toBe('pin ####.');
    expect(maskWith(rule({ pattern: '\\d{4}', replacement: '[pin]' }), 'pin 1234 or 5678')).toBe('pin [pin] or [pin]');
    expect(maskWith(rule({ pattern: '\\d{4}', replacement: '$&$1' }), 'pin 1234')).toBe('pin $&$1');
  });

  it('honours flags, and always masks every match (g)', () => {
    expect(maskWith(rule({ pattern: 'secret', flags: 'i' }), 'Secret SECRET secret')).toBe('****** ****** ******');
    expect(maskWith(rule({ pattern: 'secret' }), 'Secret secret')).toBe('Secret ******');
  });

  it('is deterministic: the same text always gives the same result (no lastIndex carried over)', () => {
    const c = compiled(CARD_RULE);
    const text = 'a 4111111111111111 b 5500000000000004';
    const first = text.replace(c.regex, c.replace);
    c.regex.test(text); // leaves lastIndex somewhere
    expect(text.replace(c.regex, c.replace)).toBe(first);
  });
});

describe('the loader refuses a bad rule, naming it by its path', () => {
  it('a pattern that is not a regular expression, and flags it does not take', () => {
    expect(refused([rule({ pattern: '(\\d{4}' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0: pattern is not a valid JavaScript regular expression/)]);
    expect(refused([rule({ flags: 'ii' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0: pattern is not a valid/)]);
    expect(refused([rule({ flags: 'g' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0\/flags: /)]);
    expect(refused([rule({ flags: 'y' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0\/flags: /)]);
  });

  it('an empty or blank pattern', () => {
    expect(refused([rule({ pattern: '' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0\/pattern: /)]);
    expect(refused([rule({ pattern: '   ' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0\/pattern: is empty/)]);
  });

  it('a pattern that can match the empty string, also only within some text', () => {
    for (const pattern of ['\\d*', 'x|', '(?:)', '\\d{0,4}', '(?=\\d)', '\\b', '(?<=@)\\w*']) {
      expect(refused([rule({ pattern })]), pattern).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0\/pattern: matches the empty string/)]);
    }
  });

  it('a pattern that backtracks catastrophically, within a bounded time', () => {
    for (const pattern of ['(a+)+$', '(\\d+)+x', '(\\d|\\d)*y', '^(\\w+\\s?)+$', '(\\d[ -]?|\\d)+!']) {
      const started = performance.now();
      expect(refused([rule({ pattern })]), pattern).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0\/pattern: took \d+ ms .* over the 50 ms budget/)]);
      expect(performance.now() - started, pattern).toBeLessThan(3000);
    }
  });

  it('a name used twice in the org, and a name the metric label would not take', () => {
    expect(refused([rule({}), rule({ pattern: '\\d{9}' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/1\/name: rule name card-number is already used at \/orgs\/0\/sensitiveDataRules\/0\/name/)]);
    expect(refused([rule({ name: 'card number' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0\/name: /)]);
  });

  it('both mask and replacement, and a mask of more than one character', () => {
    expect(refused([rule({ mask: '#', replacement: '[card]' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0: give either mask .* or replacement/)]);
    expect(refused([rule({ mask: '##' })])).toEqual([expect.stringMatching(/^\/orgs\/0\/sensitiveDataRules\/0: mask must be one character/)]);
  });

  it('takes good rules, fills the defaults, and allows the same name in two orgs', () => {
    const config = validateConfig({ orgs: [{ id: '00D000000000009', sensitiveDataRules: [{ name: 'card-number', pattern: CARD_RULE.pattern }] }, { id: '00D000000000008', sensitiveDataRules: [{ name: 'card-number', pattern: '\\d{16}', appliesTo: 'visitor', replacement: '[card]' }] }] }, 'test');
    expect(config.orgs[0]!.sensitiveDataRules).toEqual([{ name: 'card-number', pattern: CARD_RULE.pattern, flags: '', appliesTo: 'both' }]);
    expect(config.orgs[1]!.sensitiveDataRules[0]!.appliesTo).toBe('visitor');
    expect(validateConfig({ orgs: [{ id: '00D000000000009' }] }, 'test').orgs[0]!.sensitiveDataRules).toEqual([]);
  });

  it('probes at settings.maxMessageLength, so a polynomial pattern fine on short messages may pass with a lower limit', () => {
    expect(sensitiveDataRuleProblems([rule({})], '/x', 10)).toEqual([]);
    expect(sensitiveDataRuleProblems([rule({})], '/x', 100_000)).toEqual([]);
  });
});

describe('probe lengths', () => {
  it('grow by one, then never by more than an eighth, and end at the longest message', () => {
    const lengths = probeLengths(4000);
    expect(lengths.slice(0, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(lengths.at(-1)).toBe(4000);
    // An exponential pattern just under the budget at one length must not run for ever at the next.
    for (let i = 1; i < lengths.length; i++) expect(lengths[i]! - lengths[i - 1]!, `after ${lengths[i - 1]}`).toBeLessThanOrEqual(Math.max(1, Math.floor(lengths[i - 1]! / 8)));
    expect(lengths.length).toBeLessThan(80);
    expect(probeLengths(5)).toEqual([1, 2, 3, 4, 5]);
  });
});
