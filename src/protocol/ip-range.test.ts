import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isWithinLoopback, parseIpRange, rangeContains, type IpRange } from './ip-range.js';

function range(text: string): IpRange {
  const r = parseIpRange(text);
  if (!r.ok) throw new Error(`${text}: ${r.reason}`);
  return r.range;
}

describe('parseIpRange', () => {
  it('writes IPv4 addresses and ranges in one form', () => {
    expect(range('203.0.113.7').text).toBe('203.0.113.7');
    expect(range('203.0.113.7/32').text).toBe('203.0.113.7');
    expect(range(' 10.0.0.0/8 ').text).toBe('10.0.0.0/8');
    expect(range('0.0.0.0/0').text).toBe('0.0.0.0/0');
  });

  it('writes IPv6 ranges compressed and lowercase (RFC 5952)', () => {
    expect(range('2001:DB8:0:0:0:0:0:1').text).toBe('2001:db8::1');
    expect(range('2001:0db8::/32').text).toBe('2001:db8::/32');
    expect(range('::1').text).toBe('::1');
    expect(range('::').text).toBe('::');
    expect(range('2001:db8:0:1:0:0:0:0/64').text).toBe('2001:db8:0:1::/64');
    expect(range('1:0:0:2:0:0:0:3').text).toBe('1:0:0:2::3');
  });

  it('takes an IPv4-mapped IPv6 address or range as the IPv4 one', () => {
    expect(range('::ffff:1.2.3.4')).toMatchObject({ family: 4, text: '1.2.3.4' });
    expect(range('::FFFF:102:304')).toMatchObject({ family: 4, text: '1.2.3.4' });
    expect(range('::ffff:10.0.0.0/104')).toMatchObject({ family: 4, text: '10.0.0.0/8' });
  });

  it.each([
    ['', 'empty'],
    ['10.0.0.1/8', 'bits set past its prefix (the network is 10.0.0.0/8)'],
    ['10.0.0.0/33', 'longer than 32 bits'],
    ['2001:db8::/129', 'longer than 128 bits'],
    ['10.0.0.0/08', 'not a number of bits'],
    ['10.0.0.0/', 'not a number of bits'],
    ['10.0.0.0/-1', 'not a number of bits'],
    ['10.0.0.0/8/8', 'not a number of bits'],
    ['256.1.1.1', 'not an IPv4 or IPv6 address'],
    ['01.2.3.4', 'not an IPv4 or IPv6 address'],
    ['1.2.3', 'not an IPv4 or IPv6 address'],
    ['fe80::1%eth0', 'zone index'],
    ['example.com', 'not an IPv4 or IPv6 address'],
    ['2001:db8::1/64', 'bits set past its prefix'],
  ])('refuses %j (%s)', (text, reason) => {
    const r = parseIpRange(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});

describe('rangeContains', () => {
  it('matches IPv4 addresses by prefix', () => {
    const r = range('203.0.113.0/24');
    expect(rangeContains(r, '203.0.113.0')).toBe(true);
    expect(rangeContains(r, '203.0.113.255')).toBe(true);
    expect(rangeContains(r, '203.0.114.0')).toBe(false);
    expect(rangeContains(r, '203.0.112.255')).toBe(false);
    expect(rangeContains(range('0.0.0.0/0'), '8.8.8.8')).toBe(true);
    expect(rangeContains(range('1.2.3.4'), '1.2.3.5')).toBe(false);
  });

  it('matches IPv6 addresses by prefix, however they are written', () => {
    const r = range('2001:db8:abcd::/48');
    expect(rangeContains(r, '2001:db8:abcd:12::1')).toBe(true);
    expect(rangeContains(r, '2001:DB8:ABCD:0000::')).toBe(true);
    expect(rangeContains(r, '2001:db8:abce::1')).toBe(false);
    expect(rangeContains(range('2001:db8::1'), '2001:db8:0:0:0:0:0:1')).toBe(true);
  });

  it('matches a mapped client address against an IPv4 range, and the other way round', () => {
    expect(rangeContains(range('1.2.3.4'), '::ffff:1.2.3.4')).toBe(true);
    expect(rangeContains(range('::ffff:1.2.3.4'), '1.2.3.4')).toBe(true);
    expect(rangeContains(range('10.0.0.0/8'), '::ffff:10.9.8.7')).toBe(true);
    expect(rangeContains(range('10.0.0.0/8'), '::ffff:11.0.0.1')).toBe(false);
  });

  it('never matches across families or an address that is not one', () => {
    expect(rangeContains(range('::/0'), '1.2.3.4')).toBe(false);
    expect(rangeContains(range('0.0.0.0/0'), '2001:db8::1')).toBe(false);
    expect(rangeContains(range('0.0.0.0/0'), '')).toBe(false);
    expect(rangeContains(range('0.0.0.0/0'), 'unknown')).toBe(false);
  });
});

describe('loopback', () => {
  it('knows loopback addresses, mapped ones too', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('127.255.0.9')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('128.0.0.1')).toBe(false);
    expect(isLoopbackAddress('::2')).toBe(false);
  });

  it('tells a range made for loopback from a wider one that happens to hold it', () => {
    expect(isWithinLoopback(range('127.0.0.1'))).toBe(true);
    expect(isWithinLoopback(range('127.0.0.0/8'))).toBe(true);
    expect(isWithinLoopback(range('::1'))).toBe(true);
    expect(isWithinLoopback(range('::ffff:127.0.0.1'))).toBe(true);
    expect(isWithinLoopback(range('0.0.0.0/0'))).toBe(false);
    expect(isWithinLoopback(range('126.0.0.0/7'))).toBe(false);
    expect(isWithinLoopback(range('::/0'))).toBe(false);
    expect(isWithinLoopback(range('::/127'))).toBe(false);
  });
});
