/**
 * One timer for many deadlines (the hold of every long poll). Items are kept in
 * slots of `resolutionMs` and expire together when their slot is due: never
 * early, at most one slot late.
 *
 * Why not a timer per poll: a held poll lives for seconds, so everything it
 * references survives young-generation GCs and is copied by each of them. A Node
 * timer is a ~120-byte Timeout plus a handle and a callback closure; here an
 * item costs one entry in its slot's Set (bench/results/profiling-notes.md).
 */
import type { Clock, TimerHandle } from '../ports/clock.js';

export interface Expiring {
  expire(): void;
}

export class DeadlineWheel<T extends Expiring> {
  private readonly slots = new Map<number, Set<T>>();
  private timer: TimerHandle | null = null;
  /** The slot the timer is set for (Infinity: no timer). */
  private armedFor = Infinity;
  private count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly resolutionMs: number,
  ) {}

  /** Expires `item` at `deadline` (ms since the epoch) or up to one slot later; returns its slot for remove(). */
  add(item: T, deadline: number): number {
    const slot = Math.ceil(deadline / this.resolutionMs);
    let set = this.slots.get(slot);
    if (!set) this.slots.set(slot, (set = new Set()));
    if (!set.has(item)) {
      set.add(item);
      this.count += 1;
    }
    if (slot < this.armedFor) this.arm(slot);
    return slot;
  }

  /** Forgets an item (it was woken before its deadline). */
  remove(item: T, slot: number): void {
    const set = this.slots.get(slot);
    if (set?.delete(item)) this.count -= 1;
    // An emptied slot stays until it is due: re-arming the timer for every
    // early wake-up would cost more than one empty visit.
  }

  /** Items waiting. */
  get size(): number {
    return this.count;
  }

  /** A copy of the items waiting, earliest slot first (shutdown answers them all). */
  items(): T[] {
    return [...this.slots].sort((a, b) => a[0] - b[0]).flatMap(([, set]) => [...set]);
  }

  private arm(slot: number): void {
    this.timer?.cancel();
    this.armedFor = slot;
    this.timer = this.clock.setTimeout(this.fire, Math.max(0, slot * this.resolutionMs - this.clock.now()));
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.clock.now();
    const due: [number, Set<T>][] = [];
    let next = Infinity;
    for (const entry of this.slots) {
      if (entry[0] * this.resolutionMs <= now) due.push(entry);
      else if (entry[0] < next) next = entry[0];
    }
    for (const [slot, set] of due) {
      this.slots.delete(slot);
      this.count -= set.size;
    }
    if (next !== Infinity) this.arm(next);
    // Earlier deadlines first. Expiring may add items (a poll that holds again):
    // they go to later slots, or re-arm the timer for an earlier one.
    due.sort((a, b) => a[0] - b[0]);
    for (const [, set] of due) for (const item of set) item.expire();
  };
}
