import { describe, expect, it } from 'vitest';
import { decodeSearchCursor, encodeSearchCursor } from './chat-search-cursor.js';

describe('chat search cursor', () => {
  it('reads back the place it names, ids of any characters included', () => {
    for (const p of [{ createdAt: 0, id: 'a' }, { createdAt: 1_767_225_600_123, id: '3d0c0e5e-0f6b-4c1e-9a53-4f1ad2b3c4d5' }, { createdAt: 5, id: 'é/"]\\' }]) {
      const c = encodeSearchCursor(p);
      expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeSearchCursor(c)).toEqual(p);
    }
  });

  it('refuses text no search gave', () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of ['', 'not a cursor', '!!!', enc({ createdAt: 1, id: 'x' }), enc([1]), enc([-1, 'x']), enc([1.5, 'x']), enc(['1', 'x']), enc([1, '']), enc([1, 7]), enc([1, 'x'.repeat(129)]), Buffer.from('[1,').toString('base64url')]) {
      expect(decodeSearchCursor(bad), bad).toBeNull();
    }
  });
});
