/**
 * Token buckets keyed by a client address (or address and user name): `burst`
 * tokens, refilled at `perMinute`. Loopback clients are never limited (the demo
 * deployment's contract: local tools, tests and benchmarks run unthrottled).
 * Time comes from the Clock, so tests drive refills.
 */
import { isIPv6 } from 'node:net';
import type { Clock } from '../ports/clock.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full (idle) ones are dropped: bounds memory under address churn. */
const MAX_BUCKETS = 50_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly burst: number,
    private readonly perMinute: number,
  ) {}

  /** Takes a token for `key`: 0 when there was one, else the ms until there will be. */
  take(key: string): number {
    const b = this.refilled(key);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return this.waitMs(b);
  }

  /** Forgets every client (the emulator's reset: a fresh start has full buckets). */
  clear(): void {
    this.buckets.clear();
  }

  /** Gives back a token taken for an attempt that turned out not to count (a right password). */
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.burst, b.tokens + 1);
  }

  private refilled(key: string): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.dropFull();
      b = { tokens: this.burst, at: this.clock.now() };
      this.buckets.set(key, b);
    } else {
      this.refill(b);
    }
    return b;
  }

  private refill(b: Bucket): void {
    const now = this.clock.now();
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perMinute) / 60_000);
    b.at = now;
  }

  private waitMs(b: Bucket): number {
    // (Less a hair: refills are fractional, and 0.999 tokens must not read as 2 ms.)
    return Math.max(1, Math.ceil(((1 - b.tokens) * 60_000) / this.perMinute - 1e-6));
  }

  /**
   * Frees room: buckets that refilled completely say nothing and go. If that frees
   * less than a tenth (a client making a new key per request: another address, or
   * another user name at login), the oldest buckets go too, so memory stays bounded
   * and the next full scan is thousands of insertions away instead of one.
   */
  private dropFull(): void {
    for (const [key, b] of this.buckets) {
      this.refill(b);
      if (b.tokens >= this.burst) this.buckets.delete(key);
    }
    let excess = this.buckets.size - Math.floor(MAX_BUCKETS * 0.9);
    for (const key of this.buckets.keys()) {
      if (excess-- <= 0) break;
      this.buckets.delete(key);
    }
  }

  /** Buckets held (tests, metrics). */
  get size(): number {
    return this.buckets.size;
  }
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || a.startsWith('127.');
}

/**
 * Who a rate limit counts as one client: an IPv4 address, or an IPv6 address's /64
 * network. One host is routinely given a whole /64 and can pick any address in it:
 * counted per address, an IPv6 client had a fresh bucket for every request.
 */
export function clientKey(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
