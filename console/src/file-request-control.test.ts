import { describe, expect, it } from 'vitest';
import { pendingTokenOf } from './file-request-control.ts';

describe('pendingTokenOf', () => {
  it('reads the open token from the server’s 409 FILE_REQUEST_PENDING body', () => {
    expect(pendingTokenOf('A file request is already pending in this chat: fileToken ft_4Hq9-x')).toBe('ft_4Hq9-x');
    expect(pendingTokenOf('A file request is already pending in this chat')).toBeUndefined();
    expect(pendingTokenOf('Conflict: something else')).toBeUndefined();
  });
});
