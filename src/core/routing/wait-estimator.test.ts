/**
 * The wait estimate for position p is A·p (ADR 0008), rounded once: with A
 * rounded first, short waits read 0 at every position and long queues drifted.
 */
import { describe, expect, it } from 'vitest';
import { WaitEstimator } from './wait-estimator.js';

describe('WaitEstimator', () => {
  it('is -1 before any chat was answered, then A·p rounded to seconds', () => {
    const w = new WaitEstimator();
    expect(w.estimateForPosition('b', 3)).toBe(-1);
    w.observe('b', 1400);
    expect(w.estimateForPosition('b', 1)).toBe(1);
    expect(w.estimateForPosition('b', 10)).toBe(14);
    const short = new WaitEstimator();
    short.observe('s', 400);
    expect(short.estimateForPosition('s', 1)).toBe(0);
    expect(short.estimateForPosition('s', 5)).toBe(2);
    const half = new WaitEstimator();
    half.observe('h', 2500);
    expect(half.estimateForPosition('h', 10)).toBe(25);
    expect(half.estimateForPosition('h', 0)).toBe(3); // position 0 counts as first in line
  });
});
