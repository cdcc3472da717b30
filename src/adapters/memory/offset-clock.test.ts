import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { OffsetClock } from './offset-clock.js';
import { systemClock } from './system-clock.js';

// The base clock is a FakeClock standing in for real time: `base.advance` is time
// passing, `clock.advance` is a test moving the emulator's clock.
function clocks(): { base: FakeClock; clock: OffsetClock; start: number } {
  const base = new FakeClock();
  return { base, clock: new OffsetClock(base), start: base.now() };
}

describe('OffsetClock', () => {
  it('reads real time plus the offset that advances add up', () => {
    const { base, clock, start } = clocks();
    expect([clock.now(), clock.offsetMs]).toEqual([start, 0]);
    clock.advance(60_000);
    expect([clock.now(), clock.offsetMs]).toEqual([start + 60_000, 60_000]);
    base.advance(500);
    clock.advance(1_000);
    expect([clock.now(), clock.offsetMs]).toEqual([start + 61_500, 61_000]);
  });

  it('runs the timers due within an advance at once, in time order, each at its own time', () => {
    const { clock, start } = clocks();
    const ran: [string, number][] = [];
    const at = (name: string) => () => ran.push([name, clock.now() - start]);
    clock.setTimeout(at('c'), 3_000);
    clock.setTimeout(at('a'), 1_000);
    clock.setTimeout(at('b1'), 2_000);
    clock.setTimeout(at('b2'), 2_000); // same moment: scheduling order
    clock.setTimeout(at('later'), 10_001);
    clock.advance(10_000);
    expect(ran).toEqual([['a', 1_000], ['b1', 2_000], ['b2', 2_000], ['c', 3_000]]);
    expect(clock.now() - start).toBe(10_000);
  });

  it('runs a timer scheduled by a running timer when it falls within the span, and not one beyond it', () => {
    const { clock, start } = clocks();
    const ran: [string, number][] = [];
    clock.setTimeout(() => {
      ran.push(['warning', clock.now() - start]);
      clock.setTimeout(() => ran.push(['end', clock.now() - start]), 60_000);
      clock.setTimeout(() => ran.push(['too late', clock.now() - start]), 300_000);
    }, 120_000);
    clock.setTimeout(() => ran.push(['between', clock.now() - start]), 150_000);
    clock.advance(300_000);
    expect(ran).toEqual([['warning', 120_000], ['between', 150_000], ['end', 180_000]]);
    clock.advance(119_999);
    expect(ran.length).toBe(3);
    clock.advance(1);
    expect(ran[3]).toEqual(['too late', 420_000]);
  });

  it('runs an interval at each of its periods within the span, between the other timers', () => {
    const { clock, start } = clocks();
    const ran: string[] = [];
    const every = clock.setInterval(() => ran.push(`tick@${clock.now() - start}`), 1_000);
    clock.setTimeout(() => ran.push(`once@${clock.now() - start}`), 2_500);
    clock.advance(3_500);
    expect(ran).toEqual(['tick@1000', 'tick@2000', 'once@2500', 'tick@3000']);
    every.cancel();
    clock.advance(10_000);
    expect(ran.length).toBe(4);
  });

  it('skips a timer cancelled before it runs, also by a timer earlier in the same span', () => {
    const { clock } = clocks();
    const ran: string[] = [];
    const second = clock.setTimeout(() => ran.push('second'), 2_000);
    clock.setTimeout(() => { ran.push('first'); second.cancel(); }, 1_000);
    clock.setTimeout(() => ran.push('never'), 500).cancel();
    clock.advance(5_000);
    expect(ran).toEqual(['first']);
  });

  it('runs timers in real time between advances, sooner by what an advance took off', () => {
    const { base, clock } = clocks();
    const ran: string[] = [];
    clock.setTimeout(() => ran.push('a'), 1_000);
    clock.setTimeout(() => ran.push('b'), 10_000);
    base.advance(1_000);
    expect(ran).toEqual(['a']);
    clock.advance(6_000); // b is 3 s away now
    base.advance(2_999);
    expect(ran).toEqual(['a']);
    base.advance(1);
    expect(ran).toEqual(['a', 'b']);
    expect(base.pendingTimers()).toBe(0);
  });

  it('keeps an interval on its periods in real time after an advance', () => {
    const { base, clock, start } = clocks();
    const ran: number[] = [];
    clock.setInterval(() => ran.push(clock.now() - start), 1_000);
    clock.advance(2_500);
    base.advance(500);
    base.advance(1_000);
    expect(ran).toEqual([1_000, 2_000, 3_000, 4_000]);
  });

  it('rewinds to real time, and what is pending keeps the real delay it had left', () => {
    const { base, clock, start } = clocks();
    const ran: number[] = [];
    clock.advance(3_600_000);
    clock.setTimeout(() => ran.push(clock.now() - start), 5_000);
    clock.rewind();
    expect([clock.now(), clock.offsetMs]).toEqual([start, 0]);
    base.advance(4_999);
    expect(ran).toEqual([]);
    base.advance(1);
    expect(ran).toEqual([5_000]);
  });

  it('still runs the other timers when one throws, then throws its error with the clock moved', () => {
    const { clock, start } = clocks();
    const ran: string[] = [];
    clock.setTimeout(() => { throw new Error('boom'); }, 1_000);
    clock.setTimeout(() => ran.push('after'), 2_000);
    expect(() => clock.advance(5_000)).toThrow('boom');
    expect(ran).toEqual(['after']);
    expect(clock.now() - start).toBe(5_000);
  });

  it('runs on real timers over the system clock', async () => {
    const clock = new OffsetClock(systemClock);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('advanced'), 3_600_000);
    clock.advance(3_600_000);
    expect(fired).toEqual(['advanced']);
    const startedAt = Date.now();
    await new Promise<void>((resolve) => clock.setTimeout(() => { fired.push('real'); resolve(); }, 30));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(25);
    expect(fired).toEqual(['advanced', 'real']);
    expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(3_600_000 - 5);
  });
});
