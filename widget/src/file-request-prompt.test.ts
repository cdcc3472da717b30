import { describe, expect, it } from 'vitest';
import { busyWaitText, fileSize, megabytes, uploadErrorText } from './file-request-prompt.js';
import { buildTexts } from './texts.js';
import { TRANSLATIONS } from './translations.js';

const t = buildTexts('en');

describe('the file prompt’s words', () => {
  it('says the server’s limit in MB on a 413', () => {
    expect(uploadErrorText(t, { status: 413, code: 'FILE_TOO_LARGE', maxBytes: 10_485_760 })).toBe('That file is too large, max 10 MB. Choose a smaller one.');
    expect(uploadErrorText(t, { status: 413, code: 'FILE_TOO_LARGE', maxBytes: 1_572_864 })).toBe('That file is too large, max 1.5 MB. Choose a smaller one.');
    expect(uploadErrorText(t, { status: 413, code: 'FILE_TOO_LARGE' })).toBe('That file is too large. Choose a smaller one.');
  });

  it('gives any other refusal with its status and the server’s reason, and a lost connection as such', () => {
    expect(uploadErrorText(t, { status: 429, body: 'Too Many Requests: uploads from this address' })).toBe('The upload failed (429: Too Many Requests: uploads from this address). Try again.');
    expect(uploadErrorText(t, { status: 403, code: 'FILE_TOKEN_INVALID', body: 'File token invalid, canceled or not this session\'s: canceled' })).toBe('The agent no longer asks for a file.');
    expect(uploadErrorText(t, new TypeError('Failed to fetch'))).toBe('The upload failed: the connection was lost. Try again.');
  });

  it('says the upload waits while the server is busy or limits this address, and that it gave up after', () => {
    expect(busyWaitText(t, { status: 503, waitMs: 5_000 })).toBe('Server busy, trying again…');
    expect(busyWaitText(t, { status: 429, waitMs: 12_000 })).toBe('Too many uploads for now, trying again…');
    expect(uploadErrorText(t, { status: 503, code: 'UPLOADS_BUSY', body: 'Too many uploads in progress: over fileTransfer.maxBytesInFlight (1 bytes)' })).toBe('The server is busy with other uploads. Try again in a minute.');
  });

  it('sizes', () => {
    expect([megabytes(t, 65_536), megabytes(t, 1_048_576), megabytes(t, 52_428_800)]).toEqual(['0.06 MB', '1 MB', '50 MB']);
    expect([fileSize(t, 532), fileSize(t, 20_480), fileSize(t, 3_145_728)]).toEqual(['532 bytes', '20 KB', '3 MB']);
  });

  it('sizes in the visitor’s language: plural forms and the decimal comma', () => {
    expect([fileSize(t, 1), fileSize(t, 0)]).toEqual(['1 byte', '0 bytes']);
    const fr = buildTexts('fr', TRANSLATIONS['fr'] ?? {});
    // French counts 0 and 1 as singular.
    expect([fileSize(fr, 0), fileSize(fr, 1), fileSize(fr, 2)]).toEqual(['0 octet', '1 octet', '2 octets']);
    expect(uploadErrorText(fr, { status: 413, code: 'FILE_TOO_LARGE', maxBytes: 1_572_864 })).toBe('Ce fichier est trop volumineux (maximum 1,5 Mo). Choisissez-en un plus petit.');
    const de = buildTexts('de', TRANSLATIONS['de'] ?? {});
    expect(megabytes(de, 1_572_864)).toBe('1,5 MB');
  });
});
