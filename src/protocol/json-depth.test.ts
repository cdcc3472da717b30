import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.js';

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

describe('nestedDeeperThan', () => {
  it('counts levels of arrays and objects, and nothing else', () => {
    expect(nestedDeeperThan('text')).toBe(false);
    expect(nestedDeeperThan({ a: 1, b: 'x' }, 1)).toBe(false);
    expect(nestedDeeperThan({ a: { b: [1] } }, 2)).toBe(true);
    expect(nestedDeeperThan({ a: { b: [1] } }, 3)).toBe(false);
    expect(nestedDeeperThan(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(nestedDeeperThan(nested(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it('checks a value far deeper than the stack allows to write back, without overflowing itself', () => {
    const deep = nested(30_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(nestedDeeperThan(deep)).toBe(true);
  });
});
