/** Which browser origins `server.allowedOrigins` lets in (cors.ts). */
import { describe, expect, it } from 'vitest';
import { originPolicy } from './cors.js';

describe('originPolicy', () => {
  it('allows any origin when the list is empty (the Live Agent default)', () => {
    const allows = originPolicy([]);
    expect(allows('https://anything.example', 'chat.example.com')).toBe(true);
    expect(allows('null', undefined)).toBe(true);
  });

  it('allows the listed origins, subdomains of a wildcard, and the server itself; nothing else', () => {
    const allows = originPolicy(['https://www.shop.example/', 'https://*.help.example', 'http://localhost:3000']);
    const host = 'chat.example.com:8080';
    expect(allows('https://www.shop.example', host)).toBe(true);
    expect(allows('HTTPS://WWW.SHOP.EXAMPLE', host), 'origins compare case-insensitively').toBe(true);
    expect(allows('https://eu.help.example', host)).toBe(true);
    expect(allows('https://a.b.help.example', host)).toBe(true);
    expect(allows('http://localhost:3000', host)).toBe(true);
    expect(allows('http://chat.example.com:8080', host), "the server's own pages").toBe(true);

    expect(allows('https://help.example', host), 'a wildcard is for subdomains only').toBe(false);
    expect(allows('http://eu.help.example', host), 'another scheme').toBe(false);
    expect(allows('https://evilhelp.example', host)).toBe(false);
    expect(allows('https://www.shop.example:8443', host), 'another port').toBe(false);
    expect(allows('http://localhost:3001', host)).toBe(false);
    expect(allows('https://www.shop.example.evil.example', host)).toBe(false);
    expect(allows('null', host), 'sandboxed frames and file://').toBe(false);
    expect(allows('http://chat.example.com', host), 'the server on another port').toBe(false);
  });
});
