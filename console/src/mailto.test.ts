import { describe, expect, it } from 'vitest';
import { mailtoHref } from './mailto.ts';

/** What a mail program reads from a mailto URL (RFC 6068): the recipients and the header fields after `?`. */
function read(href: string): { to: string; fields: Record<string, string> } {
  const url = new URL(href);
  const [to = '', query = ''] = url.href.slice('mailto:'.length).split('?');
  return { to: decodeURIComponent(to), fields: Object.fromEntries(new URLSearchParams(query)) };
}

describe('mailto links for addresses visitors typed', () => {
  it('links a plain address as it is', () => {
    expect(mailtoHref('kim@example.com')).toBe('mailto:kim@example.com');
    expect(read(mailtoHref('kim.lee+shop@mail.example.co.uk')!)).toEqual({ to: 'kim.lee+shop@mail.example.co.uk', fields: {} });
  });

  it('encodes a local part with ? = % & in it: one recipient, no copy, no text', () => {
    const address = 'fay?cc=boss%40evil.example&subject=Refund&body=Approved@example.com';
    const href = mailtoHref(address)!;
    expect(href).not.toContain('?');
    expect(read(href)).toEqual({ to: address, fields: {} });
  });

  it('gives no link for an address that is not plain', () => {
    expect(mailtoHref('fay@example.com?cc=boss%40evil.example&subject=Refund&body=Approved')).toBeNull();
    expect(mailtoHref('fay@example.com#x')).toBeNull();
    expect(mailtoHref('fay@example.com, boss@evil.example')).toBeNull();
    expect(mailtoHref('"fay"@example.com')).toBeNull();
    expect(mailtoHref('fay@localhost')).toBeNull();
    expect(mailtoHref('javascript:alert(1)//@example.com')).toBeNull();
    expect(mailtoHref('')).toBeNull();
  });
});
