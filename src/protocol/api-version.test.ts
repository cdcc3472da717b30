import { describe, expect, it } from 'vitest';
import { parseApiVersion } from './api-version.js';
import type { SwitchboardError } from './errors.js';
import { failureOf } from './failure-of.test-support.js';

const parse = (raw: string | string[] | undefined) => parseApiVersion(raw, 29, 66);

describe('parseApiVersion', () => {
  it.each([
    ['34', 34],
    ['"34"', 34],
    ['42.0', 42],
    [' 34 ', 34],
    [' "57" ', 57],
    ['29', 29],
    ['66', 66],
    ['48.5', 48.5],
  ])('accepts %j as %d', (raw, expected) => {
    expect(parse(raw)).toBe(expected);
  });

  it('takes the first of a repeated header', () => {
    expect(parse(['34', 'abc'])).toBe(34);
  });

  it.each([undefined, '', '   '])('a missing header (%j) is VERSION_MISSING', (raw) => {
    expect(failureOf(() => parse(raw))).toBe('VERSION_MISSING');
  });

  it.each(['abc', '34abc', '1e2', '-34', '34.', '.5', 'NaN', '3 4', '""', '1234'])('%j is VERSION_INVALID', (raw) => {
    expect(failureOf(() => parse(raw))).toBe('VERSION_INVALID');
  });

  it.each(['12', '999', '28.9', '66.1', '0'])('%j is VERSION_UNSUPPORTED', (raw) => {
    expect(failureOf(() => parse(raw))).toBe('VERSION_UNSUPPORTED');
  });

  it('names the supported range in the detail', () => {
    try {
      parse('12');
      expect.unreachable();
    } catch (err) {
      expect((err as SwitchboardError).detail).toContain('29');
      expect((err as SwitchboardError).detail).toContain('66');
    }
  });

  it('keeps the detail of an invalid value short', () => {
    try {
      parse('x'.repeat(10_000));
      expect.unreachable();
    } catch (err) {
      expect((err as SwitchboardError).code).toBe('VERSION_INVALID');
      expect((err as SwitchboardError).detail!.length).toBeLessThanOrEqual(32);
    }
  });
});
