import { describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { clientKey, isLoopback, RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then one per refill interval, per key', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock, 3, 60); // 3 at once, then one a second
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1000);
    expect(limiter.take('b')).toBe(0); // another address has its own bucket
    clock.advance(999);
    expect(limiter.take('a')).toBe(1); // not yet: a refused take takes nothing
    clock.advance(1);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1000);
    clock.advance(60_000);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0, 1000]); // refilled to the burst, no more
    expect(limiter.take('never-seen')).toBe(0);
  });

  it('stays bounded when every request brings a new key that has not refilled (a client varying user names)', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock, 1, 1); // a key refills only after a minute
    const started = performance.now();
    for (let i = 0; i < 120_000; i++) limiter.take(`198.51.100.7|user-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(50_000);
    // Each full scan frees a tenth: scans are thousands of keys apart, not one per key.
    expect(performance.now() - started).toBeLessThan(5_000);
    // The newest keys are still limited.
    expect(limiter.take('198.51.100.7|user-119999')).toBeGreaterThan(0);
  });

  it('gives back a token for an attempt that did not count', () => {
    const limiter = new RateLimiter(new FakeClock(), 1, 1);
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBeGreaterThan(0);
    limiter.refund('k');
    expect(limiter.take('k')).toBe(0);
  });

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['10.0.0.1', '192.0.2.1', '::ffff:10.0.0.1', '2001:db8::1', '1127.0.0.1']) expect(isLoopback(a), a).toBe(false);
  });
});

describe('clientKey', () => {
  it('is the address for IPv4 (also IPv4-mapped), and the /64 network for IPv6 however it is written', () => {
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0DB8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('not an address')).toBe('not an address');
  });
});
