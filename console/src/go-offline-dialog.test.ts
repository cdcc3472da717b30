/** The "Go offline?" confirmation says how many chats go back to the queue, and that Away keeps them. */
import { describe, expect, it } from 'vitest';
import { goOfflineText } from './go-offline-dialog.ts';

describe('go offline text', () => {
  it('counts the chats, one or more', () => {
    expect(goOfflineText(1).body).toMatch(/^Going offline returns 1 chat to the queue: its visitor waits/);
    expect(goOfflineText(3).body).toMatch(/^Going offline returns 3 chats to the queue: their visitors wait/);
    expect(goOfflineText(2).body).toContain('choose Away');
  });
});
