import { describe, expect, it } from 'vitest';
import { busyWaitText, fileSize, megabytes, uploadErrorText } from './file-request-prompt.js';

describe('the file prompt’s words', () => {
  it('says the server’s limit in MB on a 413', () => {
    expect(uploadErrorText({ status: 413, code: 'FILE_TOO_LARGE', maxBytes: 10_485_760 })).toBe('That file is too large, max 10 MB. Choose a smaller one.');
    expect(uploadErrorText({ status: 413, code: 'FILE_TOO_LARGE', maxBytes: 1_572_864 })).toBe('That file is too large, max 1.5 MB. Choose a smaller one.');
    expect(uploadErrorText({ status: 413, code: 'FILE_TOO_LARGE' })).toBe('That file is too large. Choose a smaller one.');
  });

  it('gives any other refusal with its status and the server’s reason, and a lost connection as such', () => {
    expect(uploadErrorText({ status: 429, body: 'Too Many Requests: uploads from this address' })).toBe('The upload failed (429: Too Many Requests: uploads from this address). Try again.');
    expect(uploadErrorText({ status: 403, code: 'FILE_TOKEN_INVALID', body: 'File token invalid, canceled or not this session\'s: canceled' })).toBe('The agent no longer asks for a file.');
    expect(uploadErrorText(new TypeError('Failed to fetch'))).toBe('The upload failed: the connection was lost. Try again.');
  });

  it('says the upload waits while the server is busy or limits this address, and that it gave up after', () => {
    expect(busyWaitText({ status: 503, waitMs: 5_000 })).toBe('Server busy, trying again…');
    expect(busyWaitText({ status: 429, waitMs: 12_000 })).toBe('Too many uploads for now, trying again…');
    expect(uploadErrorText({ status: 503, code: 'UPLOADS_BUSY', body: 'Too many uploads in progress: over fileTransfer.maxBytesInFlight (1 bytes)' })).toBe('The server is busy with other uploads. Try again in a minute.');
  });

  it('sizes', () => {
    expect([megabytes(65_536), megabytes(1_048_576), megabytes(52_428_800)]).toEqual(['0.06 MB', '1 MB', '50 MB']);
    expect([fileSize(532), fileSize(20_480), fileSize(3_145_728)]).toEqual(['532 bytes', '20 KB', '3 MB']);
  });
});
