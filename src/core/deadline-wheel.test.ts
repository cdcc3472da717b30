/**
 * The poll holds' deadline wheel: an item expires at its deadline or at most one
 * slot later, never earlier; a removed item never expires; one timer at a time.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { DeadlineWheel } from './deadline-wheel.js';

function item(log: string[], name: string) {
  return { expire: () => log.push(name) };
}

describe('DeadlineWheel', () => {
  it('expires an item at its deadline or up to one slot later, never before', () => {
    const clock = new FakeClock(1_000_000);
    const wheel = new DeadlineWheel(clock, 25);
    const log: string[] = [];
    clock.advance(7); // deadlines off the slot grid
    wheel.add(item(log, 'a'), clock.now() + 1000);
    clock.advance(999);
    expect(log).toEqual([]);
    clock.advance(1);
    // Due now, but its slot ends at the next multiple of 25 ms.
    clock.advance(17);
    expect(log).toEqual([]);
    clock.advance(1);
    expect(log).toEqual(['a']);
    expect(wheel.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('never expires a removed item; expires the others in deadline order with one timer', () => {
    const clock = new FakeClock(1_000_000);
    const wheel = new DeadlineWheel(clock, 25);
    const log: string[] = [];
    const late = item(log, 'late');
    const gone = item(log, 'gone');
    wheel.add(late, clock.now() + 300);
    const slot = wheel.add(gone, clock.now() + 100);
    wheel.add(item(log, 'early'), clock.now() + 50);
    expect(clock.pendingTimers()).toBe(1);
    wheel.remove(gone, slot);
    expect(wheel.size).toBe(2);
    expect(wheel.items()).toHaveLength(2);
    clock.advance(1000);
    expect(log).toEqual(['early', 'late']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('an item added while others expire (a poll holding again) waits for its own deadline', () => {
    const clock = new FakeClock(1_000_000);
    const wheel = new DeadlineWheel(clock, 25);
    const log: string[] = [];
    const again = item(log, 'again');
    wheel.add({ expire: () => { log.push('first'); wheel.add(again, clock.now() + 500); } }, clock.now() + 100);
    clock.advance(100);
    expect(log).toEqual(['first']);
    clock.advance(499);
    expect(log).toEqual(['first']);
    clock.advance(1);
    expect(log).toEqual(['first', 'again']);
  });

  it('a deadline already passed expires on the next turn of the timer', () => {
    const clock = new FakeClock(1_000_000);
    const wheel = new DeadlineWheel(clock, 25);
    const log: string[] = [];
    wheel.add(item(log, 'past'), clock.now() - 10);
    expect(log).toEqual([]);
    clock.advance(0);
    expect(log).toEqual(['past']);
  });
});
