import { describe, expect, it } from 'vitest';
import { contentDisposition } from '../http/agent/file-routes.js';
import { safeContentType, safeFileName, wellFormed } from './file-transfers.js';

describe('file names and types as kept and served', () => {
  it('keeps the last path segment, replaces control characters, cuts at 255, never empty', () => {
    expect(safeFileName('C:\\fakepath\\receipt.png')).toBe('receipt.png');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('a\r\nb\u0000c.txt')).toBe('a__b_c.txt');
    expect(safeFileName('x'.repeat(300))).toHaveLength(255);
    for (const empty of ['', '/', '..', '  ']) expect(safeFileName(empty)).toBe('file');
    expect(safeFileName('réçu 2026.pdf')).toBe('réçu 2026.pdf');
  });

  it('cuts a long name between characters, never inside a surrogate pair; drops C1 and bidirectional controls', () => {
    const cut = safeFileName(`${'a'.repeat(254)}😀.png`);
    expect(cut).toBe('a'.repeat(254));
    expect(wellFormed(cut)).toBe(cut);
    expect(safeFileName(`${'a'.repeat(253)}😀.png`)).toBe(`${'a'.repeat(253)}😀`);
    expect(safeFileName('invoice\u202Egnp.exe')).toBe('invoice_gnp.exe');
    expect(safeFileName('a\u2066b\u200fc\u0085d')).toBe('a_b_c_d');
    expect(safeFileName('\ud800x')).toBe('\ufffdx');
  });

  it('keeps a declared media type without parameters, else application/octet-stream', () => {
    expect(safeContentType('Image/PNG; charset=binary')).toBe('image/png');
    expect(safeContentType('')).toBe('application/octet-stream');
    expect(safeContentType('text/html\r\nX-Evil: 1')).toBe('application/octet-stream');
  });

  it('names the download in both filename forms, nothing of it able to break the header', () => {
    expect(contentDisposition('réçu "1".pdf')).toBe(`attachment; filename="r__u _1_.pdf"; filename*=UTF-8''r%C3%A9%C3%A7u%20%221%22.pdf`);
    expect(contentDisposition("it's (1)*.png")).toBe(`attachment; filename="it's (1)*.png"; filename*=UTF-8''it%27s%20%281%29%2A.png`);
    // A stored name ending in half a surrogate pair (kept before names were cut between characters).
    expect(contentDisposition('a\ud83d')).toBe(`attachment; filename="a_"; filename*=UTF-8''a%EF%BF%BD`);
    expect(contentDisposition('a\r\nSet-Cookie: x=1')).not.toMatch(/[\r\n]/);
  });
});
