import { describe, expect, it } from 'vitest';
import { loadText } from './load-text.ts';

describe('load text', () => {
  it('writes load against capacity, and capacity 0 as no limit', () => {
    expect(loadText(1, 3)).toBe('1 / 3');
    expect(loadText(2, 0)).toBe('2 / no limit');
    expect(loadText(0, 0, '/')).toBe('0/no limit');
  });
});
