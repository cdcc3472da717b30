/**
 * The estimate for position p is A·p (ADR 0008 §10), rounded once: with A rounded first, short
 * waits read 0 at every position and long queues drifted. A is the average time per place in
 * line (a wait divided by the position it was waited from: the note "waits"), known once the
 * button has MIN_WAIT_SAMPLES answered chats; position 0 (one named agent) is unknown.
 */
import { describe, expect, it } from 'vitest';
import { MIN_WAIT_SAMPLES, WaitEstimator } from './wait-estimator.js';

/** An estimator that has seen `n` chats, each waiting `perPlaceMs` per place from place 1. */
function seen(id: string, perPlaceMs: number, n = 3): WaitEstimator {
  const w = new WaitEstimator();
  for (let i = 0; i < n; i++) w.observe(id, perPlaceMs, 1);
  return w;
}

describe('WaitEstimator', () => {
  it('is A·p rounded once to seconds', () => {
    const w = seen('b', 1400);
    expect(w.estimateForPosition('b', 1)).toBe(1);
    expect(w.estimateForPosition('b', 10)).toBe(14);
    const short = seen('s', 400);
    expect(short.estimateForPosition('s', 1)).toBe(0);
    expect(short.estimateForPosition('s', 5)).toBe(2);
    expect(seen('h', 2500).estimateForPosition('h', 10)).toBe(25);
  });

  it('records the wait per place in line: the whole wait already holds the chats ahead', () => {
    const w = new WaitEstimator();
    // Place 7 answered after 7 s, place 4 after 4 s, place 1 after 1 s: 1 s per place each time.
    expect(w.observe('b', 7_000, 7)).toEqual({ buttonId: 'b', averageWaitMs: 1_000, samples: 1 });
    w.observe('b', 4_000, 4);
    w.observe('b', 1_000, 1);
    expect(w.estimateForPosition('b', 7)).toBe(7);
    expect(w.estimateForPosition('b', 4)).toBe(4);
  });

  it('records nothing for a chat that stood in no line', () => {
    const w = seen('b', 2_000);
    expect(w.observe('b', 60_000, 0)).toBeNull();
    expect(w.estimateForPosition('b', 1)).toBe(2);
  });

  it('is -1 until the button has a few answered chats, and a chat answered at once does not make it 0', () => {
    expect(MIN_WAIT_SAMPLES).toBe(3);
    const w = new WaitEstimator();
    expect(w.estimateForPosition('b', 3)).toBe(-1);
    w.observe('b', 0, 1);
    expect(w.estimateForPosition('b', 5)).toBe(-1);
    w.observe('b', 3_000, 1);
    expect(w.estimateForPosition('b', 5)).toBe(-1);
    w.observe('b', 6_000, 2);
    // A plain mean while warming up (0, 3, 3 s per place): the first sample does not hold it near 0.
    expect(w.estimateForPosition('b', 5)).toBe(10);
  });

  it('moves by a tenth of each new sample once warmed up (A = 0.9·A′ + 0.1·W)', () => {
    const w = seen('b', 10_000, 10);
    expect(w.observe('b', 20_000, 1)!.averageWaitMs).toBeCloseTo(11_000);
  });

  it('is -1 at position 0: a request for one named agent stands in no line', () => {
    expect(seen('b', 2_500).estimateForPosition('b', 0)).toBe(-1);
  });
});
